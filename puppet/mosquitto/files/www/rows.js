// How an event or a gap notice becomes a row of the live event page.
//
// Every field is untrusted (anyone who can push to the Gerrit writes subjects, commit messages
// and comments): text goes into the page only through textContent or attributes, never
// innerHTML, and links only from URL fields whose scheme is http or https.
(function () {
  "use strict";

  // The account an event is about, by the member Gerrit names it with (first one present).
  var PEOPLE = ["uploader", "author", "submitter", "abandoner", "restorer", "deferrer", "deleter",
    "remover", "editor", "changer", "adder", "reviewer", "publisher"];

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

  window.firehoseRows = { eventRow: eventRow, gapRow: gapRow, isObject: isObject };
})();
