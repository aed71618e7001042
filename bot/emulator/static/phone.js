// Phone page of the Zhongshu platform emulator: renders one user's chat from
// /_emu/messages (polled) and acts as that user through the /_emu/ player endpoints.
"use strict";

(function () {
  const boot = JSON.parse(document.getElementById("boot").textContent);
  const chat = document.getElementById("chat");
  const empty = document.getElementById("empty");
  const statusDot = document.getElementById("status");
  const isWecom = boot.platform === "wecom";
  const playerBase = isWecom
    ? "/_emu/wecom/users/" + encodeURIComponent(boot.user)
    : "/_emu/dingtalk/users/" + encodeURIComponent(boot.user);
  const DROP_REASONS = {
    rate_limit: "频率超限，平台静默丢弃",
    duplicate: "重复消息，平台静默丢弃",
    duplicate_today: "当天重复内容，平台静默丢弃",
    daily_limit: "超出每人每日上限，平台静默丢弃",
    to_all_limit: "全员消息超出每日次数，平台静默丢弃",
  };
  const CHANNELS = { work: "工作通知", robot: "群机器人", session: "机器人回复", passive: "被动回复",
    welcome: "欢迎语（发给微信客户）" };
  // 客户联系 callbacks WeCom sent the service about this rep (channel "contact").
  const CONTACT_CHANGES = {
    add_external_contact: "添加了微信客户", edit_external_contact: "修改了客户备注",
    del_external_contact: "删除了微信客户", del_follow_user: "被微信客户删除",
    transfer_fail: "客户接替失败",
  };

  let rendered = new Map(); // message id -> JSON seen last time (re-render when it changes)
  let messages = [];
  let lastCount = -1;

  // ---- small helpers -------------------------------------------------------------------
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function unesc(s) {
    const t = document.createElement("textarea");
    t.innerHTML = s;
    return t.value;
  }
  function openHref(url) {
    // Links open as this user's phone would: WeCom OAuth links sign in as the user.
    const who = boot.wecomUser || boot.user;
    return "/phone/" + boot.platform + "/" + encodeURIComponent(who) + "/open?url=" + encodeURIComponent(url);
  }
  function linkable(url) {
    return typeof url === "string" && /^(https?:\/\/|\/|dingtalk:\/\/)/.test(url);
  }
  // The service's DingTalk sign-in entry (免登): inside DingTalk its page asks the client
  // for an auth code. This phone plays the client: it opens the page itself (keeping
  // window.opener) and answers the page's postMessage request with a code issued for
  // this user (the service must run with ZS_DINGTALK_CLIENT_EMULATOR = this origin).
  function dingtalkSignIn(url) {
    return !isWecom && /^https?:\/\/[^/]+\/h5\/login\/dingtalk\?/.test(url);
  }
  function link(url, text, cls) {
    const a = el("a", cls || "", text || url);
    if (dingtalkSignIn(url)) {
      a.href = url;
      a.dataset.ddSignin = "1";
    } else if (linkable(url)) {
      a.href = openHref(url);
      a.target = "_blank";
      a.rel = "noopener";
    }
    return a;
  }
  function linkHtml(escapedUrl, escapedText) {
    const url = unesc(escapedUrl);
    if (dingtalkSignIn(url)) return '<a data-dd-signin="1" href="' + esc(url) + '">' + escapedText + "</a>";
    if (!linkable(url)) return escapedText;
    return '<a target="_blank" rel="noopener" href="' + esc(openHref(url)) + '">' + escapedText + "</a>";
  }
  // A link opened from this phone carries the place picked below it, as the real phone
  // would answer the page's location request (the check-in page reads it).
  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a[href*='/open?url=']");
    const place = document.getElementById("place");
    if (!a || !place) return;
    a.href = a.href.replace(/&place=\d+$/, "") + "&place=" + encodeURIComponent(place.value);
  }, true);
  const signInPages = new Set(); // windows this phone opened on the DingTalk entry
  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a[data-dd-signin]");
    if (!a) return;
    e.preventDefault();
    const page = window.open(a.href, "_blank");
    if (page) signInPages.add(page);
  });
  window.addEventListener("message", (e) => {
    const data = e.data || {};
    if (!signInPages.has(e.source) || data.type !== "zs-dd-auth-code-request") return;
    const page = e.source;
    fetch(playerBase + "/authcode", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ corpId: data.corpId }),
    }).then((r) => r.json()).then((answer) => {
      page.postMessage({ type: "zs-dd-auth-code", code: answer.code || null }, e.origin);
    }, () => page.postMessage({ type: "zs-dd-auth-code", code: null }, e.origin));
  });
  function hhmm(at) {
    const d = new Date(at * 1000);
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  // Markdown the way the chat apps show it: headings, bold, links, quotes, WeCom font colours.
  function markdown(src) {
    let h = esc(src || "");
    h = h.replace(/&lt;font color=&quot;(info|comment|warning)&quot;&gt;([\s\S]*?)&lt;\/font&gt;/g,
      '<span class="md-$1">$2</span>');
    h = h.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, text, url) => linkHtml(url, text));
    h = h.replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>");
    return h.split("\n").map((line) => {
      let m = line.match(/^\s*#{1,6}\s+(.*)$/);
      if (m) return '<div class="md-h">' + m[1] + "</div>";
      m = line.match(/^\s*&gt;\s?(.*)$/);
      if (m) return '<div class="md-quote">' + m[1] + "</div>";
      m = line.match(/^\s*[-*]\s+(.*)$/);
      if (m) return "<div>• " + m[1] + "</div>";
      return line.trim() === "" ? "<div>&nbsp;</div>" : "<div>" + line + "</div>";
    }).join("");
  }
  // WeCom text may carry <a href="...">; textcard descriptions carry <div class="gray">.
  function wecomText(src) {
    let h = esc(src || "");
    h = h.replace(/&lt;a href=&quot;(.*?)&quot;&gt;([\s\S]*?)&lt;\/a&gt;/g, (m, url, text) => linkHtml(url, text));
    return h.replace(/\n/g, "<br>");
  }
  function textcardDesc(src) {
    let h = esc(src || "");
    h = h.replace(/&lt;div class=&quot;(gray|normal|highlight)&quot;&gt;([\s\S]*?)&lt;\/div&gt;/g,
      '<div class="tc-$1">$2</div>');
    return h.replace(/&lt;br\s*\/?&gt;/g, "<br>").replace(/\n/g, "<br>");
  }

  // ---- rendering: what the app sent --------------------------------------------------------
  function bubble(rich) {
    return el("div", rich ? "bubble rich" : "bubble");
  }

  function renderTemplateCard(msg) {
    const update = msg.card_update || {};
    const card = update.template_card || (msg.content || {}).template_card || {};
    const box = el("div", "card");
    const body = el("div", "card-body");
    box.appendChild(body);
    if (card.source && card.source.desc) body.appendChild(el("div", "card-source", card.source.desc));
    const main = card.main_title || {};
    if (main.title) body.appendChild(el("div", "card-title", main.title));
    if (main.desc) body.appendChild(el("div", "card-desc", main.desc));
    const emph = card.emphasis_content;
    if (emph && (emph.title || emph.desc)) {
      const e = el("div", "card-emph");
      e.appendChild(el("b", "", emph.title || ""));
      e.appendChild(el("span", "", emph.desc || ""));
      body.appendChild(e);
    }
    const quote = card.quote_area;
    if (quote && (quote.title || quote.quote_text)) {
      body.appendChild(el("div", "card-quote", [quote.title, quote.quote_text].filter(Boolean).join("\n")));
    }
    if (card.sub_title_text) body.appendChild(el("div", "card-sub", card.sub_title_text));
    if (card.image_text_area) {
      const ita = card.image_text_area;
      body.appendChild(el("div", "card-quote", [ita.title, ita.desc].filter(Boolean).join("\n")));
    }
    if (card.card_image && card.card_image.url) body.appendChild(el("div", "card-desc", "[图片]"));
    (card.vertical_content_list || []).forEach((v) => {
      body.appendChild(el("div", "card-title", v.title || ""));
      if (v.desc) body.appendChild(el("div", "card-desc", v.desc));
    });
    (card.horizontal_content_list || []).forEach((kv) => {
      const row = el("div", "kv");
      row.appendChild(el("span", "k", kv.keyname || ""));
      const v = kv.type === 1 && kv.url ? link(kv.url, kv.value || kv.url, "v") : el("span", "v", kv.value || "");
      row.appendChild(v);
      body.appendChild(row);
    });
    if ((card.jump_list || []).length) {
      const jumps = el("div", "card-jumps");
      card.jump_list.forEach((j) => jumps.appendChild(link(j.url || "", j.title || j.url)));
      body.appendChild(jumps);
    }

    const done = update.replace_name;
    const taskId = msg.task_id;
    const form = el("div", "card-form");
    const selections = [];
    if (card.checkbox && !done) {
      const cb = card.checkbox;
      const multi = cb.mode === 1;
      const chosen = new Set((cb.option_list || []).filter((o) => o.is_checked).map((o) => o.id));
      (cb.option_list || []).forEach((o) => {
        const label = el("label");
        const input = el("input");
        input.type = multi ? "checkbox" : "radio";
        input.name = "q-" + msg.id;
        input.checked = chosen.has(o.id);
        input.addEventListener("change", () => {
          if (!multi) chosen.clear();
          if (input.checked) chosen.add(o.id); else chosen.delete(o.id);
        });
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + (o.text || o.id)));
        form.appendChild(label);
      });
      selections.push(() => ({ question_key: cb.question_key, option_ids: Array.from(chosen) }));
    }
    if (card.select_list && !done) {
      card.select_list.forEach((s) => {
        if (s.title) form.appendChild(el("div", "q", s.title));
        const sel = el("select");
        (s.option_list || []).forEach((o) => {
          const opt = el("option", "", o.text || o.id);
          opt.value = o.id;
          if (o.id === s.selected_id) opt.selected = true;
          sel.appendChild(opt);
        });
        form.appendChild(sel);
        selections.push(() => ({ question_key: s.question_key, option_ids: [sel.value] }));
      });
    }
    if (form.childNodes.length) box.appendChild(form);

    const actions = el("div", "card-actions");
    if (done) {
      const b = el("button", "", done);
      b.disabled = true;
      actions.appendChild(b);
    } else {
      (card.button_list || []).forEach((btn) => {
        if (btn.type === 1 && btn.url) {
          actions.appendChild(link(btn.url, btn.text, "cbtn style-" + (btn.style || 1)));
          return;
        }
        const b = el("button", "style-" + (btn.style || 1), btn.text);
        b.type = "button";
        b.addEventListener("click", () => cardClick(taskId, btn.key, null, b));
        actions.appendChild(b);
      });
      if (card.submit_button) {
        const b = el("button", "style-1", card.submit_button.text || "提交");
        b.type = "button";
        b.addEventListener("click", () => cardClick(taskId, card.submit_button.key, selections.map((f) => f()), b));
        actions.appendChild(b);
      }
      ((card.action_menu || {}).action_list || []).forEach((item) => {
        const b = el("button", "style-2", "⋯ " + item.text);
        b.type = "button";
        b.addEventListener("click", () => cardClick(taskId, item.key, null, b));
        actions.appendChild(b);
      });
    }
    if (actions.childNodes.length) box.appendChild(actions);
    const action = card.card_action || {};
    if (action.type === 1 && action.url) box.appendChild(link(action.url, "查看详情", "card-link"));
    return box;
  }

  function renderTextcard(c) {
    const box = el("div", "card");
    const body = el("div", "card-body");
    body.appendChild(el("div", "card-title", c.title));
    const desc = el("div", "card-sub");
    desc.innerHTML = textcardDesc(c.description);
    body.appendChild(desc);
    box.appendChild(body);
    box.appendChild(link(c.url, c.btntxt || "详情", "card-link"));
    return box;
  }

  function renderArticles(articles) {
    const box = el("div", "card");
    (articles || []).forEach((a) => {
      const body = el("div", "card-body");
      body.appendChild(el("div", "card-title", a.title));
      if (a.description || a.digest) body.appendChild(el("div", "card-desc", a.description || a.digest));
      box.appendChild(body);
      if (a.url || a.content_source_url) box.appendChild(link(a.url || a.content_source_url, "阅读全文", "card-link"));
    });
    return box;
  }

  function renderActionCard(title, text, single, buttons, vertical) {
    const box = el("div", "card");
    const body = el("div", "card-body");
    if (title) body.appendChild(el("div", "card-title", title));
    const t = el("div", "card-sub");
    t.innerHTML = markdown(text);
    body.appendChild(t);
    box.appendChild(body);
    const actions = el("div", vertical ? "card-actions vertical" : "card-actions");
    if (single && single.url) actions.appendChild(link(single.url, single.title || "查看", "cbtn style-4"));
    (buttons || []).forEach((b) => actions.appendChild(link(b.url, b.title, "cbtn style-4")));
    if (actions.childNodes.length) box.appendChild(actions);
    return box;
  }

  function renderOa(c) {
    const box = el("div", "card");
    const head = c.head || {};
    const h = el("div", "oa-head", head.text || "审批");
    h.style.background = /^[0-9A-Fa-f]{8}$/.test(head.bgcolor || "") ? "#" + head.bgcolor.slice(2) : "#3296fa";
    box.appendChild(h);
    const b = c.body || {};
    const body = el("div", "card-body");
    if (b.title) body.appendChild(el("div", "card-title", b.title));
    (b.form || []).forEach((f) => {
      const row = el("div", "kv");
      row.appendChild(el("span", "k", f.key || ""));
      row.appendChild(el("span", "v", f.value || ""));
      body.appendChild(row);
    });
    if (b.rich) body.appendChild(el("div", "card-emph", (b.rich.num || "") + (b.rich.unit || "")));
    if (b.content) body.appendChild(el("div", "card-sub", b.content));
    if (b.author) body.appendChild(el("div", "card-desc", b.author));
    box.appendChild(body);
    const url = c.message_url || c.pc_message_url;
    if (url) box.appendChild(link(url, "查看详情", "card-link"));
    return box;
  }

  // A WeCom passive reply is filed as its XML fields; turn it into the JSON message shape.
  function passiveBody(f) {
    if (f.MsgType === "text") return { content: f.Content || "" };
    if (f.MsgType === "news") {
      let items = (f.Articles || {}).item || [];
      if (!Array.isArray(items)) items = [items];
      return { articles: items.map((a) => ({ title: a.Title, description: a.Description, url: a.Url })) };
    }
    return f;
  }

  function renderOut(msg) {
    const whole = msg.content || {};
    const c = (isWecom && msg.channel === "passive") ? passiveBody(whole) : (whole[msg.msgtype] || {});
    let node;
    switch (msg.msgtype) {
      case "text":
        node = bubble(true);
        node.innerHTML = isWecom ? wecomText(c.content) : esc(c.content || "").replace(/\n/g, "<br>");
        return node;
      case "markdown":
        node = bubble(true);
        node.innerHTML = (c.title && !isWecom ? "<b>" + esc(c.title) + "</b>" : "") + markdown(c.content || c.text);
        return node;
      case "template_card":
        return renderTemplateCard(msg);
      case "textcard":
        return renderTextcard(c);
      case "news":
      case "mpnews":
        return renderArticles(c.articles);
      case "link":
        return renderArticles([{ title: c.title, description: c.text, url: c.messageUrl }]);
      case "feedCard":
        return renderArticles((c.links || []).map((l) => ({ title: l.title, url: l.messageURL })));
      case "actionCard": {
        const btns = (c.btns || []).map((b) => ({ title: b.title, url: b.actionURL }));
        return renderActionCard(c.title, c.text, { title: c.singleTitle, url: c.singleURL }, btns, c.btnOrientation !== "1");
      }
      case "action_card": {
        const btns = (c.btn_json_list || []).map((b) => ({ title: b.title, url: b.action_url }));
        return renderActionCard(c.title, c.markdown, { title: c.single_title, url: c.single_url }, btns, c.btn_orientation !== "1");
      }
      case "oa":
        return renderOa(c);
      case "update_button":
        return null; // shown on the card itself
      case "image":
        node = bubble(false);
        node.textContent = "[图片]";
        return node;
      default:
        node = bubble(false);
        node.textContent = "[" + msg.msgtype + "] " + JSON.stringify(c);
        return node;
    }
  }

  // ---- rendering: what the user did ----------------------------------------------------------
  function workbenchName(key) {
    const b = (boot.workbench || []).find((w) => w.key === key);
    return b ? b.name : key;
  }
  function buttonText(taskId, key) {
    const card = messages.find((m) => m.task_id === taskId && m.direction === "out" && m.msgtype === "template_card");
    if (!card) return key;
    const c = card.content.template_card || {};
    const all = (c.button_list || []).concat(c.submit_button ? [c.submit_button] : [], (c.action_menu || {}).action_list || []);
    const hit = all.find((b) => b.key === key);
    return hit ? hit.text : key;
  }

  function renderIn(msg) {
    const c = msg.content || {};
    if (!isWecom) {
      const node = bubble(false);
      node.textContent = (c.text && c.text.content) || "";
      return { node };
    }
    if (msg.msgtype === "text") {
      const node = bubble(false);
      node.textContent = c.Content;
      return { node };
    }
    if (msg.msgtype === "image") {
      const node = bubble(true);
      const img = el("img", "photo");
      img.src = "/_emu/media/" + encodeURIComponent(c.MediaId);
      img.alt = "照片";
      node.appendChild(img);
      return { node };
    }
    switch (c.Event) {
      case "click":
        return { note: "点击了「" + workbenchName(c.EventKey) + "」" };
      case "enter_agent":
        return { note: "进入了应用" };
      case "LOCATION": {
        const node = bubble(false);
        node.textContent = "[位置] " + Number(c.Latitude).toFixed(5) + ", " + Number(c.Longitude).toFixed(5) + "（精度 " + c.Precision + " 米）";
        return { node };
      }
      case "template_card_event":
      case "template_card_menu_event":
        return { note: "点击了卡片按钮「" + buttonText(c.TaskId, c.EventKey) + "」" };
      case "change_external_contact": {
        const what = CONTACT_CHANGES[c.ChangeType] || c.ChangeType;
        const why = c.Source === "DELETE_BY_TRANSFER" ? "（在职继承）" : c.FailReason ? "（" + c.FailReason + "）" : "";
        return { note: "[客户联系] " + what + why + " " + (c.ExternalUserID || "") };
      }
      default:
        return { note: "[事件] " + (c.Event || msg.msgtype) };
    }
  }

  function avatar(msg, mine) {
    if (mine) return el("span", "avatar", (boot.name || "我").slice(-1));
    return el("span", "avatar app", isWecom ? "枢" : "钉");
  }

  function renderMessage(msg) {
    const frag = document.createDocumentFragment();
    const mine = msg.direction === "in";
    let node = null;
    let note = null;
    if (mine) {
      const r = renderIn(msg);
      node = r.node || null;
      note = r.note || null;
    } else {
      node = renderOut(msg);
    }
    if (note) {
      const n = el("div", "note");
      n.appendChild(el("span", "", note));
      frag.appendChild(n);
    }
    if (node) {
      const row = el("div", "row" + (mine ? " mine" : "") + (msg.delivered ? "" : " dropped"));
      row.appendChild(avatar(msg, mine));
      const col = el("div", "col");
      if (!mine && CHANNELS[msg.channel] && !boot.readOnly) col.appendChild(el("span", "tag", CHANNELS[msg.channel]));
      col.appendChild(node);
      row.appendChild(col);
      frag.appendChild(row);
    }
    if (!msg.delivered) {
      const n = el("div", "note warn");
      n.appendChild(el("span", "", "⚠ " + (DROP_REASONS[msg.dropped_reason] || "未送达：" + msg.dropped_reason)));
      frag.appendChild(n);
    }
    return frag;
  }

  function render() {
    const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
    const changed = messages.length !== lastCount || messages.some((m) => rendered.get(m.id) !== JSON.stringify(m));
    if (!changed) return;
    const next = new Map();
    chat.textContent = "";
    if (!messages.length) chat.appendChild(empty);
    let lastAt = 0;
    messages.forEach((m) => {
      if (m.at - lastAt > 300) chat.appendChild(el("div", "time", hhmm(m.at)));
      lastAt = m.at;
      chat.appendChild(renderMessage(m));
      next.set(m.id, JSON.stringify(m));
    });
    rendered = next;
    if (atBottom || messages.length > lastCount) chat.scrollTop = chat.scrollHeight;
    lastCount = messages.length;
  }

  async function poll() {
    try {
      const url = "/_emu/messages?platform=" + boot.platform + "&user=" + encodeURIComponent(boot.user) + "&mark_read=1";
      const resp = await fetch(url, { cache: "no-store" });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      messages = await resp.json();
      statusDot.className = "status ok";
      statusDot.title = "已连接模拟器";
      render();
    } catch (err) {
      statusDot.className = "status err";
      statusDot.title = "连接模拟器失败：" + err.message;
    }
  }

  // ---- acting as the user ---------------------------------------------------------------------
  function flash(text, cls) {
    const n = el("div", "note " + (cls || ""));
    n.appendChild(el("span", "", text));
    chat.appendChild(n);
    chat.scrollTop = chat.scrollHeight;
    setTimeout(() => n.remove(), 6000);
  }

  function report(result) {
    if (!result) return;
    if (result.error) { flash("⚠ " + result.error, "err"); return; }
    if (result.status !== 200) {
      const tries = result.tries ? "（已尝试 " + result.tries + " 次）" : "";
      flash("⚠ 服务没有返回 200" + tries + (result.status ? "：HTTP " + result.status : ""), "err");
    } else if (result.passive_error) {
      flash("⚠ 被动回复无法解密或校验：" + result.passive_error, "err");
    }
  }

  async function act(path, body, control) {
    if (control) control.classList.add("busy");
    try {
      const opts = { method: "POST" };
      if (body instanceof FormData) opts.body = body;
      else { opts.body = JSON.stringify(body || {}); opts.headers = { "Content-Type": "application/json" }; }
      const resp = await fetch(playerBase + path, opts);
      const data = await resp.json().catch(() => ({ error: "HTTP " + resp.status }));
      report(data);
    } catch (err) {
      flash("⚠ 请求失败：" + err.message, "err");
    } finally {
      if (control) control.classList.remove("busy");
      poll();
    }
  }

  function cardClick(taskId, key, selected, button) {
    const body = { task_id: taskId, key: key };
    if (selected && selected.length) body.selected_items = selected;
    act("/card_click", body, button);
  }

  const form = document.getElementById("composer");
  if (form) {
    const input = document.getElementById("text");
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      act("/text", { content: text }, form);
    });
    document.querySelectorAll("button.wb").forEach((b) => b.addEventListener("click", () => act("/click", { key: b.dataset.key }, b)));
    document.querySelectorAll(".chip").forEach((b) => b.addEventListener("click", () => {
      if (b.dataset.send) act("/text", { content: b.dataset.send }, b);
      else { input.value = b.dataset.fill; input.focus(); }
    }));
    const loc = document.getElementById("send-location");
    if (loc) loc.addEventListener("click", () => {
      const p = boot.locations[Number(document.getElementById("place").value)] || {};
      // A little jitter, like a real GPS fix.
      const j = () => (Math.random() - 0.5) * 0.0004;
      act("/location", { lat: (p.lat || 31.2304) + j(), lng: (p.lng || 121.4737) + j(), precision: p.precision || 30 }, loc);
    });
    const photo = document.getElementById("photo");
    if (photo) photo.addEventListener("change", () => {
      if (!photo.files.length) return;
      const data = new FormData();
      data.append("file", photo.files[0]);
      photo.value = "";
      act("/image", data, photo.parentElement);
    });
    const enter = document.getElementById("enter-agent");
    if (enter) enter.addEventListener("click", () => act("/enter_agent", {}, enter));
  }

  poll();
  setInterval(poll, 1500);
})();
