/* The DingTalk sign-in entry (免登, templates/h5/dingtalk_login.html): ask the DingTalk
   client for a one-time auth code for our corp and post it, with the state the server
   bound to this browser, to the same URL; the server exchanges it and redirects.
   `dd` is the official dingtalk-jsapi (vendored, web/vendor.sh). Outside DingTalk it says
   so (env.platform "notInDingTalk") and the page shows why it cannot continue.
   runtime.permission.requestAuthCode needs no dd.config (no JSAPI signature) and is the
   call every DingTalk client version has; it returns {code}, valid 5 minutes, once.
   ES5 on purpose: old DingTalk webviews. No strings here: the server renders them. */
(function () {
  "use strict";

  var form = document.getElementById("dd-login");
  if (!form) { return; }
  var WAIT_MS = 15000;  // a client that never answers must not leave a spinner forever
  var finished = false;

  function show(id) {
    if (finished) { return; }
    finished = true;
    document.getElementById("dd-waiting").hidden = true;
    document.getElementById(id).hidden = false;
  }

  function received(result) {
    if (finished) { return; }
    var code = result && (result.code || result.authCode);
    if (!code) { show("dd-client-refused"); return; }
    finished = true;
    form.elements.code.value = code;
    form.submit();
  }

  function refused() { show("dd-client-refused"); }

  // Local runs only (ZS_DINGTALK_CLIENT_EMULATOR): the emulator's DingTalk phone page
  // opened this page and plays the client, answering through postMessage. Only that
  // origin and that window are listened to, so no other page can plant a code.
  function askEmulator(origin) {
    window.addEventListener("message", function (event) {
      var data = event.data || {};
      if (event.origin !== origin || event.source !== window.opener ||
          data.type !== "zs-dd-auth-code") { return; }
      if (data.code) { received({code: data.code}); } else { refused(); }
    });
    window.setTimeout(refused, WAIT_MS);
    window.opener.postMessage({type: "zs-dd-auth-code-request",
                               corpId: form.getAttribute("data-corp-id")}, origin);
  }

  var dd = window.dd;
  if (!dd || !dd.env || dd.env.platform === "notInDingTalk" || !dd.runtime ||
      !dd.runtime.permission || typeof dd.runtime.permission.requestAuthCode !== "function") {
    var emulator = form.getAttribute("data-emulator-origin");
    if (emulator && window.opener) { askEmulator(emulator); return; }
    show("dd-not-in-dingtalk");
    return;
  }
  window.setTimeout(refused, WAIT_MS);
  if (typeof dd.error === "function") { dd.error(refused); }
  var ask = function () {
    var answer = dd.runtime.permission.requestAuthCode({
      corpId: form.getAttribute("data-corp-id"),
      onSuccess: received,
      onFail: refused
    });
    // dingtalk-jsapi also returns a Promise; whichever answers first wins.
    if (answer && typeof answer.then === "function") { answer.then(received, refused); }
  };
  if (typeof dd.ready === "function") { dd.ready(ask); } else { ask(); }
}());
