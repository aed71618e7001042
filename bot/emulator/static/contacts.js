// The 微信客户 panel of the emulator's WeCom phone page: the rep adds a WeChat friend,
// deletes one or is deleted by one, through the /_emu/wecom/users/<id>/contacts player
// endpoints (each sends the service a change_external_contact callback).
"use strict";

(function () {
  const panel = document.getElementById("contacts");
  if (!panel) return;
  const user = encodeURIComponent(panel.dataset.user);
  const base = "/_emu/wecom/users/" + user + "/contacts";
  const list = document.getElementById("contact-list");
  const form = document.getElementById("contact-add");

  function note(text, cls) {
    const chat = document.getElementById("chat");
    const n = document.createElement("div");
    n.className = "note " + (cls || "");
    const span = document.createElement("span");
    span.textContent = text;
    n.appendChild(span);
    chat.appendChild(n);
    chat.scrollTop = chat.scrollHeight;
    setTimeout(() => n.remove(), 6000);
  }

  async function refresh() {
    const resp = await fetch("/phone/wecom/" + user + "/contacts", { cache: "no-store" });
    if (resp.ok) list.innerHTML = await resp.text();
    const count = panel.querySelector("summary small");
    const total = list.querySelector("#contacts-count");
    if (count && total) count.textContent = (total.textContent.match(/\d+/) || [""])[0];
  }

  async function play(path, body, control) {
    if (control) control.classList.add("busy");
    try {
      const resp = await fetch(base + path, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}),
      });
      const data = await resp.json().catch(() => ({ error: "HTTP " + resp.status }));
      if (data.error) note("⚠ " + data.error, "err");
      else if (data.status !== 200) note("⚠ 服务没有返回 200" + (data.status ? "：HTTP " + data.status : ""), "err");
    } catch (err) {
      note("⚠ 请求失败：" + err.message, "err");
    } finally {
      if (control) control.classList.remove("busy");
      refresh();
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    if (!String(data.name || "").trim()) return;
    form.reset();
    play("/add", data, form);
  });
  list.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest("button[data-act]");
    if (!button) return;
    const ext = button.closest("li").dataset.ext;
    play("/" + encodeURIComponent(ext) + "/" + button.dataset.act, {}, button);
  });
})();
