// The console's own script: the reply box's encoding and segment count, Enter to send, a key
// to the next unread chat, live updates of the inbox and the open chat, and desktop
// notifications with a count in the tab title while the tab is in the background.
(function () {
  "use strict";

  // GSM 03.38: the basic alphabet (one septet each) and the extension table (two each), as
  // in shared/compliance/segments.go; a test holds the two counters to the same cases.
  var GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXTENDED = "\f^{}\\[~]|€";

  // segments is the encoding a text is sent in and how many SMS segments it takes: GSM-7
  // holds 160 septets in one segment or 153 per part; UCS-2 70 UTF-16 units or 67 per part.
  function segments(text) {
    var septets = 0, gsm = true;
    for (var ch of text) {
      if (GSM_BASIC.indexOf(ch) >= 0) { septets += 1; }
      else if (GSM_EXTENDED.indexOf(ch) >= 0) { septets += 2; }
      else { gsm = false; break; }
    }
    var single = 70, multi = 67, n = text.length, enc = "UCS-2";
    if (gsm) { single = 160; multi = 153; n = septets; enc = "GSM-7"; }
    var count = n <= single ? 1 : Math.ceil(n / multi);
    var left = (count === 1 ? single : count * multi) - n;
    return { encoding: enc, segments: count, units: n, left: left };
  }
  window.smsdeskSegments = segments;

  function describe(text) {
    var s = segments(text);
    return s.encoding + " · " + s.segments + (s.segments === 1 ? " segment" : " segments") + " · " + s.left + " left";
  }

  function base() { return document.body.dataset.base || ""; }
  function currentChat() { return document.body.dataset.current || ""; }

  function updateCounter() {
    var box = document.getElementById("reply-body"), out = document.getElementById("segments");
    if (box && out) { out.textContent = describe(box.value); }
  }

  function scrollTranscript() {
    var t = document.getElementById("transcript");
    if (t) { t.scrollTop = t.scrollHeight; }
  }

  // Unread count, in the tab's title while the tab is hidden, and a desktop notification
  // when it grows then.
  var lastUnread = -1, lastChats = -1;
  function inboxChanged() {
    var inbox = document.getElementById("inbox");
    if (!inbox) { return; }
    var unread = parseInt(inbox.dataset.unread || "0", 10), chats = parseInt(inbox.dataset.chats || "0", 10);
    var grew = lastUnread >= 0 && (unread > lastUnread || chats > lastChats);
    lastUnread = unread; lastChats = chats;
    updateTitle();
    if (grew && document.hidden) { notify(unread, chats); }
  }

  function updateTitle() {
    var title = document.body.dataset.title || document.title;
    document.title = document.hidden && lastUnread > 0 ? "(" + lastUnread + ") " + title : title;
  }

  function notify(unread, chats) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    var n = new Notification("smsdesk: new message", {
      body: unread + (unread === 1 ? " unread message" : " unread messages") + " in " + chats + (chats === 1 ? " chat" : " chats"),
      tag: "smsdesk-unread"
    });
    n.onclick = function () { window.focus(); n.close(); };
  }

  function setupNotifyButton() {
    var b = document.getElementById("notify");
    if (!b || !("Notification" in window) || Notification.permission !== "default") { return; }
    b.hidden = false;
    b.addEventListener("click", function () {
      Notification.requestPermission().then(function () { b.hidden = true; });
    });
  }

  function refresh(id) {
    var el = document.getElementById(id);
    if (el && window.htmx) { window.htmx.trigger(el, "refresh"); }
  }

  // A changed chat reloads the inbox; the open chat reloads its transcript first (which marks
  // it read while the tab is in view), then the inbox.
  // Live monitoring re-reads its body on every change, at most about once a second while the
  // floor is busy, and always after the last change: a change that comes during a re-read or
  // the pause after it is not dropped but waits for the next re-read.
  var monitorBusy = 0, monitorAgain = false, monitorLast = 0;
  function monitorChanged() {
    if (monitorBusy && Date.now() - monitorBusy < 15000) { monitorAgain = true; return; }
    monitorBusy = Date.now();
    setTimeout(function () { monitorLast = Date.now(); refresh("monitor"); }, Math.max(0, monitorLast + 1000 - Date.now()));
  }
  function monitorDone() {
    monitorBusy = 0;
    if (monitorAgain) { monitorAgain = false; monitorChanged(); }
  }
  document.addEventListener("htmx:afterRequest", function (e) {
    // The request's target, not elt: a swapped-out fragment's event is re-sent from the body.
    if (e.detail && e.detail.target && e.detail.target.id === "monitor") { monitorDone(); }
  });

  document.addEventListener("htmx:sseMessage", function (e) {
    var ev = e.detail || {};
    if (document.getElementById("monitor")) { monitorChanged(); return; }
    if (ev.type === "reset") { refresh("transcript"); refresh("inbox"); return; }
    if (ev.type === "agent") { refreshMe(); return; }
    if (ev.type === "chat") {
      if (ev.data === currentChat() && document.getElementById("transcript")) { refresh("transcript"); }
      else { refresh("inbox"); }
    }
  });

  function refreshMe() { refresh("me"); refresh("inbox"); }

  document.addEventListener("htmx:configRequest", function (e) {
    var p = e.detail.path || "";
    if (/\/transcript$/.test(p) && !document.hidden) { e.detail.parameters.seen = "1"; }
  });

  // Delivery statuses change transcript entries, not the chat, so no event brings them: while
  // a line sent in the last few minutes still waits for its carrier's answer, the open chat
  // re-reads its transcript a few times, further and further apart (a reply starts again).
  var followDelays = [1500, 4000, 10000, 30000], followTry = 0, followTimer = null;
  function followDelivery(restart) {
    if (restart) { followTry = 0; }
    if (followTimer) { clearTimeout(followTimer); followTimer = null; }
    if (followTry >= followDelays.length) { return; }
    var recent = Date.now() - 5 * 60 * 1000;
    var waiting = Array.prototype.some.call(document.querySelectorAll("#transcript li[data-status]"), function (li) {
      return /^(pending|dispatching|queued|accepted|sending|sent)$/.test(li.dataset.status) && Date.parse(li.dataset.at) > recent;
    });
    if (!waiting) { return; }
    followTimer = setTimeout(function () { followTimer = null; refresh("transcript"); }, followDelays[followTry++]);
  }

  // The CRM contact comes along with every transcript re-read; it is swapped only when it
  // changed, so a re-read never clears a contact the agent is choosing.
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var t = e.detail.target, next = e.detail.fragment && e.detail.fragment.firstElementChild;
    if (t && t.id === "chat-contact" && next && next.dataset.key === t.dataset.key) { e.detail.shouldSwap = false; }
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    var t = e.detail.target;
    if (!t) { return; }
    if (t.id === "transcript" || t.id === "chat") { followDelivery(t.id === "chat"); }
    if (t.id === "transcript") { scrollTranscript(); refresh("inbox"); }
    if (t.id === "inbox") { inboxChanged(); }
    if (t.id === "chat") {
      scrollTranscript(); updateCounter(); refresh("inbox");
      focusReply();
    }
  });

  document.addEventListener("visibilitychange", function () {
    updateTitle();
    if (!document.hidden) { refresh("transcript"); }
  });

  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "reply-body") { updateCounter(); }
  });

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT" || el.isContentEditable);
  }

  // nextUnread opens the next chat after the open one that has unread messages.
  function nextUnread() {
    var items = Array.prototype.slice.call(document.querySelectorAll(".chat-item"));
    var at = items.findIndex(function (a) { return a.dataset.chat === currentChat(); });
    for (var i = 1; i <= items.length; i++) {
      var a = items[(at + i + items.length) % items.length];
      if (a && parseInt(a.dataset.unread || "0", 10) > 0 && a.dataset.chat !== currentChat()) { window.location.assign(a.href); return true; }
    }
    return false;
  }
  window.smsdeskNextUnread = nextUnread;

  document.addEventListener("keydown", function (e) {
    // Enter sends, Shift+Enter breaks the line (the textarea's own behaviour).
    if (e.target && e.target.id === "reply-body" && e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      var form = e.target.form;
      if (form && e.target.value.trim() !== "") { form.requestSubmit(); }
      return;
    }
    if ((e.altKey && e.code === "KeyN") || (e.key === "n" && !e.altKey && !e.ctrlKey && !e.metaKey && !typing(e.target))) {
      if (nextUnread()) { e.preventDefault(); }
    }
  });

  // Buttons only a page without scripts needs (the status form submits on change) hide,
  // also in swapped-in parts.
  document.addEventListener("htmx:load", function (e) {
    var root = e.target || document;
    if (root.classList && root.classList.contains("js-hidden")) { root.hidden = true; }
    root.querySelectorAll(".js-hidden").forEach(function (el) { el.hidden = true; });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".js-hidden").forEach(function (el) { el.hidden = true; });
    setupNotifyButton();
    updateCounter();
    scrollTranscript();
    inboxChanged();
    focusReply();
    followDelivery(true);
  });

  // focusReply puts the cursor in the reply box, but on a phone, where it would open the
  // keyboard over the transcript.
  function focusReply() {
    var box = document.getElementById("reply-body");
    if (box && window.matchMedia("(min-width: 721px)").matches) { box.focus(); }
  }
})();
