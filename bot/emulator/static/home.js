// Home page of the Zhongshu platform emulator: runs the WeCom URL-verification handshake.
"use strict";

(function () {
  const button = document.getElementById("verify");
  const out = document.getElementById("verify-result");
  if (!button) return;
  button.addEventListener("click", async () => {
    out.textContent = "验证中…";
    try {
      const resp = await fetch("/_emu/wecom/verify_url", { method: "POST" });
      const r = await resp.json();
      if (r.ok) {
        out.textContent = "✔ 通过：服务原样返回了 echostr 明文（" + (r.elapsed * 1000).toFixed(0) + " ms）";
      } else if (r.status === null) {
        out.textContent = "✘ 连不上服务：" + (r.error || "未知错误");
      } else {
        out.textContent = "✘ 未通过：HTTP " + r.status + "，期望 " + r.expected + "，实际 " + JSON.stringify(r.body);
      }
    } catch (err) {
      out.textContent = "✘ 请求失败：" + err.message;
    }
  });
})();
