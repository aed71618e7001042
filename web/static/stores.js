/* Store heatmaps (C12): every element with data-heatmap gets an ECharts heatmap of the
   JSON at its data-url — "week" is weekday × hour for one store, "compare" is store ×
   hour. The chart's height is set here (CSSOM, allowed by our CSP; no inline style). */
(function () {
  "use strict";

  function weekOption(data) {
    var cells = [], max = 1;
    data.heatmap.forEach(function (row, d) {
      row.forEach(function (v, h) { cells.push([h, d, v]); if (v > max) { max = v; } });
    });
    return { xs: data.hours.map(function (h) { return h + "时"; }), ys: data.weekdays,
             cells: cells, max: max, rows: data.weekdays.length };
  }

  function compareOption(data) {
    var cells = [], max = 1;
    data.heatmap.forEach(function (row, s) {
      row.forEach(function (v, h) { cells.push([h, s, v]); if (v > max) { max = v; } });
    });
    return { xs: data.hours.map(function (h) { return h + "时"; }),
             ys: data.stores.map(function (s) { return s.name; }),
             cells: cells, max: max, rows: data.stores.length };
  }

  function draw(el, data) {
    var o = el.getAttribute("data-heatmap") === "compare" ? compareOption(data) : weekOption(data);
    el.style.width = "100%";
    el.style.height = Math.max(240, 60 + o.rows * 22) + "px";
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 84, right: 12, top: 10, bottom: 100 },
      xAxis: { type: "category", data: o.xs, splitArea: { show: true } },
      yAxis: { type: "category", data: o.ys, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: o.max, calculable: true, orient: "horizontal",
                   left: "center", bottom: 0, itemHeight: 120 },
      series: [{ type: "heatmap", data: o.cells, progressive: 0 }]
    });
    el.setAttribute("data-ready", String(o.cells.length));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-heatmap]").forEach(function (el) {
    fetch(el.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) { draw(el, data); })
      .catch(function (e) { el.setAttribute("data-error", String(e)); });
  });
}());
