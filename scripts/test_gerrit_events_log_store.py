"""The test Gerrit's events-log store, used by scripts/test-gerrit-events-log: every complete line
appended to DIR/feed, kept in DIR/events_log.jsonl with the moment it was seen and, for project
events, the line the plugin would store."""
import bisect
import json
import math
import os
import sys
import threading
import time

POLL_SECONDS = 0.01
# Gson's default (HTML-safe) escaping, which the plugin's serialiser keeps.
HTML_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "=": "\\u003d", "'": "\\u0027"}


def project_of(event):
    """The project a ProjectEvent carries, in the places Gerrit's event types put it."""
    for holder, key in ((event, "project"), (event.get("change"), "project"),
                        (event.get("refUpdate"), "project"), (event, "projectName")):
        if isinstance(holder, dict) and isinstance(holder.get(key), str) and holder[key]:
            return holder[key]
    return None


def reserialise(event, created):
    """The plugin stores its own serialisation of the event, not the stream's bytes: here the
    envelope comes first, everything is ASCII and HTML-safe, so a consumer cannot match lines
    byte for byte."""
    ordered = {"type": event.get("type"), "eventCreatedOn": created}
    ordered.update((k, v) for k, v in event.items() if k not in ordered)
    text = json.dumps(ordered, ensure_ascii=True, separators=(",", ":"))
    return "".join(HTML_SAFE.get(c, c) for c in text)


def reject_constant(name):
    raise ValueError(name)


class Log:
    """The events taken from the feed, in the order the plugin stored them (its row id), with an
    index on the creation time as the plugin's database has: a page costs what its rows cost, not
    what the whole log holds."""

    def __init__(self, directory):
        self.dir = directory
        self.feed = os.path.join(directory, "feed")
        self.path = os.path.join(directory, "events_log.jsonl")
        self.records = []
        self.answers = []  # per record: the line as the plugin answers it (bytes), None if not stored
        self.by_created = []  # (created, row) of every stored row, sorted
        self.position = 0
        self.lock = threading.Lock()
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                self.add([json.loads(line) for line in f if line.endswith("\n")])
            if self.records:
                self.position = self.records[-1]["end"]

    def add(self, fresh):
        with self.lock:
            for r in fresh:
                row = len(self.records)
                self.records.append(r)
                logged = r["logged"]
                self.answers.append(None if logged is None else (logged + "\n").encode("ascii"))
                if logged is not None:
                    # Rows come nearly in creation order: this is an append but for the few that do not.
                    bisect.insort(self.by_created, (r["created"], row))

    def follow(self):
        with open(self.path, "a", encoding="utf-8") as out:
            while True:
                try:
                    self.take(out)
                except OSError as e:
                    print(f"events-log: {e}", file=sys.stderr, flush=True)
                time.sleep(POLL_SECONDS)

    def take(self, out):
        size = os.stat(self.feed).st_size
        if size < self.position:
            self.position = size
        if size == self.position:
            return
        with open(self.feed, "rb") as f:
            f.seek(self.position)
            chunk = f.read(size - self.position)
        complete = chunk.rfind(b"\n") + 1
        if complete == 0:
            return
        seen_ms = time.time_ns() // 1_000_000
        end = self.position
        fresh = []
        for raw in chunk[:complete].split(b"\n")[:-1]:
            end += len(raw) + 1
            fresh.append(self.record(raw, end, seen_ms))
        out.write("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in fresh))
        out.flush()
        self.add(fresh)
        self.position = end

    @staticmethod
    def record(raw, end, seen_ms):
        line = raw.decode("utf-8", errors="replace")
        created, project, logged = seen_ms // 1000, None, None
        try:
            event = json.loads(raw.decode("utf-8"), parse_constant=reject_constant)
        except ValueError:
            event = None
        if isinstance(event, dict):
            stamp = event.get("eventCreatedOn")
            if isinstance(stamp, int) and not isinstance(stamp, bool):
                created = stamp
            project = project_of(event)
            if project is not None:
                logged = reserialise(event, created)
        return {"end": end, "seen_ms": seen_ms, "created": created, "project": project,
                "line": line, "logged": logged}

    def latest(self, lag_ms, limit):
        """The newest `limit` visible rows, as answers in store order."""
        horizon = time.time_ns() // 1_000_000 - lag_ms
        chosen = []
        with self.lock:
            for row in range(len(self.records) - 1, -1, -1):
                if len(chosen) >= limit:
                    break
                if self.answers[row] is not None and self.records[row]["seen_ms"] <= horizon:
                    chosen.append(row)
            return [self.answers[row] for row in reversed(chosen)]

    def between(self, lag_ms, limit, first, last, inside):
        """The oldest `limit` visible rows created from `first` to `last` (seconds) for which
        inside(created) holds (oldest by creation time, then store order), as answers in store
        order."""
        horizon = time.time_ns() // 1_000_000 - lag_ms
        chosen = []
        with self.lock:
            index = self.by_created
            at = bisect.bisect_left(index, (math.ceil(first),))
            while at < len(index) and len(chosen) < limit:
                created = index[at][0]
                if created > last:
                    break
                end = bisect.bisect_left(index, (created + 1,), at)
                if inside(created):
                    for _, row in index[at:end]:
                        if self.records[row]["seen_ms"] <= horizon:
                            chosen.append(row)
                at = end
            chosen = sorted(chosen[:limit])
            return [self.answers[row] for row in chosen]
