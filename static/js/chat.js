// The live conversation page: messages, files, typing, read receipts and presence over
// Socket.IO (window.hubSocket from hub.js). Without it the page still works as plain form
// posts (files included: the composer is a multipart form).
//
// Files go up first, one HTTP upload each (with a progress bar when it takes more than a
// second); the message then names them in attachment_ids, so it can wait in the outbox
// like any other message.
//
// Reliability: every message gets a UUID (client_msg_id) and waits in an outbox — kept in
// sessionStorage, so a reload keeps it — until the server acknowledges it. The outbox is
// sent one message at a time, again after a reconnect; the server stores each
// client_msg_id once, so a resend never duplicates. On every (re)connect the page joins
// with the last sequence number it shows and gets exactly what it missed.
(function () {
  "use strict";

  var ACK_TIMEOUT = 10000;
  var RETRY_AFTER = 2000;
  var PARTS_AFTER = 400; // ms of quiet after new messages before the page parts are fetched
  var TYPING_EVERY = 2500;
  var TYPING_SHOWN = 5000;
  var URL_PATTERN = /(https?:\/\/[^\s<>"']+)/;
  var PROGRESS_AFTER = 1000; // show upload progress only for uploads slower than this

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // Plain text with line breaks kept and http(s) links made clickable — as the server's
  // `linkify` filter does. Only text nodes and <a>/<br> elements: no HTML is ever parsed.
  function appendText(parent, text) {
    text.split(URL_PATTERN).forEach(function (part, i) {
      if (i % 2 === 1) {
        var a = document.createElement("a");
        a.href = part;
        a.rel = "noopener nofollow";
        a.textContent = part;
        parent.appendChild(a);
        return;
      }
      part.split("\n").forEach(function (line, j) {
        if (j) parent.appendChild(document.createElement("br"));
        if (line) parent.appendChild(document.createTextNode(line));
      });
    });
  }

  function formatTime(iso, zone) {
    var date = new Date(iso);
    try {
      return new Intl.DateTimeFormat("en-GB", {
        // hub/dates.py's date-time format: "6 Dec 2026, 14:05"
        timeZone: zone, day: "numeric", month: "short", year: "numeric",
        hour: "2-digit", minute: "2-digit", hour12: false
      }).format(date);
    } catch (e) {
      return date.toLocaleString();
    }
  }

  function timeElement(iso, zone) {
    var el = document.createElement("time");
    el.dateTime = iso;
    el.textContent = formatTime(iso, zone);
    return el;
  }

  function fileSize(size) {
    if (size < 1024) return size + " bytes";
    if (size < 1024 * 1024) return Math.floor(size / 1024) + " KB";
    return (size / (1024 * 1024)).toFixed(1) + " MB";
  }

  // A message's files, as templates/conversations/_files.html renders them.
  function filesElement(attachments) {
    var list = document.createElement("ul");
    list.className = "msg__files";
    attachments.forEach(function (f) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = f.url;
      if (f.content_type.indexOf("image/") === 0) {
        item.className = "msg__file msg__file--image";
        var img = document.createElement("img");
        img.src = f.url;
        img.alt = "Image: " + f.filename;
        img.loading = "lazy";
        link.appendChild(img);
        item.appendChild(link);
      } else {
        item.className = "msg__file";
        link.setAttribute("download", f.filename);
        link.textContent = f.filename;
        item.appendChild(link);
        var size = document.createElement("span");
        size.className = "muted";
        size.textContent = "(PDF, " + fileSize(f.size) + ")";
        item.appendChild(document.createTextNode(" "));
        item.appendChild(size);
      }
      list.appendChild(item);
    });
    return list;
  }

  function Chat(root, socket) {
    this.root = root;
    this.socket = socket;
    this.id = parseInt(root.dataset.conversationId, 10);
    this.me = parseInt(root.dataset.me, 10);
    this.zone = root.dataset.timezone || "UTC";
    this.lastSeq = parseInt(root.dataset.lastSeq, 10) || 0; // every message up to it is shown
    this.early = {}; // messages that arrived after a gap, by seq, until the gap is filled
    this.joined = false;
    this.joining = false;
    this.inFlight = null;
    this.readSent = 0;
    this.typingSent = 0;
    this.typers = {};
    this.log = document.getElementById("chat-log");
    this.scroller = document.getElementById("chat-scroll");
    this.form = document.getElementById("chat-composer");
    this.input = this.form ? this.form.querySelector("textarea") : null;
    this.fileInput = this.form ? this.form.querySelector('input[type="file"]') : null;
    this.uploadBox = document.getElementById("chat-upload");
    this.uploadBar = document.getElementById("chat-upload-progress");
    this.uploadText = document.getElementById("chat-upload-text");
    this.uploading = false;
    this.typingLine = document.getElementById("chat-typing");
    this.connection = document.getElementById("chat-connection");
    this.people = document.getElementById("chat-people");
    this.partsUrl = root.dataset.partsUrl;
    this.partsTimer = null;
    this.lastSpeaker = undefined; // who wrote the last message received live
    this.storageKey = "hub.chat.outbox." + this.id;
    this.outbox = this.loadOutbox();
  }

  Chat.prototype.loadOutbox = function () {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(this.storageKey) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch (e) {
      return [];
    }
  };

  Chat.prototype.saveOutbox = function () {
    try {
      if (this.outbox.length) window.sessionStorage.setItem(this.storageKey, JSON.stringify(this.outbox));
      else window.sessionStorage.removeItem(this.storageKey);
    } catch (e) { /* private mode: the in-memory outbox still works */ }
  };

  Chat.prototype.start = function () {
    var self = this;
    var socket = this.socket;
    this.outbox.forEach(function (item) { self.showPending(item); });
    this.scrollToEnd(true);
    if (this.form && this.input) {
      this.form.addEventListener("submit", function (event) {
        if (!window.hubSocket) return; // no live connection at all: the plain form post
        event.preventDefault();
        self.submit();
      });
      this.input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          self.submit();
        }
      });
      this.input.addEventListener("input", function () { self.typing(); });
    }
    socket.on("connect", function () {
      self.joined = false;
      self.join();
    });
    socket.on("disconnect", function () {
      self.joined = false;
      self.inFlight = null;
      self.showConnection();
    });
    socket.on("message:new", function (payload) {
      if (payload && payload.message) self.receive(payload.message);
    });
    socket.on("typing", function (payload) { self.onTyping(payload); });
    socket.on("read", function (payload) { self.onRead(payload); });
    socket.on("presence", function (payload) { self.onPresence(payload); });
    document.addEventListener("visibilitychange", function () { self.markRead(); });
    if (socket.connected) this.join();
    this.showConnection();
  };

  // --- Receiving -----------------------------------------------------------------------

  Chat.prototype.join = function () {
    var self = this;
    if (this.joining || !this.socket.connected) return;
    this.joining = true;
    this.socket.timeout(ACK_TIMEOUT).emit(
      "conversation:join",
      { conversation_id: this.id, after_seq: this.lastSeq },
      function (err, answer) {
        self.joining = false;
        if (err) { // no answer: ask again while connected
          setTimeout(function () { self.join(); }, RETRY_AFTER);
          return;
        }
        if (!answer || !answer.ok) {
          self.say(answer && answer.error ? answer.error : "This conversation can't be followed live.");
          return;
        }
        answer.messages.forEach(function (m) { self.receive(m); });
        (answer.presence || []).forEach(function (p) { self.onPresence(p); });
        if (answer.more) { self.join(); return; }
        self.joined = true;
        self.showConnection();
        self.markRead();
        self.flush();
      }
    );
  };

  Chat.prototype.receive = function (m) {
    if (!m || m.conversation_id !== this.id) return;
    if (m.seq <= this.lastSeq) { this.place(m); return; }
    if (m.seq > this.lastSeq + 1) { // a gap: keep it and fetch what is missing
      this.early[m.seq] = m;
      this.join();
      return;
    }
    this.place(m);
    this.lastSeq = m.seq;
    while (this.early[this.lastSeq + 1]) {
      var next = this.early[this.lastSeq + 1];
      delete this.early[next.seq];
      this.place(next);
      this.lastSeq = next.seq;
    }
    if (m.author) this.readUpTo(m.author, m.seq); // its author has read their own message
    if (m.author && this.typers[m.author.id]) {
      clearTimeout(this.typers[m.author.id].timer);
      delete this.typers[m.author.id];
      this.showTyping();
    }
    this.refreshReceipts();
    this.scrollToEnd(false);
    this.markRead();
    var speaker = m.author ? m.author.id : null;
    if (!m.author || speaker !== this.lastSpeaker) this.refreshParts();
    this.lastSpeaker = speaker;
  };

  // Whether the person has changed a field inside el (a half-written hand-off note).
  function edited(el) {
    return Array.prototype.some.call(el.querySelectorAll("input, textarea, select"), function (f) {
      if (f.type === "hidden") return false;
      if (f.type === "checkbox" || f.type === "radio") return f.checked !== f.defaultChecked;
      if (f.tagName === "SELECT") {
        var initial = 0;
        Array.prototype.forEach.call(f.options, function (o, i) { if (o.defaultSelected) initial = i; });
        return f.selectedIndex !== initial;
      }
      return f.value !== f.defaultValue;
    });
  }

  // A new message may change what the page says around the log: the state (an answer
  // makes it "waiting on partner"), who handles it (a hand-off), the people, the first
  // answer. Only system messages and a change of speaker can: then fetch those parts
  // again, once a burst of messages has settled, and swap each in — except one the
  // person is using or has changed (a half-chosen status, a note being written, stay).
  Chat.prototype.refreshParts = function () {
    var self = this;
    if (!this.partsUrl || !window.fetch || !window.DOMParser) return;
    clearTimeout(this.partsTimer);
    this.partsTimer = setTimeout(function () {
      fetch(self.partsUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          doc.querySelectorAll("template[data-part]").forEach(function (part) {
            var target = document.getElementById(part.dataset.part);
            if (!target || target.contains(document.activeElement) || edited(target)) return;
            target.innerHTML = part.innerHTML;
          });
          self.refreshReceipts();
        })
        .catch(function () { /* offline: the next message tries again */ });
    }, PARTS_AFTER);
  };

  Chat.prototype.place = function (m) {
    var pending = this.pendingElement(m.client_msg_id);
    if (pending) pending.remove();
    if (document.getElementById("m" + m.seq)) return;
    var el = this.render(m);
    var before = null;
    for (var i = 0; i < this.log.children.length; i++) {
      var child = this.log.children[i];
      if (!child.dataset.seq || parseInt(child.dataset.seq, 10) > m.seq) { before = child; break; }
    }
    this.log.insertBefore(el, before);
  };

  // A message's text and files, as a sent message and a pending one both show them.
  function appendContent(li, m) {
    if (m.body) {
      var body = document.createElement("div");
      body.className = "msg__body";
      appendText(body, m.body);
      li.appendChild(body);
    }
    if (m.attachments && m.attachments.length) li.appendChild(filesElement(m.attachments));
  }

  Chat.prototype.render = function (m) {
    var li = document.createElement("li");
    li.id = "m" + m.seq;
    li.dataset.seq = String(m.seq);
    li.dataset.clientMsgId = m.client_msg_id;
    if (m.kind === "system" || !m.author) {
      li.className = "msg msg--system";
      var line = document.createElement("p");
      line.className = "msg__body";
      line.appendChild(document.createTextNode(m.body + " "));
      line.appendChild(timeElement(m.created_at, this.zone));
      li.appendChild(line);
      return li;
    }
    li.className = "msg" + (m.author.id === this.me ? " msg--mine" : "");
    li.appendChild(this.meta(m.author.name, timeElement(m.created_at, this.zone)));
    appendContent(li, m);
    return li;
  };

  Chat.prototype.meta = function (name, extra) {
    var meta = document.createElement("p");
    meta.className = "msg__meta";
    var author = document.createElement("span");
    author.className = "msg__author";
    author.textContent = name;
    meta.appendChild(author);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(extra);
    return meta;
  };

  // --- Sending ---------------------------------------------------------------------------

  Chat.prototype.submit = function () {
    var self = this;
    if (this.uploading) return;
    var body = this.input.value.trim();
    var files = this.fileInput && this.fileInput.files ? Array.prototype.slice.call(this.fileInput.files) : [];
    if (!body && !files.length) {
      this.say("Write a message first.");
      this.input.focus();
      return;
    }
    var max = parseInt(this.form.dataset.maxFiles, 10) || 5;
    if (files.length > max) {
      this.say("Attach at most " + max + " files to one message (" + files.length + " were chosen).");
      return;
    }
    // Over the limit: refused before anything is sent, so the message stays in the box.
    var tooLarge = window.hubTooLarge ? window.hubTooLarge(files, parseInt(this.form.dataset.maxFileBytes, 10)) : [];
    if (tooLarge.length) { this.say(tooLarge.join(" ")); return; }
    if (!files.length) { this.enqueue(body, []); return; }
    this.upload(files, function (error, attachments) {
      if (error) {
        self.say("Not sent: " + error);
        return;
      }
      self.fileInput.value = "";
      self.enqueue(self.input.value.trim(), attachments);
    });
  };

  Chat.prototype.enqueue = function (body, attachments) {
    var item = { client_msg_id: uuid(), body: body, attachments: attachments };
    this.outbox.push(item);
    this.saveOutbox();
    this.showPending(item);
    this.input.value = "";
    this.scrollToEnd(true);
    this.showConnection();
    this.flush();
  };

  // Upload the files one after the other; done(error, attachments). A progress bar shows
  // once the uploads have taken more than PROGRESS_AFTER.
  Chat.prototype.upload = function (files, done) {
    var self = this;
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0) || 1;
    var sentBefore = 0;
    var attachments = [];
    var token = this.form.querySelector('input[name="csrf_token"]');
    this.uploading = true;
    this.say("");
    var showTimer = setTimeout(function () { if (self.uploadBox) self.uploadBox.hidden = false; }, PROGRESS_AFTER);
    function progress(loaded) {
      var percent = Math.min(100, Math.round(((sentBefore + loaded) / total) * 100));
      if (self.uploadBar) self.uploadBar.value = percent;
      if (self.uploadText) self.uploadText.textContent = percent + "% of " + fileSize(total);
    }
    function finish(error) {
      clearTimeout(showTimer);
      self.uploading = false;
      if (self.uploadBox) self.uploadBox.hidden = true;
      done(error, attachments);
    }
    function next(i) {
      if (i >= files.length) { finish(null); return; }
      var xhr = new XMLHttpRequest();
      var data = new FormData();
      data.append("file", files[i], files[i].name);
      xhr.open("POST", self.form.dataset.uploadUrl);
      xhr.setRequestHeader("Accept", "application/json");
      if (token) xhr.setRequestHeader("X-CSRFToken", token.value);
      xhr.upload.addEventListener("progress", function (event) { progress(event.loaded); });
      xhr.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (xhr.status === 201 && answer) {
          attachments.push(answer);
          sentBefore += files[i].size;
          progress(0);
          next(i + 1);
        } else if (xhr.status === 413) {
          finish(files[i].name + " is too large (at most " + self.form.dataset.maxFileMb + " MB).");
        } else {
          finish(answer && answer.detail ? answer.detail : "The file could not be uploaded (" + xhr.status + ").");
        }
      });
      xhr.addEventListener("error", function () { finish("The upload failed: check the connection and send again."); });
      xhr.send(data);
    }
    progress(0);
    next(0);
  };

  Chat.prototype.showPending = function (item) {
    if (this.pendingElement(item.client_msg_id)) return;
    var li = document.createElement("li");
    li.className = "msg msg--mine msg--pending";
    li.dataset.clientMsgId = item.client_msg_id;
    var state = document.createElement("span");
    state.className = "msg__state";
    state.textContent = "sending…";
    li.appendChild(this.meta("You", state));
    appendContent(li, item);
    this.log.appendChild(li);
  };

  Chat.prototype.pendingElement = function (clientMsgId) {
    var pending = this.log.querySelectorAll(".msg--pending");
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].dataset.clientMsgId === clientMsgId) return pending[i];
    }
    return null;
  };

  // One message at a time, in the order written; a message without an answer is sent
  // again with the same client_msg_id, which the server stores only once.
  Chat.prototype.flush = function () {
    var self = this;
    if (this.inFlight || !this.joined || !this.socket.connected || !this.outbox.length) return;
    var item = this.outbox[0];
    var attempt = { client_msg_id: item.client_msg_id };
    this.inFlight = attempt;
    this.socket.timeout(ACK_TIMEOUT).emit(
      "message:send",
      {
        conversation_id: this.id,
        client_msg_id: item.client_msg_id,
        body: item.body,
        attachment_ids: (item.attachments || []).map(function (a) { return a.id; })
      },
      function (err, answer) {
        if (self.inFlight !== attempt) return; // a reconnect has sent it again since
        self.inFlight = null;
        if (err) {
          setTimeout(function () { self.flush(); }, RETRY_AFTER);
          return;
        }
        self.outbox.shift();
        self.saveOutbox();
        if (answer && answer.ok) {
          self.receive(answer.message);
        } else {
          self.failed(item, answer && answer.error ? answer.error : "The message was not sent.");
        }
        self.showConnection();
        self.flush();
      }
    );
  };

  Chat.prototype.failed = function (item, error) {
    var pending = this.pendingElement(item.client_msg_id);
    if (pending) pending.remove();
    if (this.input && !this.input.value) this.input.value = item.body;
    var files = (item.attachments || []).length;
    this.say("Not sent: " + error + (files ? " Attach the " + (files === 1 ? "file" : "files") + " again." : ""));
  };

  // --- Typing, reading, presence of the connection -------------------------------------------

  Chat.prototype.typing = function () {
    var now = Date.now();
    if (!this.joined || now - this.typingSent < TYPING_EVERY) return;
    this.typingSent = now;
    this.socket.emit("typing", { conversation_id: this.id }, function () {});
  };

  Chat.prototype.onTyping = function (payload) {
    var self = this;
    if (!payload || payload.conversation_id !== this.id || !payload.user) return;
    if (payload.user.id === this.me) return;
    var id = payload.user.id;
    if (this.typers[id]) clearTimeout(this.typers[id].timer);
    this.typers[id] = {
      name: payload.user.name,
      timer: setTimeout(function () { delete self.typers[id]; self.showTyping(); }, TYPING_SHOWN)
    };
    this.showTyping();
  };

  Chat.prototype.showTyping = function () {
    var self = this;
    var names = Object.keys(this.typers).map(function (id) { return self.typers[id].name; });
    if (!this.typingLine) return;
    if (!names.length) this.typingLine.textContent = "";
    else if (names.length === 1) this.typingLine.textContent = names[0] + " is typing…";
    else this.typingLine.textContent = names.join(" and ") + " are typing…";
  };

  Chat.prototype.markRead = function () {
    if (!this.joined || document.visibilityState !== "visible") return;
    if (this.lastSeq <= this.readSent) return;
    this.readSent = this.lastSeq;
    this.socket.emit("read", { conversation_id: this.id, seq: this.lastSeq }, function () {});
  };

  Chat.prototype.onRead = function (payload) {
    if (!payload || payload.conversation_id !== this.id || !payload.user || !this.people) return;
    this.readUpTo(payload.user, payload.seq);
    this.refreshReceipts();
  };

  Chat.prototype.readUpTo = function (user, seq) {
    if (!this.people) return;
    var item = this.people.querySelector('li[data-person="' + String(parseInt(user.id, 10)) + '"]');
    if (!item) {
      // Someone new (handed the conversation, say): as the page lists people.
      item = document.createElement("li");
      item.dataset.person = String(user.id);
      item.dataset.presence = "online";
      var dot = document.createElement("span");
      dot.className = "presence presence--online";
      dot.setAttribute("aria-hidden", "true");
      var name = document.createElement("span");
      name.className = "people__name";
      name.textContent = user.name;
      var what = document.createElement("span");
      what.className = "muted people__what";
      var state = document.createElement("span");
      state.className = "people__state";
      state.textContent = "online";
      what.appendChild(state);
      var read = document.createElement("span");
      read.className = "muted people__read";
      [dot, name, what, read].forEach(function (el) { item.appendChild(el); });
      this.people.appendChild(item);
    }
    var receipt = item.querySelector(".people__read");
    if (receipt && seq > parseInt(receipt.dataset.readSeq || "0", 10)) receipt.dataset.readSeq = String(seq);
  };

  // A person's presence changed (or the join's snapshot): the dot and the word.
  Chat.prototype.onPresence = function (payload) {
    if (!payload || !payload.user || !this.people) return;
    var state = payload.state;
    if (["online", "away", "offline"].indexOf(state) < 0) return;
    var item = this.people.querySelector('li[data-person="' + String(parseInt(payload.user.id, 10)) + '"]');
    if (!item) return;
    item.dataset.presence = state;
    var dot = item.querySelector(".presence");
    if (dot) dot.className = "presence presence--" + state;
    var word = item.querySelector(".people__state");
    if (word) word.textContent = state;
  };

  Chat.prototype.refreshReceipts = function () {
    if (!this.people) return;
    var last = this.lastSeq;
    this.people.querySelectorAll(".people__read").forEach(function (el) {
      var seq = parseInt(el.dataset.readSeq || "0", 10);
      el.textContent = seq >= last ? "Has read everything"
        : seq ? "Read up to message " + seq : "Has not read it yet";
    });
  };

  Chat.prototype.showConnection = function () {
    if (!this.connection) return;
    var waiting = this.outbox.length;
    var text = "";
    if (!this.socket.connected) {
      text = "Offline — " + (waiting ? waiting + " message" + (waiting === 1 ? "" : "s") + " will be sent" : "messages you write will be sent") + " when the connection is back.";
    } else if (waiting) {
      text = "Sending " + waiting + " message" + (waiting === 1 ? "" : "s") + "…";
    }
    if (this.connection.textContent !== text) this.connection.textContent = text;
  };

  Chat.prototype.say = function (text) {
    if (this.connection) this.connection.textContent = text;
  };

  Chat.prototype.scrollToEnd = function (always) {
    var box = this.scroller;
    if (!box) return;
    if (always || box.scrollHeight - box.scrollTop - box.clientHeight < 120) {
      box.scrollTop = box.scrollHeight;
    }
  };

  ready(function () {
    var root = document.querySelector("[data-chat]");
    if (!root || !window.hubSocket) return;
    new Chat(root, window.hubSocket).start();
  });
})();
