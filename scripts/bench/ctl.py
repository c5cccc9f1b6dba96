#!/usr/bin/env python3
"""Run-time helpers of scripts/bench.sh (python3 standard library only).

    ctl.py prepare FIXTURE.json OUT_DIR     text files for the wrk scripts + scenarios.tsv
    ctl.py free-port
    ctl.py wait-ready BASE_URL PID TIMEOUT_S
    ctl.py open-window BASE_URL IN_DIR      open the storm session's check-in window,
                                            write IN_DIR/storm.bodies, print the code
    ctl.py verify-storm BASE_URL IN_DIR     every storm learner recorded? prints JSON
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
import http.client
import json
import os
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
            "login_emails", "login_password"]
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
    p("progress.paths", ["/api/v1/cohorts/%s/progress" % q(fx["cohort_id"])])
    p("certificate.paths", ["/api/v1/certificates/%s?format=pdf" % q(c)
                            for c in fx.get("certificate_codes") or []])
    p("login.paths", ["/api/v1/auth/login"])
    p("login.bodies", [json.dumps({"email": e, "password": fx["login_password"]},
                                  separators=(",", ":")) for e in fx["login_emails"]])
    with open(os.path.join(out_dir, "scenarios.tsv"), "w") as f:
        for sid, key, _title, method, paths, tokens, bodies_f in SCENARIOS:
            f.write("\t".join([str(sid), key, method, paths, tokens or "-", bodies_f or "-",
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
    }
    with open(os.path.join(out_dir, "fixture-summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    # Kept for verify-storm.
    with open(os.path.join(out_dir, "storm.json"), "w") as f:
        json.dump({"session_id": fx["storm_session_id"], "trainer_token": fx["trainer_token"],
                   "storm_tokens": fx["storm_tokens"]}, f)
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
        "count-changes": (cmd_count_changes, 2),
        "db-size": (cmd_db_size, 1),
        "busy": (cmd_busy, 1),
        "put": (cmd_put, 3),
        "put-str": (lambda p, k, v: cmd_put(p, k, v, True), 3),
        "result": (cmd_result, 1),
    }
    if cmd == "measure":
        return cmd_measure(args)
    if cmd == "snapshot":
        return cmd_snapshot(args[0], "--postgres" in args[1:])
    if cmd not in table or len(args) != table[cmd][1]:
        die("bad command line: %s" % " ".join(argv[1:]))
    table[cmd][0](*args)


if __name__ == "__main__":
    main(sys.argv)
