// The live event page: subscribes over MQTT-over-websockets to the broker that served it and
// shows Gerrit events as they arrive, newest first. rows.js turns each one into a row.
(function () {
  "use strict";

  var eventRow = window.firehoseRows.eventRow;
  var gapRow = window.firehoseRows.gapRow;
  var isObject = window.firehoseRows.isObject;

  var MAX_ROWS = 500;           // older rows are removed: the page may stay open for days
  var MAX_WAITING = 1000;       // events held while paused
  var RATE_WINDOW_MS = 60000;   // the rate is events over the last minute
  var DEFAULT_TOPIC = "gerrit/#";
  // Where germqtt says it may have missed events: <status topic>/gap, e.g.
  // gerrit/germqtt/status/gap or germqtt/<client id>/status/gap. ?gaps=FILTER overrides it.
  var DEFAULT_GAP_TOPIC = "+/+/status/gap";

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
