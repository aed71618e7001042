/* Dashboard and drill-down charts (ECharts, vendored) and in-place drill clicks: a click
   fetches the level's JSON, redraws table and chart, and keeps the URL shareable. */
(function () {
  "use strict";
  var holder = document.getElementById("zs-data");
  if (!holder || !window.echarts) { return; }
  var data = JSON.parse(holder.textContent);

  function pctSeries(values) {
    return values.map(function (v) { return v === null ? null : Math.round(v * 1000) / 10; });
  }

  function line(el, weeks, series, percent) {
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 32, bottom: 28 },
      xAxis: { type: "category", data: weeks.map(function (w) { return w.slice(5); }) },
      yAxis: percent ? [{ type: "value", axisLabel: { formatter: "{value}%" } },
                        { type: "value" }] : [{ type: "value" }, { type: "value" }],
      series: series
    }, true);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var trend = document.getElementById("trend-chart");
  if (trend && data.trend) {
    var t = data.trend;
    line(trend, t.weeks, [
      { name: "拜访覆盖率", type: "line", data: pctSeries(t.coverage), connectNulls: true },
      { name: "流程合规率", type: "line", data: pctSeries(t.compliance), connectNulls: true },
      { name: "虚假拜访率", type: "line", data: pctSeries(t.fake_rate), connectNulls: true },
      { name: "成交额", type: "bar", yAxisIndex: 1, data: t.orders, itemStyle: { opacity: 0.35 } }
    ], true);
  }

  var drill = document.getElementById("drill");
  if (!drill) { return; }
  var chartEl = document.getElementById("drill-chart");

  function drawDrill(view) {
    var t = view.trend;
    line(chartEl, t.weeks, [
      { name: "成交额", type: "bar", data: t.amount },
      { name: "复购金额", type: "bar", data: t.repeat_amount },
      { name: "复购客户数", type: "line", yAxisIndex: 1, data: t.repeat_customers }
    ], false);
  }

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  function render(view) {
    document.getElementById("drill-title").textContent = view.title;
    document.title = view.title;
    var crumbs = document.getElementById("crumbs");
    crumbs.textContent = "";
    view.crumbs.forEach(function (c) {
      var a = cell("a", c.label);
      a.href = c.href;
      crumbs.appendChild(a);
      crumbs.appendChild(document.createTextNode(" › "));
    });
    document.getElementById("drill-note").textContent = view.note || "";
    var table = document.getElementById("drill-table");
    table.textContent = "";
    var head = document.createElement("tr");
    view.columns.forEach(function (c) { head.appendChild(cell("th", c)); });
    table.appendChild(head);
    view.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      r.cells.forEach(function (value, i) {
        var td = document.createElement("td");
        if (i === 0 && r.href) {
          var a = cell("a", String(value));
          a.href = r.href;
          a.className = "zs-drill";
          td.appendChild(a);
        } else {
          td.textContent = String(value);
        }
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    drawDrill(view);
  }

  function go(href, push) {
    var url = new URL(href, location.href);
    var api = drill.getAttribute("data-endpoint") + url.search;
    drill.setAttribute("aria-busy", "true");
    fetch(api, { credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) { location.href = href; return null; }
      return resp.json();
    }).then(function (view) {
      if (!view) { return; }
      render(view);
      if (push) { history.pushState({}, "", url.pathname + url.search); }
      drill.setAttribute("aria-busy", "false");
    }).catch(function () { location.href = href; });
  }

  drill.addEventListener("click", function (ev) {
    var a = ev.target.closest("a");
    if (!a || !drill.contains(a) || a.pathname !== location.pathname) { return; }
    ev.preventDefault();
    go(a.href, true);
  });
  window.addEventListener("popstate", function () { go(location.href, false); });
  drawDrill(data);
})();
