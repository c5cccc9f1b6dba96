#!/usr/bin/env python3
"""Run-time helpers of scripts/bench.sh (python3 standard library only).

    ctl.py prepare FIXTURE.json OUT_DIR     text files for the wrk scripts + scenarios.tsv
    ctl.py free-port
    ctl.py wait-ready BASE_URL PID TIMEOUT_S
    ctl.py open-window BASE_URL IN_DIR      open the storm session's check-in window,
                                            write IN_DIR/storm.bodies, print the code
    ctl.py verify-storm BASE_URL IN_DIR     every storm learner recorded? prints JSON
    ctl.py open-event BASE_URL IN_DIR       the admin creates a fresh published event of
                                            100 seats; writes IN_DIR/event_storm.{paths,bodies}
    ctl.py event-storm BASE_URL IN_DIR TIMEOUT_S
                                            300 guests register for it at once (one
                                            connection each); prints a BENCH_RESULT line
    ctl.py verify-event-storm BASE_URL IN_DIR
                                            100 registered, 200 waitlisted, first come first
                                            seated? prints JSON
    ctl.py sync-tokens BASE_URL IN_DIR      each learner token pages through a first
                                            GET /api/v1/sync; writes IN_DIR/sync.{paths,tokens}
                                            (line k of one goes with line k of the other)
    ctl.py verify-sync BASE_URL IN_DIR      those re-syncs still answer nothing changed? JSON
    ctl.py mobile BASE_URL IN_DIR           bytes on the wire of /me/home and of an unchanged
                                            re-sync, and one learner's full first sync (JSON)
    ctl.py open-import BASE_URL IN_DIR N    the coordinator creates N+1 fresh cohorts; writes a
                                            250-line CSV for the dry runs and one per real run
                                            (emails new to the database)
    ctl.py open-series BASE_URL IN_DIR N    the coordinator creates N fresh cohorts with the
                                            fixture's trainer; one 40-week series body each, far
                                            apart in time (no clash with each other)
    ctl.py sequential PID [--postgres] BASE_URL IN_DIR import|series
                                            scenario 20 or 21: its requests one after another,
                                            with the server's CPU time around each phase; prints a
                                            BENCH_RESULT line
    ctl.py snapshot PID [--postgres]        CPU ticks and memory of the server (JSON)
    ctl.py measure PID [--postgres] OUT LOG -- CMD...
                                            run CMD (wrk) between two snapshots, with its CPU time
    ctl.py count-changes DATABASE_URL SESSION_ID
    ctl.py db-size DATABASE_URL
    ctl.py busy SECONDS                     cores busy over SECONDS (is the machine idle?)
    ctl.py put FILE KEY VALUE               set KEY (dotted) in a JSON file; VALUE is
                                            JSON if it parses, else a string; @file reads it
    ctl.py put-str FILE KEY VALUE           the same, VALUE always a string
    ctl.py result WRK_OUTPUT                the BENCH_RESULT line of a wrk run, as JSON

Scenario numbers follow issue 5; SCENARIOS is also read by report.py.
"""

import base64
import datetime
import http.client
import json
import math
import os
import selectors
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse

# id, key, title, method, paths file, tokens file, bodies file (files in the prepare dir)
SCENARIOS = [
    (1, "live", "GET /health/live (ceiling A)", "GET", "live.paths", None, None),
    (2, "ready", "GET /health/ready (ceiling B)", "GET", "ready.paths", None, None),
    (3, "me", "GET /api/v1/me", "GET", "me.paths", "learner.tokens", None),
    (4, "sessions", "GET /api/v1/cohorts/{id}/sessions?limit=50", "GET",
     "sessions.paths", "admin.token", None),
    (5, "roster", "GET /api/v1/sessions/{id}/attendance (roster of 250)", "GET",
     "roster.paths", "trainer.token", None),
    (6, "report", "GET /api/v1/cohorts/{id}/attendance (250 x 40 report)", "GET",
     "report.paths", "trainer.token", None),
    (7, "storm", "POST /api/v1/sessions/{id}/check-in (storm of 250)", "POST",
     "storm.paths", "storm.tokens", "storm.bodies"),
    (8, "mark", "PUT /api/v1/sessions/{id}/attendance (250 records)", "PUT",
     "roster.paths", "trainer.token", "mark.bodies"),
    (9, "login", "POST /api/v1/auth/login", "POST", "login.paths", None, "login.bodies"),
    # Case studies, progress and certificates (issue 14).
    (13, "my_progress", "GET /api/v1/me/progress (a learner)", "GET",
     "my_progress.paths", "learner.tokens", None),
    (14, "progress", "GET /api/v1/cohorts/{id}/progress (250 learners)", "GET",
     "progress.paths", "trainer.token", None),
    (15, "certificate_pdf", "GET /api/v1/certificates/{code}?format=pdf", "GET",
     "certificate.paths", None, None),
    # Community events (issue 15): the public calendar, and the rush of
    # guests when registration opens (driven by event-storm, not wrk).
    (16, "events", "GET /api/v1/events (public list)", "GET", "events.paths", None, None),
    (17, "event_storm", "POST /api/v1/events/{id}/registrations (storm of 300 guests, 100 seats)",
     "POST", "event_storm.paths", None, "event_storm.bodies"),
    # Low-bandwidth mobile (issue 16): the home screen, and a phone's re-sync
    # when nothing changed, for the learner tokens (cohorts that are over)
    # and the running cohort's learners (upcoming sessions on their home).
    # 19's paths and tokens are written by sync-tokens once the server is
    # up: line k of sync.paths carries the since token of line k of
    # sync.tokens, and load.lua pairs them so (same length, one rotation).
    (18, "home", "GET /api/v1/me/home (a learner)", "GET", "home.paths", "mobile.tokens", None),
    (19, "sync", "GET /api/v1/sync, unchanged (a learner)", "GET",
     "sync.paths", "sync.tokens", None),
    # Heavy writes of coordinators and trainers (issue 17): a fixed number
    # of requests one after another (ctl.py sequential), not a wrk load,
    # each into a fresh cohort made beforehand by open-import/open-series.
    (20, "import", "POST /api/v1/cohorts/{id}/members/import (250-line CSV: dry runs, then real)",
     "POST", None, "coordinator.token", None),
    (21, "series", "POST /api/v1/cohorts/{id}/sessions/series (weekly, 40 occurrences)",
     "POST", None, "trainer.token", None),
    # 4-6 again on a server whose response cache is off: what a request
    # costs when its answer has to be made (first read after a change).
    (10, "sessions_nocache", "GET /api/v1/cohorts/{id}/sessions?limit=50, cache off", "GET",
     "sessions.paths", "admin.token", None),
    (11, "roster_nocache", "GET /api/v1/sessions/{id}/attendance, cache off", "GET",
     "roster.paths", "trainer.token", None),
    (12, "report_nocache", "GET /api/v1/cohorts/{id}/attendance, cache off", "GET",
     "report.paths", "trainer.token", None),
]

# Server settings of a scenario, when not the defaults.
SERVER_ENV = {10: "RESPONSE_CACHE_MB=0", 11: "RESPONSE_CACHE_MB=0", 12: "RESPONSE_CACHE_MB=0"}

STATUSES = ["present", "late", "absent", "excused"]

# Scenario 17: guests racing for the seats of a fresh event.
EVENT_STORM_SEATS = 100
EVENT_STORM_GUESTS = 300

# Scenarios 20-21 (issue 17).
IMPORT_LINES = 250
SERIES_OCCURRENCES = 40
SERIES_FIRST_DAYS_AHEAD = 365   # after every seeded session
SERIES_GAP_WEEKS = SERIES_OCCURRENCES + 1  # run k starts where run k-1 ended, plus a week

# Scenario 19 and the mobile measurements (issue 16).
SYNC_PREP_LIMIT = 500     # page size of the first syncs that find each learner's since token
SYNC_PREP_THREADS = 4     # learners synced at once while preparing (before the load)
FIRST_SYNC_LIMIT = 200    # the measured first sync pages as a phone would (the default)
HOME_SAMPLE = 2000        # learner tokens whose /me/home sizes are sampled
HOME_SAMPLE_THREADS = 16  # mostly waiting: a compressed answer on a kept-alive connection
                          # can wait ~40 ms for the client's delayed ACK (Nagle on the server)


def die(msg):
    sys.stderr.write("bench: error: %s\n" % msg)
    sys.exit(1)


def write_lines(path, lines):
    with open(path, "w") as f:
        for line in lines:
            if "\n" in line or "\r" in line:
                die("a line for %s contains a newline" % path)
            f.write(line + "\n")


def cmd_prepare(fixture_path, out_dir):
    with open(fixture_path) as f:
        fx = json.load(f)
    need = ["cohort_id", "session_id", "storm_session_id", "cohort_ids", "trainer_token",
            "admin_token", "learner_tokens", "storm_tokens", "roster_user_ids",
            "login_emails", "login_password", "deconnexion_event_id", "event_countries"]
    missing = [k for k in need if not fx.get(k)]
    if missing:
        die("fixture %s lacks %s" % (fixture_path, ", ".join(missing)))
    os.makedirs(out_dir, exist_ok=True)
    q = urllib.parse.quote
    p = lambda name, lines: write_lines(os.path.join(out_dir, name), lines)
    p("live.paths", ["/health/live"])
    p("ready.paths", ["/health/ready"])
    p("me.paths", ["/api/v1/me"])
    p("learner.tokens", fx["learner_tokens"])
    p("sessions.paths", ["/api/v1/cohorts/%s/sessions?limit=50" % q(c) for c in fx["cohort_ids"]])
    p("admin.token", [fx["admin_token"]])
    p("trainer.token", [fx["trainer_token"]])
    p("roster.paths", ["/api/v1/sessions/%s/attendance" % q(fx["session_id"])])
    p("report.paths", ["/api/v1/cohorts/%s/attendance" % q(fx["cohort_id"])])
    p("storm.paths", ["/api/v1/sessions/%s/check-in" % q(fx["storm_session_id"])])
    p("storm.tokens", fx["storm_tokens"])
    # Two bodies that differ in every record, so alternating them really writes.
    ids = fx["roster_user_ids"]
    bodies = []
    for shift in (0, 2):
        recs = [{"user_id": u, "status": STATUSES[(j + shift) % 4]} for j, u in enumerate(ids)]
        bodies.append(json.dumps({"records": recs}, separators=(",", ":")))
    p("mark.bodies", bodies)
    p("my_progress.paths", ["/api/v1/me/progress"])
    p("home.paths", ["/api/v1/me/home"])
    # The fixture's learners are in cohorts that are over; the running
    # cohort's (the storm's) have sessions ahead, as most phones do.
    p("mobile.tokens", fx["learner_tokens"] + fx["storm_tokens"])
    p("progress.paths", ["/api/v1/cohorts/%s/progress" % q(fx["cohort_id"])])
    p("certificate.paths", ["/api/v1/certificates/%s?format=pdf" % q(c)
                            for c in fx.get("certificate_codes") or []])
    # The calendar as a visitor reads it: every event, then each country's.
    p("events.paths", ["/api/v1/events?limit=50"] +
      ["/api/v1/events?country=%s&limit=50" % q(c) for c in fx["event_countries"]])
    # Issue 17: optional, so that an older binary's fixture still drives 1-19.
    productivity = {k: fx.get(k) for k in ("programme_id", "country_code", "coordinator_token",
                                           "trainer_id")}
    productivity["trainer_token"] = fx["trainer_token"]
    if fx.get("coordinator_token"):
        p("coordinator.token", [fx["coordinator_token"]])
    with open(os.path.join(out_dir, "productivity.json"), "w") as f:
        json.dump(productivity, f)
    p("login.paths", ["/api/v1/auth/login"])
    p("login.bodies", [json.dumps({"email": e, "password": fx["login_password"]},
                                  separators=(",", ":")) for e in fx["login_emails"]])
    with open(os.path.join(out_dir, "scenarios.tsv"), "w") as f:
        for sid, key, _title, method, paths, tokens, bodies_f in SCENARIOS:
            f.write("\t".join([str(sid), key, method, paths or "-", tokens or "-", bodies_f or "-",
                               SERVER_ENV.get(sid, "-")]) + "\n")
    summary = {
        "cohort_id": fx["cohort_id"],
        "session_id": fx["session_id"],
        "storm_session_id": fx["storm_session_id"],
        "cohorts": len(fx["cohort_ids"]),
        "learner_tokens": len(fx["learner_tokens"]),
        "storm_tokens": len(fx["storm_tokens"]),
        "roster_user_ids": len(ids),
        "login_emails": len(fx["login_emails"]),
        "argon2_hash_ms": fx.get("argon2_hash_ms"),
        "deconnexion_event_id": fx["deconnexion_event_id"],
        "event_countries": len(fx["event_countries"]),
    }
    with open(os.path.join(out_dir, "fixture-summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    # Kept for verify-storm.
    with open(os.path.join(out_dir, "storm.json"), "w") as f:
        json.dump({"session_id": fx["storm_session_id"], "trainer_token": fx["trainer_token"],
                   "storm_tokens": fx["storm_tokens"]}, f)
    # Kept for open-event and verify-event-storm.
    with open(os.path.join(out_dir, "event_storm.json"), "w") as f:
        json.dump({"admin_token": fx["admin_token"]}, f)
    print(json.dumps(summary))


def cmd_free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def request(base, method, path, token=None, body=None, timeout=30):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return resp.status, parsed, raw


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cmd_wait_ready(base, pid, timeout):
    pid, deadline = int(pid), time.monotonic() + float(timeout)
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive(pid):
            die("the server (pid %d) exited before it was ready" % pid)
        try:
            status, _, raw = request(base, "GET", "/health/ready", timeout=2)
            if status == 200:
                return
            last = "%d %s" % (status, raw[:200])
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    die("the server at %s is not ready after %ss (last: %s)" % (base, timeout, last))


def load_storm(in_dir):
    with open(os.path.join(in_dir, "storm.json")) as f:
        return json.load(f)


def cmd_open_window(base, in_dir):
    st = load_storm(in_dir)
    path = "/api/v1/sessions/%s/check-in-window" % urllib.parse.quote(st["session_id"])
    status, body, raw = request(base, "POST", path, st["trainer_token"], {"minutes": 30})
    if status not in (200, 201) or not isinstance(body, dict) or not body.get("code"):
        die("opening the check-in window: %d %s" % (status, raw[:300]))
    write_lines(os.path.join(in_dir, "storm.bodies"),
                [json.dumps({"code": body["code"]}, separators=(",", ":"))])
    print(json.dumps({"status": status, "code": body["code"],
                      "code_valid_until": body.get("code_valid_until"),
                      "rotates_every_seconds": body.get("rotates_every_seconds")}))


def jwt_sub(token):
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload)).get("sub")
    except (IndexError, ValueError):
        return None


def cmd_verify_storm(base, in_dir):
    st = load_storm(in_dir)
    path = "/api/v1/sessions/%s/attendance" % urllib.parse.quote(st["session_id"])
    status, body, raw = request(base, "GET", path, st["trainer_token"])
    if status != 200 or not isinstance(body, dict):
        print(json.dumps({"ok": False, "error": "roster: %d %s" % (status, raw[:300].decode(errors="replace"))}))
        return
    items = body.get("items") or []
    by_user = {it.get("user_id"): it.get("status") for it in items}
    counts = {}
    for s in by_user.values():
        counts[s] = counts.get(s, 0) + 1
    subs = [jwt_sub(t) for t in st["storm_tokens"]]
    expected = [s for s in subs if s]
    recorded = [s for s in expected if by_user.get(s) in ("present", "late")]
    all_items_ok = bool(items) and all(s in ("present", "late") for s in by_user.values())
    out = {
        "roster_items": len(items),
        "status_counts": counts,
        "learners_expected": len(st["storm_tokens"]),
        "learners_identified": len(expected),
        "learners_recorded": len(recorded),
        "all_roster_items_present_or_late": all_items_ok,
    }
    if expected:
        out["ok"] = len(recorded) == len(st["storm_tokens"]) and all_items_ok
    else:  # token subjects unreadable: fall back on the roster alone
        out["ok"] = all_items_ok and len(items) >= len(st["storm_tokens"])
    print(json.dumps(out))


def event_storm_state(in_dir):
    with open(os.path.join(in_dir, "event_storm.json")) as f:
        return json.load(f)


def cmd_open_event(base, in_dir):
    """The admin creates a fresh published pan-African event with 100 seats, a
    month ahead, and one guest body per registration to come (distinct
    emails, new for every run)."""
    st = event_storm_state(in_dir)
    nonce = base64.b32encode(os.urandom(5)).decode().lower()
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
        datetime.timedelta(days=30)
    body = {
        "title": "Bench: registration storm %s" % nonce,
        "description": "Created by scripts/bench.sh (scenario 17).",
        "country_code": None,
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=4)).isoformat(),
        "timezone": "Africa/Abidjan",
        "capacity": EVENT_STORM_SEATS,
        "status": "published",
    }
    status, event, raw = request(base, "POST", "/api/v1/events", st["admin_token"], body)
    if status != 201 or not isinstance(event, dict) or not event.get("id"):
        die("creating the event: %d %s" % (status, raw[:300]))
    write_lines(os.path.join(in_dir, "event_storm.paths"),
                ["/api/v1/events/%s/registrations" % urllib.parse.quote(event["id"])])
    write_lines(os.path.join(in_dir, "event_storm.bodies"), [
        json.dumps({"full_name": "Invité %d" % (i + 1),
                    "email": "guest-%s-%d@bench.griot.invalid" % (nonce, i + 1)},
                   separators=(",", ":"))
        for i in range(EVENT_STORM_GUESTS)])
    st.update({"event_id": event["id"], "seats": EVENT_STORM_SEATS, "guests": EVENT_STORM_GUESTS})
    with open(os.path.join(in_dir, "event_storm.json"), "w") as f:
        json.dump(st, f)
    print(json.dumps({"status": status, "event_id": event["id"], "capacity": event.get("capacity"),
                      "guests": EVENT_STORM_GUESTS}))


def http_answer(buf):
    """(status, complete?) of the bytes of one HTTP/1.1 answer read so far;
    complete is None for an answer that ends when the server closes."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None, False
    lines = buf[:head_end].decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, True
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    body = buf[head_end + 4:]
    if "content-length" in headers:
        return status, len(body) >= int(headers["content-length"])
    if "chunked" in headers.get("transfer-encoding", ""):
        return status, body.endswith(b"0\r\n\r\n")
    return status, None


def http_body(buf):
    head_end = buf.find(b"\r\n\r\n")
    body = buf[head_end + 4:] if head_end >= 0 else b""
    if b"transfer-encoding: chunked" in buf[:head_end].lower():
        out, rest = b"", body
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size.split(b";")[0] or b"0", 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        body = out
    return body


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(math.ceil(p / 100.0 * len(sorted_values))) - 1))
    return sorted_values[k]


def cmd_event_storm(base, in_dir, timeout):
    """Every guest body is sent once, all at once, each on its own connection
    (opened beforehand, as wrk does): the requests leave within a few
    milliseconds, and each latency runs from its own send to the end of its
    answer. One thread and non-blocking sockets keep the client's share of
    the two cores small. Prints BENCH_RESULT {json} as the wrk scripts do,
    and keeps the answers for verify-event-storm.

    Not storm.lua: that sends one body to every connection, and the guests
    need one body each and no token."""
    st = event_storm_state(in_dir)
    path = read_first(os.path.join(in_dir, "event_storm.paths"))
    with open(os.path.join(in_dir, "event_storm.bodies")) as f:
        bodies = [line.rstrip("\n") for line in f if line.strip()]
    u = urllib.parse.urlsplit(base)
    reqs = [("POST %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: application/json\r\n"
             "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
             % (path, u.hostname, u.port, len(b.encode()))).encode() + b.encode() for b in bodies]
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    socks = {}
    for i in range(len(reqs)):
        try:
            s = socket.create_connection((u.hostname, u.port), timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            socks[i] = s
        except OSError:
            errors["connect"] += 1
    sel = selectors.DefaultSelector()
    sent_at, done_at, bufs = {}, {}, {}
    for i, s in socks.items():
        sent_at[i] = time.perf_counter()
        try:
            s.sendall(reqs[i])
        except OSError:
            errors["write"] += 1
            s.close()
            continue
        s.setblocking(False)
        bufs[i] = b""
        sel.register(s, selectors.EVENT_READ, i)
    deadline = time.perf_counter() + float(timeout)
    pending = len(bufs)
    while pending and time.perf_counter() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.perf_counter())):
            i, s = key.data, key.fileobj
            try:
                chunk = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = None
            if chunk:
                bufs[i] += chunk
                if not http_answer(bufs[i])[1]:
                    continue
                done_at[i] = time.perf_counter()
            elif chunk == b"" and http_answer(bufs[i])[1] is None and http_answer(bufs[i])[0]:
                done_at[i] = time.perf_counter()  # closed after an answer without a length
            else:
                errors["read"] += 1
            sel.unregister(s)
            s.close()
            pending -= 1
    for key in list(sel.get_map().values()):
        errors["timeout"] += 1
        key.fileobj.close()
    # Everything below runs after the storm.
    lat = sorted((done_at[i] - sent_at[i]) * 1000.0 for i in done_at)
    counts, non2xx, sample, answers, nbytes = {}, 0, None, [], 0
    for i in sorted(done_at):
        status = http_answer(bufs[i])[0]
        counts[str(status)] = counts.get(str(status), 0) + 1
        nbytes += len(bufs[i])
        body = http_body(bufs[i])
        if not 200 <= status <= 299:
            non2xx += 1
            sample = sample or "%d %s" % (status, body[:300].decode(errors="replace"))
            continue
        try:
            reg = json.loads(body)
        except ValueError:
            reg = {}
        answers.append({"status": reg.get("status"), "position": reg.get("position"),
                        "ticket_code": reg.get("ticket_code")})
    first = min(sent_at.values()) if sent_at else 0.0
    secs = (max(done_at.values()) - first) if done_at else 0.0
    out = {
        "duration_s": secs,
        "requests": len(done_at),
        "bytes": nbytes,
        "rps": len(done_at) / secs if secs > 0 else 0.0,
        "non2xx": non2xx,
        "socket_errors": errors,
        "errors": non2xx + sum(errors.values()),
        "status_counts": counts,
        "sample_error": sample,
        "sent": len(sent_at),
        "answered": len(done_at),
        # How long sending took: the burst is as sharp as this is short.
        "send_spread_ms": ((max(sent_at.values()) - first) * 1000.0) if sent_at else None,
    }
    if lat:
        mean = sum(lat) / len(lat)
        out["latency_ms"] = {
            "min": lat[0], "max": lat[-1], "mean": mean,
            "stdev": math.sqrt(sum((x - mean) ** 2 for x in lat) / len(lat)),
            "p50": percentile(lat, 50), "p90": percentile(lat, 90),
            "p99": percentile(lat, 99), "p999": percentile(lat, 99.9),
        }
    with open(os.path.join(in_dir, "event_storm.answers.json"), "w") as f:
        json.dump({"event_id": st.get("event_id"), "answers": answers}, f)
    print("BENCH_RESULT " + json.dumps(out, sort_keys=True))


def read_first(path):
    with open(path) as f:
        for line in f:
            if line.strip():
                return line.strip()
    die("%s is empty" % path)


def cmd_verify_event_storm(base, in_dir):
    """The event's counters (GET /api/v1/events/{id}), its line of
    registrations (the admin's list: places 1..300, the first 100 seated),
    and what the guests were told all agree."""
    st = event_storm_state(in_dir)
    seats, guests = st.get("seats", EVENT_STORM_SEATS), st.get("guests", EVENT_STORM_GUESTS)
    eid = urllib.parse.quote(st.get("event_id") or "")
    out = {"seats": seats, "guests": guests}
    status, event, raw = request(base, "GET", "/api/v1/events/%s" % eid)
    if status != 200 or not isinstance(event, dict):
        print(json.dumps(dict(out, ok=False, error="event: %d %s" % (status, raw[:300].decode(errors="replace")))))
        return
    out["registered"] = event.get("registered_count")
    out["waitlisted"] = event.get("waitlisted_count")
    line, cursor = [], None
    while True:
        path = "/api/v1/events/%s/registrations?limit=200" % eid
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor)
        status, page, raw = request(base, "GET", path, st["admin_token"])
        if status != 200 or not isinstance(page, dict):
            print(json.dumps(dict(out, ok=False, error="registrations: %d %s" % (status, raw[:300].decode(errors="replace")))))
            return
        line += [(r.get("position"), r.get("status")) for r in page.get("items") or []]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    positions = [p for p, _ in line]
    seated = sorted(p for p, s in line if s == "registered")
    out["line_length"] = len(line)
    out["line_places_1_to_n"] = positions == list(range(1, len(line) + 1))
    out["first_come_seated"] = seated == list(range(1, seats + 1))
    try:
        with open(os.path.join(in_dir, "event_storm.answers.json")) as f:
            answers = json.load(f).get("answers") or []
    except (OSError, ValueError):
        answers = []
    told = {}
    for a in answers:
        told[a.get("status")] = told.get(a.get("status"), 0) + 1
    out["answers"] = told
    out["answer_positions_distinct"] = len({a.get("position") for a in answers}) == len(answers)
    out["tickets_distinct"] = len({a.get("ticket_code") for a in answers}) == len(answers)
    out["ok"] = (out["registered"] == seats and out["waitlisted"] == guests - seats
                 and len(line) == guests and out["line_places_1_to_n"] and out["first_come_seated"]
                 and told == {"registered": seats, "waitlisted": guests - seats}
                 and out["answer_positions_distinct"] and out["tickets_distinct"])
    print(json.dumps(out))


class RawClient:
    """One keep-alive HTTP/1.1 connection that counts the bytes actually
    received (status line, headers and body as sent: compressed when the
    server compressed, chunk framing included). http.client hides those."""

    def __init__(self, base, timeout=60):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.sock = None
        self.last_used = 0.0

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    @staticmethod
    def complete(buf):
        status, done = http_answer(buf)
        return done or status in (204, 304)  # no body, whatever the headers say

    def get(self, path, token=None, headers=None):
        """(status, headers, body, wire_bytes): body as received (still
        gzip when Content-Encoding says so), de-chunked."""
        return self.request("GET", path, token, headers)

    def request(self, method, path, token=None, headers=None, body=None):
        """The same for any method; `body` (bytes) is sent with its length,
        in the same write as the head. A request with a body is sent once:
        never again on a fresh connection (it may have been acted on), so a
        connection idle for over a second is replaced before it is used."""
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%d" % (self.host, self.port),
                 "Accept: application/json"]
        if token:
            lines.append("Authorization: Bearer " + token)
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        if body is not None:
            lines.append("Content-Length: %d" % len(body))
        req = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        attempts = (0, 1)
        if body is not None:
            attempts = (1,)
            if self.sock is not None and time.monotonic() - self.last_used > 1.0:
                self.close()
        for attempt in attempts:
            if self.sock is None:
                self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.sock.sendall(req)
                buf = b""
                while True:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                    if self.complete(buf):
                        break
            except OSError:
                buf = b""
            self.last_used = time.monotonic()
            status, complete = http_answer(buf)
            if status in (204, 304):
                complete = True
            if status is None or complete is False:
                self.close()  # a kept-alive connection the server had closed: once more
                if attempt == 0:
                    continue
                raise OSError("no complete answer to %s %s" % (method, path))
            break
        head = buf[:buf.find(b"\r\n\r\n")].decode("latin-1").split("\r\n")
        hdrs = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        if complete is None or hdrs.get("connection", "").lower() == "close":
            self.close()
        return status, hdrs, http_body(buf), len(buf)


def decoded(hdrs, body):
    """The body as JSON text, gunzipped if it came compressed."""
    import gzip
    enc = hdrs.get("content-encoding", "identity").lower()
    if enc == "gzip":
        return gzip.decompress(body)
    if enc in ("identity", ""):
        return body
    raise ValueError("unexpected Content-Encoding %s" % enc)


def read_tokens(in_dir, name="mobile.tokens"):
    with open(os.path.join(in_dir, name)) as f:
        return [line.strip() for line in f if line.strip()]


def sync_path(since=None, limit=None):
    q = []
    if since:
        q.append("since=" + urllib.parse.quote(since, safe=""))
    if limit:
        q.append("limit=%d" % limit)
    return "/api/v1/sync" + ("?" + "&".join(q) if q else "")


def first_sync(client, token, limit, headers=None):
    """Pages through a first sync until `more` is false: the final `next`
    and what it took."""
    since, pages, changes, body_bytes, wire_bytes, kinds = None, 0, 0, 0, 0, {}
    t0 = time.perf_counter()
    while True:
        status, hdrs, body, wire = client.get(sync_path(since, limit), token, headers)
        if status != 200:
            raise ValueError("GET /api/v1/sync (page %d): %d %s" % (
                pages + 1, status, body[:300].decode(errors="replace")))
        page = json.loads(decoded(hdrs, body))
        pages += 1
        body_bytes += len(body)
        wire_bytes += wire
        for c in page.get("changes") or []:
            changes += 1
            kinds[c.get("type")] = kinds.get(c.get("type"), 0) + 1
        since = page.get("next")
        if not since:
            raise ValueError("GET /api/v1/sync (page %d) has no next" % pages)
        if not page.get("more"):
            break
        if pages > 100000:
            raise ValueError("GET /api/v1/sync: no end after %d pages" % pages)
    return {"next": since, "pages": pages, "changes": changes, "by_type": kinds,
            "body_bytes": body_bytes, "wire_bytes": wire_bytes,
            "seconds": round(time.perf_counter() - t0, 4)}


def in_threads(items, nthreads, base, work):
    """work(client, item) over items, `nthreads` connections at once; the
    results in the order of items (an exception is returned, not raised)."""
    import threading
    out = [None] * len(items)
    lock = threading.Lock()
    todo = iter(range(len(items)))

    def run():
        client = RawClient(base)
        try:
            while True:
                with lock:
                    k = next(todo, None)
                if k is None:
                    return
                try:
                    out[k] = work(client, items[k])
                except (OSError, ValueError) as e:
                    client.close()
                    out[k] = e
        finally:
            client.close()

    threads = [threading.Thread(target=run) for _ in range(max(1, min(nthreads, len(items))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def cmd_sync_tokens(base, in_dir):
    """Scenario 19's inputs, from the running server: every learner token
    of mobile.tokens pages through a first sync (limit 500) to its end, and line k of
    sync.paths is `/api/v1/sync?since=<the final next of token k>` for line
    k of sync.tokens. Both files have the same length, in the same order,
    so load.lua's rotation (path k % n with token k % n) keeps each token
    with its own since token."""
    tokens = read_tokens(in_dir)
    t0 = time.perf_counter()
    results = in_threads(tokens, SYNC_PREP_THREADS, base,
                         lambda client, tok: first_sync(client, tok, SYNC_PREP_LIMIT))
    bad = [(k, r) for k, r in enumerate(results) if isinstance(r, Exception)]
    if bad:
        die("first sync of learner token %d of %d (and %d more): %s"
            % (bad[0][0] + 1, len(tokens), len(bad) - 1, bad[0][1]))
    paths = [sync_path(r["next"]) for r in results]
    write_lines(os.path.join(in_dir, "sync.paths"), paths)
    write_lines(os.path.join(in_dir, "sync.tokens"), tokens)
    with open(os.path.join(in_dir, "sync.json"), "w") as f:
        json.dump({"pairs": [[t, p] for t, p in zip(tokens, paths)]}, f)
    pages = sorted(r["pages"] for r in results)
    changes = sorted(r["changes"] for r in results)
    print(json.dumps({
        "learners": len(tokens), "seconds": round(time.perf_counter() - t0, 2),
        "limit": SYNC_PREP_LIMIT, "pages_total": sum(pages), "pages_max": pages[-1],
        "changes_min": changes[0], "changes_median": changes[len(changes) // 2],
        "changes_max": changes[-1], "distinct_since_tokens": len(set(paths)),
    }))


def cmd_verify_sync(base, in_dir):
    """After scenario 19: each (token, since) pair of the run still answers
    200 with no change and `more: false` (so the run measured unchanged
    re-syncs, not first syncs or pages of changes)."""
    try:
        with open(os.path.join(in_dir, "sync.json")) as f:
            pairs = json.load(f)["pairs"]
        with open(os.path.join(in_dir, "sync.paths")) as f:
            paths = [line.strip() for line in f if line.strip()]
    except (OSError, ValueError, KeyError) as e:
        print(json.dumps({"ok": False, "error": "no pairs: %s" % e}))
        return
    tokens = read_tokens(in_dir, "sync.tokens")
    aligned = len(paths) == len(tokens) == len(pairs) and all(
        t == pt and p == pp for t, p, (pt, pp) in zip(tokens, paths, pairs))

    def check(client, pair):
        status, hdrs, body, wire = client.get(pair[1], pair[0])
        page = json.loads(decoded(hdrs, body)) if status == 200 else {}
        return {"status": status, "unchanged": status == 200 and page.get("changes") == []
                and page.get("more") is False, "body_bytes": len(body)}

    results = in_threads(pairs, SYNC_PREP_THREADS, base, check)
    ok = [r for r in results if isinstance(r, dict) and r["unchanged"]]
    sizes = sorted(r["body_bytes"] for r in results if isinstance(r, dict))
    first_bad = next((r for r in results if not (isinstance(r, dict) and r["unchanged"])), None)
    out = {"pairs": len(pairs), "files_aligned": aligned, "unchanged": len(ok),
           "body_bytes_min": sizes[0] if sizes else None, "body_bytes_max": sizes[-1] if sizes else None,
           "ok": aligned and len(ok) == len(pairs) and len(pairs) > 0}
    if first_bad is not None:
        out["first_problem"] = str(first_bad)[:300]
    print(json.dumps(out))


def cmd_mobile(base, in_dir):
    """Bytes on the wire for one learner: the sizes of /me/home (gzip) over
    mobile.tokens (the fixture's learners, whose cohorts are over, and the
    running cohort's), then, for the learner with the largest home (ten
    upcoming sessions, and event tickets if any): GET /me/home with and without
    Accept-Encoding: gzip, its 304 to If-None-Match, a full first sync
    (limit 200, the default) timed with gzip and without, and the unchanged
    re-sync that follows it. `body` counts the body as received (gzip when
    compressed), `wire` adds the status line and headers."""
    tokens = read_tokens(in_dir)
    gz = {"Accept-Encoding": "gzip"}

    def home_size(c, tok):
        st, h, body, _ = c.get("/api/v1/me/home", tok, gz)
        if st != 200:
            raise ValueError("GET /api/v1/me/home: %d %s" % (st, body[:300]))
        return len(body), len(decoded(h, body))

    sizes = in_threads(tokens[:HOME_SAMPLE], HOME_SAMPLE_THREADS, base, home_size)
    bad = [r for r in sizes if isinstance(r, Exception)]
    if bad:
        die("%d of %d learners: %s" % (len(bad), len(sizes), bad[0]))
    pick = max(range(len(sizes)), key=lambda k: (sizes[k][1], -k))
    token = tokens[pick]
    g = sorted(a for a, _ in sizes)
    p = sorted(b for _, b in sizes)
    client = RawClient(base)
    out = {"learner": "learner token %d of %d: the largest home of them" % (pick + 1, len(tokens)),
           "home_sample": {"learners": len(sizes), "gzip_min": g[0], "gzip_median": g[len(g) // 2],
                           "gzip_max": g[-1], "plain_min": p[0], "plain_median": p[len(p) // 2],
                           "plain_max": p[-1]}}
    try:
        st, h_plain, plain, wire_plain = client.get("/api/v1/me/home", token)
        if st != 200:
            die("GET /api/v1/me/home: %d %s" % (st, plain[:300]))
        st, h_gz, packed, wire_gz = client.get("/api/v1/me/home", token, gz)
        if st != 200:
            die("GET /api/v1/me/home (gzip): %d %s" % (st, packed[:300]))
        home = json.loads(plain)
        same = json.loads(decoded(h_gz, packed)) == home
        etag = h_plain.get("etag")
        nm = None
        if etag:
            st, h_nm, body_nm, wire_nm = client.get("/api/v1/me/home", token,
                                                    dict(gz, **{"If-None-Match": etag}))
            nm = {"status": st, "body_bytes": len(body_nm), "wire_bytes": wire_nm}
        out["home"] = {
            "plain_body_bytes": len(plain), "plain_wire_bytes": wire_plain,
            "gzip_body_bytes": len(packed), "gzip_wire_bytes": wire_gz,
            "gzip_content_encoding": h_gz.get("content-encoding"),
            "gzip_decodes_to_plain": same, "etag": etag, "if_none_match": nm,
            "counts": {k: len(home.get(k) or []) for k in ("cohorts", "next_sessions", "progress", "events")},
            "body": home,
        }

        fs = {"limit": FIRST_SYNC_LIMIT}
        for name, hdrs in (("gzip", gz), ("plain", None)):
            try:
                r = first_sync(client, token, FIRST_SYNC_LIMIT, hdrs)
            except ValueError as e:
                die(str(e))
            fs[name] = {k: r[k] for k in ("seconds", "body_bytes", "wire_bytes")}
            fs.update({"pages": r["pages"], "changes": r["changes"], "by_type": r["by_type"]})
            since = r["next"]
        out["first_sync"] = fs

        resync = {}
        for name, hdrs in (("plain", None), ("gzip", gz)):
            st, h, body, wire = client.get(sync_path(since), token, hdrs)
            if st != 200:
                die("GET /api/v1/sync (unchanged): %d %s" % (st, body[:300]))
            page = json.loads(decoded(h, body))
            resync[name] = {"body_bytes": len(body), "wire_bytes": wire,
                            "content_encoding": h.get("content-encoding")}
            resync["unchanged"] = page.get("changes") == [] and page.get("more") is False
            if name == "plain":
                resync["body"] = body.decode(errors="replace")
        out["resync"] = resync
    finally:
        client.close()
    print(json.dumps(out, sort_keys=True))


# ---------------------------------------------------------------------------
# Scenarios 20-21 (issue 17): heavy writes of coordinators and trainers, a
# fixed number of requests one after another.
# ---------------------------------------------------------------------------
IMPORT_FIRST = ["Awa", "Kofi", "Aminata", "Moussa", "Fatou", "Yao", "Mariam", "Ibrahim", "Adjoa",
                "Kossi", "Salimata", "Boubacar", "Esi", "Sékou", "Nafissatou", "Jean-Baptiste"]
IMPORT_LAST = ["Traoré", "Mensah", "Diallo", "Koné", "Ouédraogo", "Kouassi", "Sawadogo",
               "Agbodjan", "Coulibaly", "Hounkpatin", "Issoufou", "Mbarga", "Touré", "Kaboré",
               "Adjovi", "Eto'o"]


def productivity_state(in_dir, need):
    with open(os.path.join(in_dir, "productivity.json")) as f:
        st = json.load(f)
    missing = [k for k in need if not st.get(k)]
    if missing:
        die("the fixture lacks %s: scenarios 20-21 need a griot whose bench-fixture writes them"
            % ", ".join(missing))
    return st


def fresh_cohort(base, st, name, starts_on, ends_on, capacity):
    """An open cohort of the fixture's programme and country, created by
    the country's coordinator, as they would before enrolling a class."""
    body = {"programme_id": st["programme_id"], "name": name, "country_code": st["country_code"],
            "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
            "capacity": capacity, "status": "open"}
    status, cohort, raw = request(base, "POST", "/api/v1/cohorts", st["coordinator_token"], body)
    if status != 201 or not isinstance(cohort, dict) or not cohort.get("id"):
        die("creating a cohort: %d %s" % (status, raw[:300]))
    return cohort["id"]


def import_csv(path, nonce, tag, country):
    """A class list as a coordinator exports it: header, 250 learners with
    accented names (some quoted: a comma in them), addresses new to the
    database."""
    import csv
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(["email", "full_name", "country_code"])
        for i in range(IMPORT_LINES):
            first = IMPORT_FIRST[i % len(IMPORT_FIRST)]
            last = IMPORT_LAST[(i // len(IMPORT_FIRST)) % len(IMPORT_LAST)]
            full = ("%s, %s" % (last, first)) if i % 10 == 3 else "%s %s" % (first, last)
            out.writerow(["learner-%s-%s-%d@bench.griot.invalid" % (nonce, tag, i + 1), full, country])


def cmd_open_import(base, in_dir, n):
    """Scenario 20's inputs: a fresh cohort of 250 seats for the dry runs
    (all of them send the same file: a dry run writes nothing) and one per
    real run, each real run with a file of its own, so that each creates
    250 accounts and fills its cohort."""
    st = productivity_state(in_dir, ["programme_id", "country_code", "coordinator_token"])
    n = int(n)
    nonce = base64.b32encode(os.urandom(5)).decode().lower()
    today = datetime.date.today()
    span = (today + datetime.timedelta(days=30), today + datetime.timedelta(days=210))

    def cohort(label):
        return fresh_cohort(base, st, "Bench import %s %s" % (nonce, label), span[0], span[1],
                            IMPORT_LINES)

    dry_file = os.path.join(in_dir, "import.dry.csv")
    import_csv(dry_file, nonce, "dry", st["country_code"])
    plan = {"token": st["coordinator_token"], "lines": IMPORT_LINES,
            "dry": {"cohort_id": cohort("dry"), "file": dry_file}, "real": []}
    for k in range(n):
        path = os.path.join(in_dir, "import.real-%d.csv" % (k + 1))
        import_csv(path, nonce, "r%d" % (k + 1), st["country_code"])
        plan["real"].append({"cohort_id": cohort("real %d" % (k + 1)), "file": path})
    with open(os.path.join(in_dir, "import.json"), "w") as f:
        json.dump(plan, f)
    print(json.dumps({"cohorts": n + 1, "lines": IMPORT_LINES, "nonce": nonce,
                      "bytes": os.path.getsize(dry_file)}))


def cmd_open_series(base, in_dir, n):
    """Scenario 21's inputs: per run, a fresh cohort in which the fixture's
    trainer teaches, and a weekly series of 40 that this trainer leads.
    Run k starts a year ahead plus k x 41 weeks: the trainer is free for
    every one (the clash check finds nothing, as for a trainer's new
    trimester), and no run sees another's sessions."""
    st = productivity_state(in_dir, ["programme_id", "country_code", "coordinator_token",
                                     "trainer_id", "trainer_token"])
    n = int(n)
    nonce = base64.b32encode(os.urandom(5)).decode().lower()
    runs = []
    for k in range(n):
        day = datetime.date.today() + datetime.timedelta(
            days=SERIES_FIRST_DAYS_AHEAD + 7 * SERIES_GAP_WEEKS * k)
        cohort = fresh_cohort(base, st, "Bench series %s %d" % (nonce, k + 1),
                              day - datetime.timedelta(days=7),
                              day + datetime.timedelta(weeks=SERIES_GAP_WEEKS), 30)
        status, _, raw = request(base, "POST", "/api/v1/cohorts/%s/members" % urllib.parse.quote(cohort),
                                 st["coordinator_token"], {"user_id": st["trainer_id"], "role": "trainer"})
        if status != 201:
            die("enrolling the trainer: %d %s" % (status, raw[:300]))
        start = datetime.datetime.combine(day, datetime.time(9, 0))
        runs.append({"cohort_id": cohort, "body": {
            "kind": "veille", "title": "Veille & inspiration",
            "description": "Chaque semaine : tendances, outils, campagnes à décortiquer.",
            "starts_at": start.isoformat() + "Z",
            "ends_at": (start + datetime.timedelta(minutes=90)).isoformat() + "Z",
            "online_url": "https://meet.example.org/griot-veille",
            "trainer_id": st["trainer_id"],
            "repeat": {"frequency": "weekly", "count": SERIES_OCCURRENCES},
        }})
    with open(os.path.join(in_dir, "series.json"), "w") as f:
        json.dump({"token": st["trainer_token"], "runs": runs}, f)
    print(json.dumps({"cohorts": n, "occurrences": SERIES_OCCURRENCES, "nonce": nonce,
                      "first_starts_at": runs[0]["body"]["starts_at"] if runs else None}))


def pg_postmaster():
    """The PostgreSQL cluster of DATABASE_URL: its postmaster and children,
    so that another cluster on the machine (someone's tests) is not counted.
    None when that cannot be read (then every postgres process counts)."""
    url = os.environ.get("DATABASE_URL", "")
    if not is_pg(url):
        return None
    data_dir = psql_value(url, "SHOW data_directory")
    try:
        with open(os.path.join(data_dir or "", "postmaster.pid")) as f:
            master = int(f.readline().strip())
    except (OSError, ValueError):
        return None
    return master


def cluster_pids(master):
    """The postmaster and its children (backends, background workers)."""
    pids = [master]
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == master:
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == master:  # ppid
                    pids.append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def cluster_ticks(master):
    ticks = 0
    for pid in cluster_pids(master):
        try:
            ticks += proc_ticks(pid)
        except (OSError, ValueError, IndexError):
            continue
    return ticks


def cpu_ns(pids):
    """Nanoseconds on a CPU of every thread of these processes, from
    /proc/<pid>/task/<tid>/schedstat: the ticks of /proc/<pid>/stat count
    in 10 ms, too coarse for a 2 ms request. A thread that ends between
    two readings takes its time with it (the ticks keep it): both are
    recorded, and should agree to within the ticks' 10 ms."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total


def import_check(dry):
    """Every line made an account and took a seat (in the dry run's report
    too: it tells what a real run would do); a real run sends every new
    account its invitation link."""
    def check(status, body):
        if status != 200 or not isinstance(body, dict):
            return "status %d" % status
        items = body.get("items") or []
        invited = sum(1 for i in items if i.get("invite_url"))
        want = {"dry_run": dry, "created_accounts": IMPORT_LINES, "enrolled": IMPORT_LINES,
                "waitlisted": 0, "already_members": 0, "errors": [], "items": IMPORT_LINES,
                "invite_urls": 0 if dry else IMPORT_LINES}
        got = {k: body.get(k) for k in want}
        got["items"], got["invite_urls"] = len(items), invited
        return None if got == want else "report %s, expected %s" % (json.dumps(got), json.dumps(want))
    return check


def series_check(status, body):
    if status != 201 or not isinstance(body, dict):
        return "status %d" % status
    items = body.get("items") or []
    if not body.get("series_id") or len(items) != SERIES_OCCURRENCES:
        return "series_id %s, %d occurrences" % (body.get("series_id"), len(items))
    return None


def sequential_phases(in_dir, kind):
    """[(name, [(path, token, body bytes, content type)], check)]; a check
    reads a 2xx answer and returns what is wrong with it, or None."""
    if kind == "import":
        with open(os.path.join(in_dir, "import.json")) as f:
            plan = json.load(f)

        def req(run, dry):
            with open(run["file"], "rb") as f:
                data = f.read()
            path = "/api/v1/cohorts/%s/members/import%s" % (
                urllib.parse.quote(run["cohort_id"]), "?dry_run=true" if dry else "")
            return (path, plan["token"], data, "text/csv")
        return [("dry_run", [req(plan["dry"], True) for _ in plan["real"]], import_check(True)),
                ("real", [req(run, False) for run in plan["real"]], import_check(False))]
    if kind == "series":
        with open(os.path.join(in_dir, "series.json")) as f:
            plan = json.load(f)
        return [("weekly_40", [("/api/v1/cohorts/%s/sessions/series" % urllib.parse.quote(r["cohort_id"]),
                                plan["token"], json.dumps(r["body"]).encode(), "application/json")
                               for r in plan["runs"]], series_check)]
    die("sequential: unknown kind %s" % kind)


def latency_summary(lat):
    lat = sorted(lat)
    if not lat:
        return {}
    mean = sum(lat) / len(lat)
    return {"min": lat[0], "max": lat[-1], "mean": mean,
            "stdev": math.sqrt(sum((x - mean) ** 2 for x in lat) / len(lat)),
            "p50": percentile(lat, 50), "p90": percentile(lat, 90), "p95": percentile(lat, 95),
            "p99": percentile(lat, 99), "p999": percentile(lat, 99.9)}


def cmd_sequential(argv):
    """sequential PID [--postgres] BASE_URL IN_DIR import|series: every
    request of each phase in turn on one kept-alive connection (the next
    leaves when the previous answer is in), the server's CPU time (and its
    PostgreSQL cluster's) read before and after each phase, in nanoseconds
    (cpu_ns) and in ticks. Prints BENCH_RESULT {json} as the wrk scripts
    do, with the phases in it."""
    postgres = "--postgres" in argv
    args = [a for a in argv if a != "--postgres"]
    if len(args) != 4:
        die("usage: sequential PID [--postgres] BASE_URL IN_DIR import|series")
    pid, base, in_dir, kind = int(args[0]), args[1], args[2], args[3]
    phases = sequential_phases(in_dir, kind)
    master = pg_postmaster() if postgres else None
    client = RawClient(base, timeout=300)
    all_lat, counts, nbytes, non2xx, read_errors, sample = [], {}, 0, 0, 0, None
    out_phases = []
    t_start = time.perf_counter()
    try:
        for name, reqs, check in phases:
            before = snapshot(pid, postgres)
            pg0 = cluster_ticks(master) if master else None
            ns0 = cpu_ns([pid])
            pgns0 = cpu_ns(cluster_pids(master)) if master else None
            t0 = time.perf_counter()
            lat, failures, lost, first_problem, ph_counts = [], 0, 0, None, {}
            for path, token, data, ctype in reqs:
                s = time.perf_counter()
                try:
                    status, hdrs, body, wire = client.request("POST", path, token,
                                                              {"Content-Type": ctype}, data)
                except OSError as e:
                    lost += 1
                    first_problem = first_problem or "no answer: %s" % e
                    client.close()
                    continue
                lat.append((time.perf_counter() - s) * 1000.0)
                nbytes += wire
                ph_counts[str(status)] = ph_counts.get(str(status), 0) + 1
                counts[str(status)] = counts.get(str(status), 0) + 1
                try:
                    parsed = json.loads(decoded(hdrs, body)) if body else None
                except ValueError:
                    parsed = None
                if not 200 <= status <= 299:
                    non2xx += 1
                    sample = sample or "%d %s" % (status, body[:300].decode(errors="replace"))
                    first_problem = first_problem or sample
                    continue
                problem = check(status, parsed)
                if problem:
                    failures += 1
                    first_problem = first_problem or problem
            wall = time.perf_counter() - t0
            ns1 = cpu_ns([pid])
            pgns1 = cpu_ns(cluster_pids(master)) if master else None
            after = snapshot(pid, postgres)
            pg1 = cluster_ticks(master) if master else None
            clk = float(after["clk_tck"])
            n = len(reqs)
            read_errors += lost
            ph = {"name": name, "requests": n, "answered": len(lat), "status_counts": ph_counts,
                  "no_answer": lost, "check_failures": failures, "first_problem": first_problem,
                  "wall_s": round(wall, 3), "latency_ms": latency_summary(lat), "clk_tck": clk}
            if n and ns1 > ns0:
                ph["server_cpu_ms_per_request"] = (ns1 - ns0) / 1e6 / n
            if before.get("server_ticks") is not None and after.get("server_ticks") is not None and n:
                ticks = after["server_ticks"] - before["server_ticks"]
                ph["server_ticks"] = ticks
                ph["server_cpu_ms_per_request_ticks"] = ticks * 1000.0 / clk / n
                ph.setdefault("server_cpu_ms_per_request", ph["server_cpu_ms_per_request_ticks"])
            if postgres and n:
                if master:
                    ticks, scope = pg1 - pg0, "the run's cluster"
                    ph["postgres_cpu_ms_per_request"] = (pgns1 - pgns0) / 1e6 / n
                else:
                    ticks, scope = after["postgres_ticks"] - before["postgres_ticks"], "every postgres process"
                ph["postgres_ticks"] = ticks
                ph["postgres_scope"] = scope
                ph["postgres_cpu_ms_per_request_ticks"] = ticks * 1000.0 / clk / n
                ph.setdefault("postgres_cpu_ms_per_request", ph["postgres_cpu_ms_per_request_ticks"])
            busy = (after["total_ticks"] - after["idle_ticks"]) - (before["total_ticks"] - before["idle_ticks"])
            ph["machine_busy_cores"] = round(busy / clk / wall, 2) if wall > 0 else None
            out_phases.append(ph)
            all_lat += lat
        verify = None
        if kind == "import":
            # The dry runs wrote nothing: their cohort is still empty.
            with open(os.path.join(in_dir, "import.json")) as f:
                plan = json.load(f)
            st, page, _ = request(base, "GET", "/api/v1/cohorts/%s/members?limit=1"
                                  % urllib.parse.quote(plan["dry"]["cohort_id"]), plan["token"])
            verify = {"dry_run_cohort_members": len((page or {}).get("items") or []) if st == 200 else None,
                      "status": st}
            verify["ok"] = st == 200 and verify["dry_run_cohort_members"] == 0
    finally:
        client.close()
    secs = time.perf_counter() - t_start
    failures = sum(p["check_failures"] for p in out_phases)
    out = {
        "duration_s": secs, "requests": len(all_lat), "answered": len(all_lat),
        "sent": sum(p["requests"] for p in out_phases), "bytes": nbytes,
        "rps": len(all_lat) / secs if secs > 0 else 0.0, "non2xx": non2xx,
        "socket_errors": {"connect": 0, "read": read_errors, "write": 0, "timeout": 0},
        "check_failures": failures, "errors": non2xx + read_errors + failures,
        "status_counts": counts, "sample_error": sample,
        "latency_ms": latency_summary(all_lat), "phases": out_phases, "verify": verify,
    }
    print("BENCH_RESULT " + json.dumps(out, sort_keys=True))


def proc_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "Threads"):
                out[k] = int(v.split()[0])
    return out


def snapshot(pid, postgres=False):
    pid = int(pid)
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    snap = {
        "time": time.time(),
        "clk_tck": os.sysconf("SC_CLK_TCK"),
        "total_ticks": sum(cpu[:8]),
        "idle_ticks": cpu[3] + cpu[4],  # idle + iowait
    }
    try:
        snap["server_ticks"] = proc_ticks(pid)
        st = proc_status(pid)
        snap["server_hwm_kb"] = st.get("VmHWM")
        snap["server_rss_kb"] = st.get("VmRSS")
        # File-backed: the binary and SQLite's memory-mapped database pages
        # (counted once per pooled connection that touched them); anonymous:
        # the heap, stacks and caches.
        snap["server_rss_anon_kb"] = st.get("RssAnon")
        snap["server_rss_file_kb"] = st.get("RssFile")
        snap["server_threads"] = st.get("Threads")
    except OSError:
        snap["server_ticks"] = None
    if postgres:
        ticks, rss = 0, 0
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().strip() != "postgres":
                        continue
                ticks += proc_ticks(int(d))
                rss += proc_status(int(d)).get("VmRSS", 0)
            except (OSError, ValueError):
                continue
        snap["postgres_ticks"] = ticks
        snap["postgres_rss_kb"] = rss
    with open("/proc/loadavg") as f:
        snap["loadavg_1m"] = float(f.read().split()[0])
    return snap


def cmd_snapshot(pid, postgres=False):
    print(json.dumps(snapshot(pid, postgres)))


def cmd_measure(argv):
    """measure PID [--postgres] OUT.json LOG -- command...: run the command
    (output to LOG) between two snapshots of the server, and record the
    command's own CPU time (the load generator's share of the machine)."""
    import resource
    if "--" not in argv:
        die("measure: missing -- before the command")
    k = argv.index("--")
    opts, cmd = argv[:k], argv[k + 1:]
    postgres = "--postgres" in opts
    opts = [o for o in opts if o != "--postgres"]
    if len(opts) != 3 or not cmd:
        die("usage: measure PID [--postgres] OUT.json LOG -- command...")
    pid, out, logf = opts
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = snapshot(pid, postgres)
    with open(logf, "w") as f:
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT)
    after = snapshot(pid, postgres)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    with open(out, "w") as f:
        json.dump({"before": before, "after": after, "loadgen_cpu_s": round(cpu, 3), "rc": rc}, f)
    sys.exit(rc)


def is_pg(url):
    return url.startswith("postgres://") or url.startswith("postgresql://")


def sqlite_path(url):
    for prefix in ("sqlite://", "sqlite:"):
        if url.startswith(prefix):
            return url[len(prefix):]
    return url


def psql_value(url, sql):
    if not shutil.which("psql"):
        return None
    r = subprocess.run(["psql", url, "-XAtqc", sql], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("bench: psql: %s\n" % r.stderr.strip())
        return None
    return r.stdout.strip()


def cmd_busy(seconds):
    """Cores busy over SECONDS (nothing of ours running): is the machine idle?"""
    def read():
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        return sum(cpu[:8]), cpu[3] + cpu[4]
    t0, i0 = read()
    time.sleep(float(seconds))
    t1, i1 = read()
    clk = os.sysconf("SC_CLK_TCK")
    print(round(((t1 - t0) - (i1 - i0)) / clk / float(seconds), 2))


def cmd_count_changes(url, session_id):
    if is_pg(url):
        v = psql_value(url, "SELECT count(*) FROM attendance_changes WHERE session_id = '%s'"
                       % session_id.replace("'", "''"))
        print(v if v else "null")
        return
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % sqlite_path(url), uri=True, timeout=30)
    try:
        (n,) = con.execute("SELECT count(*) FROM attendance_changes WHERE session_id = ?",
                           (session_id,)).fetchone()
    finally:
        con.close()
    print(n)


def cmd_db_size(url):
    if is_pg(url):
        v = psql_value(url, "SELECT pg_database_size(current_database())")
        print(v if v else "null")
        return
    path = sqlite_path(url)
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += os.path.getsize(path + suffix)
        except OSError:
            pass
    print(total)


def cmd_put(path, key, value, as_string=False):
    if value.startswith("@") and not as_string:
        with open(value[1:]) as f:
            value = f.read().strip()
    v = value
    if not as_string:
        try:
            v = json.loads(value)
        except ValueError:
            pass
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = {}
    node = doc
    parts = key.split(".")
    for k in parts[:-1]:
        node = node.setdefault(k, {})
    node[parts[-1]] = v
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def cmd_result(path):
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("BENCH_RESULT "):
                print(line[len("BENCH_RESULT "):].strip())
                return
    die("no BENCH_RESULT line in %s" % path)


def main(argv):
    if len(argv) < 2:
        die("usage: see the docstring of %s" % argv[0])
    cmd, args = argv[1], argv[2:]
    table = {
        "prepare": (cmd_prepare, 2),
        "free-port": (cmd_free_port, 0),
        "wait-ready": (cmd_wait_ready, 3),
        "open-window": (cmd_open_window, 2),
        "verify-storm": (cmd_verify_storm, 2),
        "open-event": (cmd_open_event, 2),
        "event-storm": (cmd_event_storm, 3),
        "verify-event-storm": (cmd_verify_event_storm, 2),
        "sync-tokens": (cmd_sync_tokens, 2),
        "verify-sync": (cmd_verify_sync, 2),
        "mobile": (cmd_mobile, 2),
        "open-import": (cmd_open_import, 3),
        "open-series": (cmd_open_series, 3),
        "count-changes": (cmd_count_changes, 2),
        "db-size": (cmd_db_size, 1),
        "busy": (cmd_busy, 1),
        "put": (cmd_put, 3),
        "put-str": (lambda p, k, v: cmd_put(p, k, v, True), 3),
        "result": (cmd_result, 1),
    }
    if cmd == "measure":
        return cmd_measure(args)
    if cmd == "sequential":
        return cmd_sequential(args)
    if cmd == "snapshot":
        return cmd_snapshot(args[0], "--postgres" in args[1:])
    if cmd not in table or len(args) != table[cmd][1]:
        die("bad command line: %s" % " ".join(argv[1:]))
    table[cmd][0](*args)


if __name__ == "__main__":
    main(sys.argv)
