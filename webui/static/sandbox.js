// The sandbox chat page: what the person does goes to the app with fetch (JSON, same site), and
// what the bot does comes back over one EventSource stream (no polling). Messages arrive as HTML
// the server drew and escaped; everything else (keys, toasts) is set as text, never as HTML.
"use strict";

(function () {
  const root = document.getElementById("sandbox");
  if (!root) return;
  const base = "/sandbox/" + root.dataset.user;
  const chat = document.getElementById("chat");
  const empty = document.getElementById("chat-empty");
  const keyboard = document.getElementById("keyboard");
  const composer = document.getElementById("composer");
  const text = document.getElementById("text");
  const toast = document.getElementById("toast");
  const stars = document.getElementById("stars");
  const linkState = document.getElementById("link-state");
  let toastTimer = 0;

  function tell(message) {
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, 6000);
  }

  async function post(action, body, control) {
    if (control) control.disabled = true;
    try {
      const response = await fetch(base + "/" + action, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(function () { return {}; });
      if (!response.ok) tell(answer.error || "That did not work (" + response.status + ").");
      else if (answer.told) tell(answer.told);
      return response.ok;
    } catch (error) {
      tell("The sandbox cannot be reached: is it still running?");
      return false;
    } finally {
      if (control) control.disabled = false;
    }
  }

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
  }

  function place(item) {
    const id = Number(item.dataset.id);
    const old = document.getElementById(item.id);
    if (old) { old.replaceWith(item); return; }
    const later = Array.prototype.find.call(chat.children, function (other) { return Number(other.dataset.id) > id; });
    chat.insertBefore(item, later || null);
  }

  function drawMessage(data) {
    const old = document.getElementById("m-" + data.id);
    if (old && old.dataset.version === data.version) return;
    const stick = nearBottom();
    const holder = document.createElement("template");
    holder.innerHTML = data.html.trim();
    place(holder.content.firstElementChild);
    if (stick) window.scrollTo(0, document.body.scrollHeight);
  }

  function drawState(data) {
    const present = new Set(data.ids.map(String));
    Array.prototype.slice.call(chat.children).forEach(function (item) {
      if (!present.has(item.dataset.id)) item.remove();
    });
    empty.hidden = data.ids.length > 0;
    stars.textContent = String(data.stars);
    keyboard.replaceChildren();
    data.keyboard.forEach(function (row) {
      const line = document.createElement("div");
      line.className = "row";
      row.forEach(function (label) {
        const key = document.createElement("button");
        key.type = "button";
        key.dataset.key = "";
        key.textContent = label;
        line.appendChild(key);
      });
      keyboard.appendChild(line);
    });
  }

  const events = new EventSource(base + "/events");
  events.addEventListener("message", function (event) { drawMessage(JSON.parse(event.data)); });
  events.addEventListener("state", function (event) { drawState(JSON.parse(event.data)); });
  events.addEventListener("toast", function (event) { tell(JSON.parse(event.data).text); });
  events.addEventListener("open", function () { linkState.hidden = true; });
  events.addEventListener("error", function () { linkState.hidden = false; });

  chat.addEventListener("click", function (event) {
    const target = event.target.closest("button, .spoiler");
    if (!target) return;
    const item = target.closest(".message");
    const messageId = item ? Number(item.dataset.id) : 0;
    if (target.classList.contains("spoiler")) target.classList.add("shown");
    else if (target.hasAttribute("data-press")) post("press", { message_id: messageId, label: target.dataset.press }, target);
    else if (target.hasAttribute("data-pay")) post("pay", { message_id: messageId }, target);
    else if (target.hasAttribute("data-crypto")) post("cryptopay", { url: target.dataset.crypto }, target);
    else if (target.hasAttribute("data-send")) post("send", { text: target.textContent }, target);
  });

  keyboard.addEventListener("click", function (event) {
    const key = event.target.closest("[data-key]");
    if (key) post("send", { text: key.textContent }, key);
  });

  composer.addEventListener("submit", async function (event) {
    event.preventDefault();
    const typed = text.value;
    if (!typed.trim()) return;
    if (await post("send", { text: typed }, composer.querySelector("button"))) text.value = "";
    text.focus();
  });

  window.scrollTo(0, document.body.scrollHeight);
})();
