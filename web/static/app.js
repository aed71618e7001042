/* Progressive enhancement only: every page works without this file.
   - forms marked data-once show a busy button and ignore a second tap while submitting;
   - the import progress page polls its JSON endpoint and moves the WeUI progress bar.
   No inline script anywhere (the CSP forbids it), no strings to translate here: the
   server sends every label. ES5 on purpose: old WeCom webviews. */
(function () {
  "use strict";

  var forms = document.querySelectorAll("form[data-once]");
  Array.prototype.forEach.call(forms, function (form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      var button = event.submitter || form.querySelector("[type=submit]");
      if (button) { button.classList.add("weui-btn_loading"); }
    });
    // Back to a page kept in the back/forward cache: the form is usable again.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) { return; }
      sent = false;
      Array.prototype.forEach.call(form.querySelectorAll("[type=submit]"), function (b) {
        b.classList.remove("weui-btn_loading");
      });
    });
  });

  var box = document.querySelector("[data-import-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-import-status");
  var bar = box.querySelector("[data-percent]");
  var text = box.querySelector("[data-progress-text]");
  var label = box.querySelector("[data-status-label]");

  function paint(percent) {
    if (bar) { bar.style.width = Math.max(0, Math.min(100, percent)) + "%"; }
  }
  paint(parseInt(bar ? bar.getAttribute("data-percent") : "0", 10) || 0);

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var state = null;
      try { state = JSON.parse(xhr.responseText); } catch (e) { state = null; }
      if (xhr.status !== 200 || !state) { setTimeout(poll, 3000); return; }
      paint(state.percent);
      if (text) { text.textContent = state.progress_text; }
      if (label) { label.textContent = state.status_label; }
      // The finished page (summary, report link) is rendered by the server.
      if (state.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
    };
    xhr.onerror = function () { setTimeout(poll, 3000); };
    xhr.send();
  }
  setTimeout(poll, 500);
})();
