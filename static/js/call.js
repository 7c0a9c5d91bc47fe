// The video call of a conversation page: WebRTC between the browsers, signalled over the
// call:* Socket.IO events (docs/realtime.md, "Calls") on window.hubSocket from hub.js.
//
// Negotiation is kept simple: whoever joins sends an offer to each person already in the
// call; the others answer. ICE candidates that arrive before the remote description are
// held until it is set. Screen sharing swaps the camera track for the screen's with
// replaceTrack, so nobody renegotiates. window.hubCall exposes the state (tests use it).
(function () {
  "use strict";

  var ACK_TIMEOUT = 10000;

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function $(id) { return document.getElementById(id); }

  function ask(socket, event, payload) {
    return new Promise(function (resolve, reject) {
      socket.timeout(ACK_TIMEOUT).emit(event, payload, function (err, answer) {
        if (err) reject(new Error("The server did not answer. Check your connection."));
        else if (!answer || !answer.ok) reject(new Error((answer && answer.error) || "Refused."));
        else resolve(answer);
      });
    });
  }

  function CallUI(root, socket) {
    this.root = root;
    this.socket = socket;
    this.conversationId = parseInt(root.dataset.conversationId, 10);
    this.me = parseInt(root.dataset.me, 10);
    this.callId = null;      // the call we are in
    this.ringing = null;     // a call we were rung for (or found live) but have not joined
    this.iceServers = [];
    this.local = null;       // MediaStream of camera and microphone
    this.screen = null;      // MediaStream of a shared screen
    this.peers = {};         // person id → {pc, pending: [candidates], tile, video}
    this.names = {};         // person id → name, as call:joined and call:join tell them
    this.status = $("call-status");
    this.panel = $("call-panel");
    this.startButton = $("call-start");
    this.joinButton = $("call-join");
    this.muteButton = $("call-mute");
    this.cameraButton = $("call-camera");
    this.screenButton = $("call-screen");
    this.leaveButton = $("call-leave");
  }

  CallUI.prototype.say = function (text) { this.status.textContent = text; };

  CallUI.prototype.start = function () {
    var self = this;
    this.root.hidden = false;
    if (!window.RTCPeerConnection || !navigator.mediaDevices) {
      this.startButton.hidden = true;
      this.say("This browser cannot make video calls.");
      return;
    }
    this.startButton.addEventListener("click", function () { self.startCall(); });
    this.joinButton.addEventListener("click", function () {
      if (self.ringing) self.joinCall(self.ringing);
    });
    this.muteButton.addEventListener("click", function () { self.toggleMute(); });
    this.cameraButton.addEventListener("click", function () { self.toggleCamera(); });
    this.screenButton.addEventListener("click", function () { self.toggleScreen(); });
    this.leaveButton.addEventListener("click", function () { self.leave(); });
    if (!navigator.mediaDevices.getDisplayMedia) this.screenButton.hidden = true;

    var socket = this.socket;
    socket.on("call:ring", function (ring) { self.onRing(ring); });
    socket.on("call:joined", function (msg) {
      if (msg.call_id !== self.callId) return;
      self.names[msg.user.id] = msg.user.name;
      self.say(msg.user.name + " joined the call.");
    });
    socket.on("call:signal", function (msg) {
      if (msg.call_id === self.callId) self.onSignal(msg);
    });
    socket.on("call:left", function (msg) {
      if (msg.call_id !== self.callId || msg.user.id === self.me) return;
      self.dropPeer(msg.user.id);
      self.say(msg.user.name + " left the call.");
    });
    socket.on("call:ended", function (msg) {
      if (msg.call_id === self.ringing) self.showOffer(null);
    });
    socket.on("connect", function () {
      // After a reconnect the socket is in no call room any more: join again.
      if (self.callId) {
        ask(socket, "call:join", { call_id: self.callId }).catch(function (e) { self.say(e.message); });
      }
    });
    window.addEventListener("pagehide", function () {
      if (self.callId) socket.emit("call:leave", { call_id: self.callId });
    });
    // A call that was already running when the page was opened: offer to join it.
    var live = parseInt(this.root.dataset.liveCall, 10);
    if (live) this.invite(live, this.root.dataset.liveCallBy, false);
  };

  CallUI.prototype.showOffer = function (callId) {
    this.ringing = callId;
    this.joinButton.hidden = !callId || !!this.callId;
    this.startButton.hidden = !!callId || !!this.callId;
  };

  CallUI.prototype.onRing = function (ring) {
    if (ring.conversation_id !== this.conversationId || this.callId) return;
    this.invite(ring.call_id, ring.from.name, true);
  };

  // Offer to join a call: one that rings now (focus moves to Join), or one found running.
  CallUI.prototype.invite = function (callId, starter, focus) {
    this.showOffer(callId);
    this.say(starter + " started a video call. Join it when you are ready.");
    if (focus) this.joinButton.focus();
  };

  CallUI.prototype.startCall = function () {
    var self = this;
    this.startButton.disabled = true;
    ask(this.socket, "call:start", { conversation_id: this.conversationId })
      .then(function (answer) { return self.joinCall(answer.call.id); })
      .catch(function (e) { self.say(e.message); })
      .then(function () { self.startButton.disabled = false; });
  };

  CallUI.prototype.openMedia = function () {
    var self = this;
    if (this.local) return Promise.resolve(this.local);
    return navigator.mediaDevices.getUserMedia({ audio: true, video: true })
      .catch(function () { return navigator.mediaDevices.getUserMedia({ audio: true }); })
      .then(function (stream) {
        self.local = stream;
        $("call-local").srcObject = stream;
        return stream;
      })
      .catch(function () {
        self.say("No camera or microphone: you will see and hear the others only.");
        return null;
      });
  };

  CallUI.prototype.joinCall = function (callId) {
    var self = this;
    this.joinButton.disabled = true;
    return this.openMedia()
      .then(function () { return ask(self.socket, "call:join", { call_id: callId }); })
      .then(function (answer) {
        self.callId = answer.call.id;
        self.iceServers = answer.call.ice_servers || [];
        self.showOffer(null);
        self.panel.hidden = false;
        self.say("You are in the call.");
        answer.participants.forEach(function (person) {
          if (person.id !== self.me) self.offerTo(person);
        });
      })
      .catch(function (e) { self.say(e.message); })
      .then(function () { self.joinButton.disabled = false; });
  };

  // --- Peers -----------------------------------------------------------------------------

  CallUI.prototype.peer = function (personId, name) {
    var self = this;
    var existing = this.peers[personId];
    if (existing) return existing;
    var pc = new RTCPeerConnection({ iceServers: this.iceServers });
    var tile = document.createElement("figure");
    tile.className = "call__tile";
    var video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.width = 320;
    video.height = 240;
    var caption = document.createElement("figcaption");
    caption.textContent = name || this.names[personId] || "Participant";
    tile.appendChild(video);
    tile.appendChild(caption);
    $("call-videos").appendChild(tile);
    var peer = { id: personId, pc: pc, pending: [], tile: tile, video: video, caption: caption };
    this.peers[personId] = peer;
    if (this.local) {
      this.local.getTracks().forEach(function (track) { pc.addTrack(track, self.local); });
      if (this.screen) this.replaceVideo(this.screen.getVideoTracks()[0]);
    }
    pc.onicecandidate = function (event) {
      self.send(personId, "candidate", event.candidate ? event.candidate.toJSON() : null);
    };
    pc.ontrack = function (event) {
      video.srcObject = event.streams[0] || new MediaStream([event.track]);
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "failed") self.say("The connection to " + caption.textContent + " failed.");
    };
    return peer;
  };

  CallUI.prototype.send = function (to, type, data) {
    var self = this;
    if (!this.callId) return;
    ask(this.socket, "call:signal", { call_id: this.callId, to: to, type: type, data: data })
      .catch(function (e) { if (type !== "candidate") self.say(e.message); });
  };

  CallUI.prototype.offerTo = function (person) {
    var self = this;
    var peer = this.peer(person.id, person.name);
    if (!this.local) {
      peer.pc.addTransceiver("audio", { direction: "recvonly" });
      peer.pc.addTransceiver("video", { direction: "recvonly" });
    }
    peer.pc.createOffer()
      .then(function (offer) { return peer.pc.setLocalDescription(offer); })
      .then(function () { self.send(person.id, "offer", peer.pc.localDescription.toJSON()); })
      .catch(function (e) { self.say("Could not call " + person.name + ": " + e.message); });
  };

  CallUI.prototype.flushCandidates = function (peer) {
    peer.pending.splice(0).forEach(function (c) { peer.pc.addIceCandidate(c).catch(function () {}); });
  };

  CallUI.prototype.onSignal = function (msg) {
    var self = this;
    var peer = this.peer(msg.from);
    var pc = peer.pc;
    if (msg.type === "offer") {
      pc.setRemoteDescription(msg.data)
        .then(function () { self.flushCandidates(peer); return pc.createAnswer(); })
        .then(function (answer) { return pc.setLocalDescription(answer); })
        .then(function () { self.send(msg.from, "answer", pc.localDescription.toJSON()); })
        .catch(function (e) { self.say("Could not answer: " + e.message); });
    } else if (msg.type === "answer") {
      pc.setRemoteDescription(msg.data)
        .then(function () { self.flushCandidates(peer); })
        .catch(function (e) { self.say("Could not connect: " + e.message); });
    } else if (msg.type === "candidate" && msg.data) {
      if (pc.remoteDescription) pc.addIceCandidate(msg.data).catch(function () {});
      else peer.pending.push(msg.data);
    }
  };

  CallUI.prototype.dropPeer = function (personId) {
    var peer = this.peers[personId];
    if (!peer) return;
    peer.pc.close();
    peer.tile.remove();
    delete this.peers[personId];
  };

  // --- Controls ---------------------------------------------------------------------------

  function press(button, on) { button.setAttribute("aria-pressed", on ? "true" : "false"); }

  // Turn the local tracks of one kind off (or back on) and show it on their button.
  CallUI.prototype.toggleTracks = function (tracks, button, missing) {
    if (!tracks.length) return this.say(missing);
    var off = tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = !off; });
    press(button, off);
  };

  CallUI.prototype.toggleMute = function () {
    var tracks = this.local ? this.local.getAudioTracks() : [];
    return this.toggleTracks(tracks, this.muteButton, "There is no microphone to mute.");
  };

  CallUI.prototype.toggleCamera = function () {
    var tracks = this.local ? this.local.getVideoTracks() : [];
    return this.toggleTracks(tracks, this.cameraButton, "There is no camera to turn off.");
  };

  CallUI.prototype.replaceVideo = function (track) {
    Object.keys(this.peers).forEach(function (id) {
      this.peers[id].pc.getSenders().forEach(function (sender) {
        if (sender.track && sender.track.kind === "video") sender.replaceTrack(track);
      });
    }, this);
  };

  CallUI.prototype.toggleScreen = function () {
    var self = this;
    if (this.screen) return this.stopScreen();
    if (!this.local || !this.local.getVideoTracks().length) {
      return this.say("Screen sharing needs a camera track to replace; join with a camera.");
    }
    navigator.mediaDevices.getDisplayMedia({ video: true })
      .then(function (stream) {
        self.screen = stream;
        var track = stream.getVideoTracks()[0];
        track.addEventListener("ended", function () { self.stopScreen(); });
        self.replaceVideo(track);
        $("call-local").srcObject = stream;
        press(self.screenButton, true);
        self.say("You are sharing your screen.");
      })
      .catch(function () { self.say("Screen sharing was not started."); });
  };

  CallUI.prototype.stopScreen = function () {
    if (!this.screen) return;
    this.screen.getTracks().forEach(function (t) { t.stop(); });
    this.screen = null;
    var camera = this.local ? this.local.getVideoTracks()[0] : null;
    if (camera) this.replaceVideo(camera);
    $("call-local").srcObject = this.local;
    press(this.screenButton, false);
    this.say("You stopped sharing your screen.");
  };

  CallUI.prototype.leave = function () {
    var self = this;
    var callId = this.callId;
    if (!callId) return;
    this.callId = null;
    Object.keys(this.peers).forEach(function (id) { self.dropPeer(id); });
    this.stopScreen();
    if (this.local) this.local.getTracks().forEach(function (t) { t.stop(); });
    this.local = null;
    $("call-local").srcObject = null;
    press(this.muteButton, false);
    press(this.cameraButton, false);
    this.panel.hidden = true;
    this.showOffer(null);
    this.say("You left the call.");
    ask(this.socket, "call:leave", { call_id: callId }).catch(function (e) { self.say(e.message); });
    this.startButton.focus();
  };

  ready(function () {
    var root = document.querySelector("[data-call]");
    if (!root || !window.hubSocket) return;
    var ui = new CallUI(root, window.hubSocket);
    ui.start();
    window.hubCall = {
      ui: ui,
      get callId() { return ui.callId; },
      get peers() { return ui.peers; },
      get pc() {
        var ids = Object.keys(ui.peers);
        return ids.length ? ui.peers[ids[0]].pc : null;
      },
    };
  });
})();
