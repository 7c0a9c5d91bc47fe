// Partner Hub's own small script: live bell, conversation badge and toasts over Socket.IO,
// presence (online / away), confirmations, the phone menu, focus on form errors, and
// refusing a file over the upload limit before it is sent.
// No inline scripts anywhere (CSP).
(function () {
  "use strict";

  // The sentences refusing files over the upload limit (bytes, the form's
  // data-max-file-bytes) before they are sent, worded as the server's (hub/uploads.py
  // accept_upload); used by chat.js and proposal.js so what was typed stays.
  function megabytes(size) {
    return (size / (1024 * 1024)).toFixed(1).replace(/\.0$/, "") + " MB";
  }
  window.hubTooLarge = function (files, maxBytes) {
    return Array.prototype.filter.call(files, function (f) {
      return maxBytes && f.size > maxBytes;
    }).map(function (f) {
      return "“" + f.name + "” is " + megabytes(f.size) + "; attach files of at most " + megabytes(maxBytes) + ".";
    });
  };

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function setUnread(count) {
    var badge = document.querySelector(".bell__count");
    var bell = document.querySelector(".bell");
    if (!badge || !bell) return;
    badge.dataset.unread = String(count);
    badge.textContent = String(count);
    badge.hidden = count <= 0;
    bell.setAttribute("aria-label", "Notifications, " + count + " unread");
  }

  // The navigation's unread-conversations badge (rendered by the server, hidden at 0).
  function setUnreadConversations(count) {
    document.querySelectorAll("[data-unread-conversations]").forEach(function (badge) {
      badge.dataset.unreadConversations = String(count);
      badge.firstChild.nodeValue = String(count);
      badge.hidden = count <= 0;
    });
  }

  // Presence: this page is "away" while hidden or after IDLE_AFTER without input, and
  // "online" again on the next input or when shown. Only changes are sent; the server
  // combines all of the person's sockets (docs/realtime.md, "Presence").
  var IDLE_AFTER = 5 * 60 * 1000;
  var INPUTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart", "scroll"];

  function trackPresence(socket) {
    var sent = "online"; // a new socket counts as online
    var idleTimer = null;
    var lastInput = 0;
    function state() {
      return document.visibilityState === "hidden" || Date.now() - lastInput >= IDLE_AFTER
        ? "away" : "online";
    }
    function report() {
      var now = state();
      if (now === sent || !socket.connected) return;
      sent = now;
      socket.emit("presence", { state: now }, function () {});
    }
    function input() {
      var now = Date.now();
      if (now - lastInput < 1000) return; // plenty often for a 5-minute idle clock
      lastInput = now;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(report, IDLE_AFTER);
      report();
    }
    lastInput = Date.now();
    idleTimer = setTimeout(report, IDLE_AFTER);
    INPUTS.forEach(function (name) {
      window.addEventListener(name, input, { passive: true, capture: true });
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") input(); else report();
    });
    socket.on("connect", function () {
      sent = "online"; // the server starts every socket as online
      report();
    });
    window.hubPresence = { state: state, report: report };
  }

  function toast(text, url) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast";
    if (url) {
      var a = document.createElement("a");
      a.href = url;
      a.textContent = text;
      el.appendChild(a);
    } else {
      el.textContent = text;
    }
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  function connectSocket() {
    if (document.body.dataset.socket !== "on" || typeof window.io !== "function") return;
    // A page written over the last one in the same window (proposal.js shows an upload's
    // answer so) runs this again: close the connection the page before opened, or the tab
    // keeps both, and each of its events is handled twice.
    if (window.hubSocket) window.hubSocket.disconnect();
    var socket = window.io({ transports: ["websocket", "polling"] });
    window.hubSocket = socket;
    socket.on("notification", function (note) {
      var badge = document.querySelector(".bell__count");
      var count = badge ? parseInt(badge.dataset.unread || "0", 10) : 0;
      setUnread(count + 1);
      toast(note.text, note.url);
      document.dispatchEvent(new CustomEvent("hub:notification", { detail: note }));
    });
    socket.on("unread", function (payload) {
      if (payload && typeof payload.conversations === "number") {
        setUnreadConversations(payload.conversations);
      }
    });
    trackPresence(socket);
    var leaving = false;
    window.addEventListener("pagehide", function () { leaving = true; });
    window.addEventListener("beforeunload", function () { leaving = true; });
    // Bubbles to window last, after scripts that handle a form themselves (chat.js).
    window.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) leaving = true;
    });
    socket.on("disconnect", function (reason) {
      if (reason === "io server disconnect" && !leaving) {
        // The server ended this session (signed out elsewhere or deactivated).
        window.location.reload();
      }
    });
  }

  // The desktop bar is one line: when its links do not fit, the last ones move to the
  // front of "More" (priority navigation), and come back when the window widens. On a
  // phone every link is in the Menu list, so nothing moves.
  function fitNavigation() {
    var nav = document.getElementById("mainnav");
    if (!nav) return;
    var main = nav.querySelectorAll(".mainnav__main");
    var spills = nav.querySelectorAll(".navmore__spill");
    var more = nav.querySelector(".mainnav__more");
    var summary = more.querySelector("summary");
    var hadMore = more.dataset.own !== undefined ? more.dataset.own === "1" : !more.hidden;
    more.dataset.own = hadMore ? "1" : "0";
    main.forEach(function (li, i) { li.classList.remove("is-spilled"); spills[i].hidden = true; });
    more.hidden = !hadMore;
    summary.classList.toggle("navmore--current", !!more.querySelector(".navmore__panel li:not([hidden]) [aria-current]"));
    if (window.matchMedia("(max-width: 760px)").matches) return;
    function wraps() {
      var tops = [];
      nav.querySelectorAll(":scope > ul > li").forEach(function (li) {
        if (li.offsetParent !== null) tops.push(li.offsetTop);
      });
      return tops.some(function (top) { return top !== tops[0]; });
    }
    for (var i = main.length - 1; i > 0 && wraps(); i--) {
      main[i].classList.add("is-spilled");
      spills[i].hidden = false;
      more.hidden = false;
    }
    summary.classList.toggle("navmore--current", !!more.querySelector(".navmore__panel li:not([hidden]) [aria-current]"));
  }

  ready(function () {
    document.documentElement.classList.add("js");
    var toggle = document.querySelector(".menu__toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", open ? "false" : "true");
      });
    }
    fitNavigation();
    window.addEventListener("resize", function () {
      window.clearTimeout(fitNavigation.timer);
      fitNavigation.timer = window.setTimeout(fitNavigation, 100);
    });
    // The header's menus (<details>: "More", the user menu) close on Escape and on a click
    // outside them, as menus do; without JavaScript they still open and close by their summary.
    var menus = document.querySelectorAll("details.navmore, details.usermenu");
    document.addEventListener("click", function (event) {
      menus.forEach(function (menu) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      menus.forEach(function (menu) {
        if (!menu.open) return;
        menu.open = false;
        if (menu.contains(document.activeElement)) menu.querySelector("summary").focus();
      });
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopPropagation();
      }
    }, true);
    document.querySelectorAll("[data-select-on-focus]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
    var errors = document.querySelector(".form-errors");
    if (errors) errors.focus();
    connectSocket();
  });
})();
