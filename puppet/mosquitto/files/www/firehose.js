// The live event page: subscribes over MQTT-over-websockets to the broker that served it and
// shows Gerrit events as they arrive, newest first.
//
// Every event field is untrusted (anyone who can push to the Gerrit writes subjects, commit
// messages and comments): text goes into the page only through textContent or attributes,
// never innerHTML, and links only from URL fields whose scheme is http or https.
(function () {
  "use strict";

  var MAX_ROWS = 500;           // older rows are removed: the page may stay open for days
  var MAX_WAITING = 1000;       // events held while paused
  var RATE_WINDOW_MS = 60000;   // the rate is events over the last minute
  var DEFAULT_TOPIC = "gerrit/#";
  // Where germqtt says it may have missed events: <status topic>/gap, e.g.
  // gerrit/germqtt/status/gap or germqtt/<client id>/status/gap. ?gaps=FILTER overrides it.
  var DEFAULT_GAP_TOPIC = "+/+/status/gap";
  // The account an event is about, by the member Gerrit names it with (first one present).
  var PEOPLE = ["uploader", "author", "submitter", "abandoner", "restorer", "deferrer", "deleter",
    "remover", "editor", "changer", "adder", "reviewer", "publisher"];

  var el = function (id) { return document.getElementById(id); };
  var rows = el("rows");
  var query = new URLSearchParams(location.search);
  var topicFilter = query.get("topic") || DEFAULT_TOPIC;
  var gapFilter = query.get("gaps") || DEFAULT_GAP_TOPIC;
  var paused = false;
  var waiting = [];
  var arrivals = [];
  var count = 0;
  var seenGaps = new Set();
  var client = null;

  // "+" matches one level, "#" (last) any number of levels, as a broker matches them.
  function topicMatches(filter, topic) {
    var f = filter.split("/");
    var t = topic.split("/");
    for (var i = 0; i < f.length; i++) {
      if (f[i] === "#") return true;
      if (i >= t.length) return false;
      if (f[i] !== "+" && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  }

  function validFilter(filter) {
    var levels = filter.split("/");
    return levels.every(function (l, i) {
      if (l.indexOf("#") >= 0) return l === "#" && i === levels.length - 1;
      return l.indexOf("+") < 0 || l === "+";
    });
  }

  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function str(v) { return typeof v === "string" ? v : (typeof v === "number" ? String(v) : ""); }

  // The same project rules as germqtt's topic.
  function projectOf(e) {
    if (typeof e.project === "string") return e.project;
    if (isObject(e.project) && typeof e.project.name === "string") return e.project.name;
    if (isObject(e.change) && typeof e.change.project === "string") return e.change.project;
    if (isObject(e.refUpdate) && typeof e.refUpdate.project === "string") return e.refUpdate.project;
    return str(e.projectName);
  }

  function whoOf(e) {
    for (var i = 0; i < PEOPLE.length; i++) {
      var a = e[PEOPLE[i]];
      if (isObject(a)) return str(a.name) || str(a.username);
    }
    return "";
  }

  // An http(s) URL, or null: javascript:, data: and anything unparsable never become links.
  function safeUrl(value) {
    if (typeof value !== "string") return null;
    try {
      var u = new URL(value);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (err) {
      return null;
    }
  }

  // Gerrit gives seconds since the epoch; gap documents may give ISO 8601 text or milliseconds.
  function toDate(v) {
    if (typeof v === "number" && isFinite(v)) return new Date(v < 1e12 ? v * 1000 : v);
    if (typeof v === "string" && v !== "") {
      var d = /^\d+(\.\d+)?$/.test(v) ? toDate(Number(v)) : new Date(v);
      return isNaN(d.getTime()) ? null : d;
    }
    return null;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function formatTime(d) {
    var now = new Date();
    var clock = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    if (d.toDateString() === now.toDateString()) return clock;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + clock;
  }

  function cell(cls, text) {
    var td = document.createElement("td");
    td.className = cls;
    td.textContent = text;
    if (text) td.title = text;
    return td;
  }

  function changeCell(e) {
    var td = cell("change", "");
    var change = isObject(e.change) ? e.change : null;
    if (!change) {
      var ref = isObject(e.refUpdate) ? str(e.refUpdate.refName) : str(e.ref);
      td.textContent = ref;
      if (ref) td.title = ref;
      return td;
    }
    var number = str(change.number);
    var subject = str(change.subject);
    var url = safeUrl(change.url);
    var head = document.createElement(url ? "a" : "span");
    head.className = "subject";
    if (url) {
      head.href = url;
      head.target = "_blank";
      head.rel = "noopener noreferrer";
    }
    var num = document.createElement("span");
    num.className = "number";
    num.textContent = number;
    head.appendChild(num);
    head.appendChild(document.createTextNode(subject));
    head.title = subject;
    td.appendChild(head);
    var comment = str(e.comment);
    if (comment) {
      var note = document.createElement("div");
      note.className = "comment";
      note.textContent = comment.split("\n").filter(function (l) { return l.trim() !== ""; }).slice(0, 2).join(" · ");
      note.title = comment;
      td.appendChild(note);
    }
    return td;
  }

  function eventRow(e, arrived) {
    var tr = document.createElement("tr");
    tr.className = "event";
    // The time it arrived: rows stay in time order, and live events arrive as Gerrit makes them.
    var created = toDate(e.eventCreatedOn);
    var time = cell("time", formatTime(arrived));
    time.title = "received " + arrived.toISOString() + (created ? ", created by Gerrit " + created.toISOString() : "");
    tr.appendChild(time);
    var type = cell("type", str(e.type));
    type.dataset.kind = str(e.type).split("-").pop();
    tr.appendChild(type);
    tr.appendChild(cell("project", projectOf(e)));
    tr.appendChild(changeCell(e));
    tr.appendChild(cell("who", whoOf(e)));
    return tr;
  }

  function describeGap(g) {
    var from = toDate(g.from);
    var to = toDate(g.to);
    var text = "gap: events between " + (from ? formatTime(from) : (str(g.from) || "?"))
      + " and " + (to ? formatTime(to) : (str(g.to) || "now")) + " may be missing";
    var details = [];
    if (str(g.reason)) details.push("reason: " + str(g.reason));
    if (g.recovered !== undefined && g.recovered !== null) details.push("recovered: " + String(g.recovered));
    if (typeof g.complete === "boolean") details.push(g.complete ? "complete" : "not complete");
    return details.length ? text + " (" + details.join(", ") + ")" : text;
  }

  function gapRow(g) {
    var tr = document.createElement("tr");
    tr.className = "gap";
    var td = cell("gap-text", describeGap(g));
    td.title = JSON.stringify(g);
    td.colSpan = 5;
    tr.appendChild(td);
    return tr;
  }

  function show(row) {
    rows.insertBefore(row, rows.firstChild);
    while (rows.childElementCount > MAX_ROWS) rows.removeChild(rows.lastChild);
    el("empty").hidden = true;
  }

  function showOrHold(row) {
    if (!paused) return show(row);
    waiting.push(row);
    if (waiting.length > MAX_WAITING) waiting.shift();
    updateFigures();
  }

  function updateFigures() {
    var now = Date.now();
    while (arrivals.length && arrivals[0] < now - RATE_WINDOW_MS) arrivals.shift();
    el("count").textContent = count + (count === 1 ? " event" : " events");
    el("rate").textContent = arrivals.length + " / min";
    el("pause").textContent = paused ? "Resume" + (waiting.length ? " (" + waiting.length + " waiting)" : "") : "Pause";
  }

  function onMessage(topic, payload) {
    var doc;
    try {
      doc = JSON.parse(new TextDecoder().decode(payload));
    } catch (err) {
      return;   // not an event: status counters, other publishers' text
    }
    if (!isObject(doc)) return;
    if (/\/gap$/.test(topic) && topicMatches(gapFilter, topic)) {
      var key = topic + " " + JSON.stringify(doc);
      if (seenGaps.has(key)) return;   // retained again after a reconnect, or matched twice
      seenGaps.add(key);
      return showOrHold(gapRow(doc));
    }
    // Messages of a previous filter may still arrive until its unsubscribe is acknowledged.
    if (typeof doc.type !== "string" || !topicMatches(topicFilter, topic)) return;
    count++;
    arrivals.push(Date.now());
    showOrHold(eventRow(doc, new Date()));
    updateFigures();
  }

  function setConnection(state, text) {
    var c = el("connection");
    c.dataset.state = state;
    c.textContent = text;
  }

  function notice(text) {
    var n = el("notice");
    n.textContent = text;
    n.hidden = !text;
  }

  function subscribe(filter) {
    client.subscribe(filter, { qos: 0 }, function (err, granted) {
      var refused = granted && granted.some(function (g) { return g.qos === 128; });
      if (err || refused) {
        notice("The broker refused the subscription to " + filter + (err ? ": " + err.message : ""));
      } else if (filter === topicFilter) {
        // From here on every matching event shows (tests wait for this before publishing).
        el("topic").dataset.subscribed = filter;
      }
    });
  }

  function changeFilter(filter) {
    filter = filter.trim();
    if (!filter || filter === topicFilter) return;
    if (!validFilter(filter)) {
      notice("Not a topic filter: + must be a whole level and # the last one, as in gerrit/+/+/change-merged or gerrit/#");
      return;
    }
    notice("");
    var old = topicFilter;
    delete el("topic").dataset.subscribed;
    topicFilter = filter;
    rows.textContent = "";
    waiting = [];
    count = 0;
    arrivals = [];
    seenGaps.clear();
    el("empty").hidden = false;
    updateFigures();
    var q = new URLSearchParams(location.search);
    q.set("topic", filter);
    history.replaceState(null, "", "?" + q.toString());
    if (client) {
      if (old !== gapFilter) client.unsubscribe(old);
      subscribe(topicFilter);
      subscribe(gapFilter);   // its retained gap documents again, for the cleared list
    }
  }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/mqtt";
    el("broker").textContent = "Broker: " + url;
    client = mqtt.connect(url, {
      protocolVersion: 4,
      clean: true,
      clientId: "firehose-page-" + Math.random().toString(16).slice(2, 10),
      keepalive: 30,
      reconnectPeriod: 1000,
      resubscribe: false,     // "connect" subscribes, with the filter of the moment
      connectTimeout: 10000,
    });
    client.on("connect", function () {
      setConnection("connected", "connected");
      // A clean session has no subscriptions: subscribe again on every connect.
      subscribe(topicFilter);
      if (gapFilter !== topicFilter) subscribe(gapFilter);
    });
    // Between attempts the indicator keeps saying "disconnected" until one succeeds.
    client.on("reconnect", function () {
      if (el("connection").dataset.state !== "disconnected") setConnection("connecting", "connecting");
    });
    client.on("close", function () {
      delete el("topic").dataset.subscribed;
      setConnection("disconnected", "disconnected, reconnecting");
    });
    client.on("message", onMessage);
  }

  el("topic").value = topicFilter;
  el("controls").addEventListener("submit", function (ev) {
    ev.preventDefault();
    changeFilter(el("topic").value);
  });
  el("pause").addEventListener("click", function () {
    paused = !paused;
    el("pause").setAttribute("aria-pressed", String(paused));
    if (!paused) {
      waiting.forEach(show);
      waiting = [];
    }
    updateFigures();
  });
  setInterval(updateFigures, 1000);
  updateFigures();
  connect();
})();
