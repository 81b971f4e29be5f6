// Live updates for the web app's pages (ours, small, no library): one EventSource on /live (webui/live.py).
// - An element with data-live-src="<url>" is fetched again (about 300 ms after the last event that
//   concerns it) and its content replaced, when an event of one of its data-live-kinds (a comma list;
//   empty or absent: any kind) arrives.
// - The element with id "live-events" (the /events table's body) gets a row for each new event at its
//   top, if the event matches its data-live-kinds and data-live-user filters.
// - A crash is shown at the top of every page (#live-alerts, in the layout), the newest first.
// The stream starts after the newest event when the page was rendered (data-live-after on <html>); the
// browser reconnects by itself and sends Last-Event-ID, so the server replays what was missed; a
// stream that fell too far behind is told to reload.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var DEBOUNCE_MS = 300;
  var timers = new WeakMap();

  function wants(element, kind) {
    var kinds = (element.getAttribute("data-live-kinds") || "").split(",").map(function (k) { return k.trim(); }).filter(Boolean);
    return kinds.length === 0 || kinds.indexOf(kind) !== -1;
  }

  function refresh(element) {
    clearTimeout(timers.get(element));
    timers.set(element, setTimeout(function () {
      fetch(element.getAttribute("data-live-src"), { credentials: "same-origin" })
        .then(function (answer) { return answer.ok ? answer.text() : null; })
        .then(function (html) { if (html !== null) element.innerHTML = html; })
        .catch(function () { /* the next event tries again */ });
    }, DEBOUNCE_MS));
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function prepend(list, event) {
    var user = list.getAttribute("data-live-user");
    if (user && String(event.user_id) !== user) return;
    var row = document.createElement("tr");
    cell(row, event.created_at.replace("T", " ").slice(0, 19));
    cell(row, event.kind);
    cell(row, event.summary);
    cell(row, event.amount ? event.amount + (event.currency ? " " + event.currency : "") : "");
    var about = cell(row, "");
    // As the page links a row (webui/pages/events.py): the user it is about, else whom it concerns.
    var aboutUser = /^user:\d+$/.test(event.subject) ? event.subject.slice(5) : event.user_id;
    if (aboutUser !== null) {
      var link = document.createElement("a");
      link.href = "/events?user=" + encodeURIComponent(aboutUser);
      link.textContent = event.subject || "user " + event.user_id;
      about.appendChild(link);
    } else {
      about.textContent = event.subject;
    }
    var empty = list.querySelector("tr.empty");
    if (empty) empty.remove();
    list.insertBefore(row, list.firstChild);
  }

  var ALERTS_KEPT = 5;

  function alert(event) {
    var alerts = document.getElementById("live-alerts");
    if (!alerts) return;
    var line = document.createElement("div");
    line.className = "alert bad";
    line.textContent = "⚠ " + event.summary + " (" + event.created_at.replace("T", " ").slice(0, 19) + " UTC)";
    alerts.insertBefore(line, alerts.firstChild);
    while (alerts.children.length > ALERTS_KEPT) alerts.lastChild.remove();
  }

  function received(message) {
    var event = JSON.parse(message.data);
    if (event.kind === "crash") alert(event);
    document.querySelectorAll("[data-live-src]").forEach(function (element) {
      if (wants(element, event.kind)) refresh(element);
    });
    var list = document.getElementById("live-events");
    if (list && wants(list, event.kind)) prepend(list, event);
  }

  // The newest event id when the page was rendered (webui.live): what happens before the stream
  // opens is replayed. Reconnecting, the browser sends Last-Event-ID instead, which the server prefers.
  var after = document.documentElement.getAttribute("data-live-after");
  var source = new EventSource(after ? "/live?after=" + encodeURIComponent(after) : "/live");
  // <html data-live="open"> while the stream is open: for styling, and for browser tests to wait on.
  source.addEventListener("open", function () { document.documentElement.setAttribute("data-live", "open"); });
  source.addEventListener("error", function () { document.documentElement.setAttribute("data-live", "closed"); });
  // Every shop event comes as the default "message" event, its kind in its data.
  source.addEventListener("message", received);
  source.addEventListener("reload", function () { source.close(); window.location.reload(); });
})();
