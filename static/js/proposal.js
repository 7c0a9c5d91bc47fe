// A proposal page, live: who else is viewing it, and new comments, suggested edits and
// steps arriving without a reload. Also a progress bar on file uploads (claims, assets).
// The page works without this script; see docs/realtime.md ("Campaign proposals").
(function () {
  "use strict";

  var root = document.getElementById("proposal");
  if (!root) return;
  var proposalId = parseInt(root.dataset.proposalId, 10);
  var me = parseInt(root.dataset.me, 10);
  var viewersBox = document.getElementById("viewers");
  var viewers = {}; // id → {name, organization, seen}
  var heartbeat = 25;

  function renderViewers() {
    var now = Date.now();
    var names = [];
    Object.keys(viewers).forEach(function (id) {
      var v = viewers[id];
      if (now - v.seen > heartbeat * 3000) delete viewers[id];
      else names.push(v.name + " (" + v.organization + ")");
    });
    if (!viewersBox) return;
    viewersBox.hidden = names.length === 0;
    viewersBox.textContent = names.length ? "Also viewing now: " + names.join(", ") : "";
  }

  function refreshThread(eventId) {
    var thread = document.getElementById("thread");
    if (!thread) return;
    // Keep what someone is typing into the comment box.
    var box = document.getElementById("comment-body");
    var draft = box ? box.value : "";
    var focused = document.activeElement === box;
    fetch(window.location.pathname, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#thread");
        if (!fresh) return;
        thread.replaceWith(fresh);
        var newBox = document.getElementById("comment-body");
        if (newBox) { newBox.value = draft; if (focused) newBox.focus(); }
        var added = document.getElementById("event-" + eventId);
        if (added) added.classList.add("event--new");
      })
      .catch(function () { /* the next event or a reload shows it */ });
  }

  function showUpdated() {
    var note = document.getElementById("proposal-updated");
    if (note) return;
    note = document.createElement("p");
    note.id = "proposal-updated";
    note.className = "flash flash--info";
    note.setAttribute("role", "status");
    var link = document.createElement("a");
    link.href = window.location.pathname;
    link.textContent = "Show the latest";
    note.appendChild(document.createTextNode("This proposal was just updated. "));
    note.appendChild(link);
    root.after(note);
  }

  function connect(socket) {
    function join() {
      socket.emit("proposal:join", { proposal_id: proposalId }, function (ack) {
        if (ack && ack.ok && ack.heartbeat) heartbeat = ack.heartbeat;
      });
    }
    if (socket.connected) join();
    socket.on("connect", join);
    socket.on("proposal:viewer", function (data) {
      if (data.proposal_id !== proposalId || data.user.id === me) return;
      var known = viewers[data.user.id];
      if (data.present) {
        viewers[data.user.id] = { name: data.user.name, organization: data.user.organization, seen: Date.now() };
        // A newcomer learns who is already here.
        if (!known) socket.emit("proposal:here", { proposal_id: proposalId });
      } else {
        delete viewers[data.user.id];
      }
      renderViewers();
    });
    socket.on("proposal:event", function (data) {
      if (data.proposal_id !== proposalId) return;
      refreshThread(data.event_id);
      if (data.kind !== "comment") showUpdated();
    });
    setInterval(function () {
      if (socket.connected) socket.emit("proposal:here", { proposal_id: proposalId });
      renderViewers();
    }, heartbeat * 1000);
    window.addEventListener("pagehide", function () {
      if (socket.connected) socket.emit("proposal:leave", { proposal_id: proposalId });
    });
  }

  // A file over the upload limit is refused here, before it is sent (hub.js words it as
  // the server does), so what was typed stays in the form.
  function tooLarge(form) {
    var max = parseInt(form.dataset.maxFileBytes, 10);
    var sentences = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      if (window.hubTooLarge) sentences = sentences.concat(window.hubTooLarge(input.files || [], max));
    });
    var box = form.previousElementSibling;
    if (!box || !box.classList.contains("form-errors")) {
      box = document.createElement("div");
      box.className = "form-errors";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      form.parentNode.insertBefore(box, form);
    }
    box.hidden = !sentences.length;
    box.textContent = "";
    sentences.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      box.appendChild(p);
    });
    if (sentences.length) box.focus();
    return sentences.length > 0;
  }

  // Upload progress: forms marked data-progress send with XMLHttpRequest and show a bar.
  function withProgress(form) {
    form.addEventListener("submit", function (event) {
      if (tooLarge(form)) { event.preventDefault(); return; }
      var hasFile = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (i) {
        return i.files && i.files.length;
      });
      if (!hasFile || !window.FormData) return; // a plain post is fine
      event.preventDefault();
      var bar = form.querySelector(".upload-progress");
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!bar || !e.lengthComputable) return;
        bar.hidden = false;
        bar.value = Math.round((e.loaded / e.total) * 100);
        bar.textContent = bar.value + "%";
      });
      xhr.addEventListener("load", function () {
        // Follow the server: a redirect lands on the page again, a 422 shows the errors.
        document.open();
        document.write(xhr.responseText);
        document.close();
        // A redirect (the form taken) lands on the page it named; a refusal (422) stays on
        // the page the form is on, not the POST-only address it was sent to.
        if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== window.location.href) {
          history.replaceState(null, "", xhr.responseURL);
        }
      });
      xhr.addEventListener("error", function () {
        if (button) button.disabled = false;
        if (bar) bar.hidden = true;
        alert("The upload did not reach the server; check your connection and try again.");
      });
      xhr.send(new FormData(form));
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-progress]"), withProgress);

  function start() {
    if (window.hubSocket) connect(window.hubSocket);
    else setTimeout(start, 200);
  }
  if (document.body.dataset.socket === "on") start();
})();
