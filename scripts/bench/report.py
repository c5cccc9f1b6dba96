#!/usr/bin/env python3
"""Aggregation of scripts/bench.sh runs (python3 standard library only).

    report.py build --work DIR --json OUT.json --md OUT.md [--check-smoke]
        Reads DIR/meta.json and DIR/runs/<backend>-s<scale>/ (run.json,
        scenarios/NN-key.{result,before,after,extra,verify,window,event,tokens}.json,
        NN-key.cmd.txt), writes the machine-readable results and BENCHMARKS.md.
        --check-smoke: exit 1 unless every run completed, every scenario
        answered only 2xx without socket errors, the storm recorded everyone,
        the event storm seated exactly the first 100 of its 300 guests,
        scenario 19's re-syncs all answered "nothing changed", and every
        import and series of 20-21 reported what it should.
    report.py render --json IN.json --md OUT.md
        Re-renders the markdown from a results file.
"""

import argparse
import datetime
import glob
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctl import SCENARIOS  # noqa: E402

TITLES = {s[0]: s[2] for s in SCENARIOS}
KEYS = {s[0]: s[1] for s in SCENARIOS}
SHORT = {1: "health/live", 2: "health/ready", 3: "me", 4: "cohort sessions",
         5: "session roster", 6: "cohort report", 7: "check-in storm",
         8: "mark 250 (PUT)", 9: "login", 10: "cohort sessions, cache off",
         11: "session roster, cache off", 12: "cohort report, cache off",
         13: "my progress", 14: "cohort progress", 15: "certificate PDF",
         16: "events list (public)", 17: "event registration storm",
         18: "my home", 19: "sync, unchanged", 20: "CSV import, 250 lines",
         21: "weekly series, 40 sessions"}
# One burst each, not a timed run: no req/s.
STORMS = (7, 17)
# A fixed number of requests one after another (issue 17): no req/s either;
# their own table gives latency and CPU per request for each phase.
SEQUENTIAL = (20, 21)
PHASES = {"dry_run": "dry run", "real": "real run", "weekly_40": "40 weekly"}
BACKEND_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}

# Targets of issue 5.
ME_RATIO = 0.60
LIST_RATIO = 0.30
REPORT_P99_MS = 50.0
SCALE_RATIO = 1.3
STORM_P99_MS = 200.0
RSS_LIMIT_MIB = 150.0
PDF_CPU_MS = 20.0  # issue 14: server CPU per certificate PDF
# Issue 15: the check-in storm's budget per person (200 ms for 250), for 300.
EVENT_STORM_P99_MS = 240.0
# Issue 16: what a phone on a slow link receives.
HOME_GZIP_BYTES = 5000     # GET /me/home with Accept-Encoding: gzip (5 KB, read as 5,000 bytes)
RESYNC_BYTES = 300         # an unchanged re-sync's body (no gzip)
SCHEMA = 1
NOISE_CORES = 0.15  # CPU used by neither the server, PostgreSQL nor wrk: someone else was busy


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


# ---------------------------------------------------------------------------
# The machine.
# ---------------------------------------------------------------------------
def machine_info():
    info = {}
    try:
        info["nproc"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["nproc"] = os.cpu_count()
    info["cpu_count"] = os.cpu_count()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["mem_total_mib"] = round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    u = os.uname()
    info["kernel"] = "%s %s %s" % (u.sysname, u.release, u.machine)
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    info["os"] = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return info


# ---------------------------------------------------------------------------
# Collecting one run.
# ---------------------------------------------------------------------------
def cpu_delta(measure):
    if not measure:
        return None
    before, after = measure.get("before"), measure.get("after")
    if not before or not after:
        return None
    dt = after["time"] - before["time"]
    clk = float(after.get("clk_tck") or 100)
    if dt <= 0:
        return None
    out = {"seconds": round(dt, 3)}
    busy = (after["total_ticks"] - after["idle_ticks"]) - (before["total_ticks"] - before["idle_ticks"])
    out["busy_cores"] = round(busy / clk / dt, 2)
    if before.get("server_ticks") is not None and after.get("server_ticks") is not None:
        out["server_cores"] = round((after["server_ticks"] - before["server_ticks"]) / clk / dt, 2)
    if "postgres_ticks" in after and "postgres_ticks" in before:
        out["postgres_cores"] = round((after["postgres_ticks"] - before["postgres_ticks"]) / clk / dt, 2)
    if measure.get("loadgen_cpu_s") is not None:
        out["loadgen_cores"] = round(measure["loadgen_cpu_s"] / dt, 2)
    rest = out["busy_cores"] - out.get("server_cores", 0) - out.get("postgres_cores", 0) - out.get("loadgen_cores", 0)
    out["other_cores"] = round(max(rest, 0.0), 2)  # anything else running on the machine
    out["loadavg_1m_before"] = before.get("loadavg_1m")
    return out


def collect_run(run_dir):
    run = load(os.path.join(run_dir, "run.json"), {}) or {}
    run.setdefault("backend", os.path.basename(run_dir).rsplit("-s", 1)[0])
    run["scale"] = int(run.get("scale") or os.path.basename(run_dir).rsplit("-s", 1)[1])
    scen_dir = os.path.join(run_dir, "scenarios")
    scenarios = []
    names = set()
    for path in glob.glob(os.path.join(scen_dir, "*")):
        m = re.match(r"^(\d\d)-([a-z_]+)\.", os.path.basename(path))
        if m and ".warmup." not in path:
            names.add((int(m.group(1)), m.group(2)))
    for sid, key in sorted(names):
        base = os.path.join(scen_dir, "%02d-%s" % (sid, key))
        res = load(base + ".result.json")
        s = {"id": sid, "key": key, "title": TITLES.get(sid, key)}
        s["command"] = read_text(base + ".cmd.txt")
        failed = read_text(base + ".failed")
        if failed:
            s["failed"] = failed
        measure = load(base + ".measure.json")
        after = (measure or {}).get("after")
        if res:
            lat = res.get("latency_ms") or {}
            s.update({
                "requests": res.get("requests"),
                "duration_s": round(res.get("duration_s", 0), 3),
                "rps": round(res.get("rps", 0), 1),
                "p50_ms": round(lat["p50"], 3) if "p50" in lat else None,
                "p90_ms": round(lat["p90"], 3) if "p90" in lat else None,
                "p99_ms": round(lat["p99"], 3) if "p99" in lat else None,
                "max_ms": round(lat["max"], 3) if "max" in lat else None,
                "mean_ms": round(lat["mean"], 3) if "mean" in lat else None,
                "errors": res.get("errors"),
                "non2xx": res.get("non2xx"),
                "socket_errors": res.get("socket_errors"),
                "status_counts": res.get("status_counts"),
                "bytes_per_response": (round(res["bytes"] / res["requests"]) if res.get("requests") else None),
            })
            if res.get("sample_error"):
                s["sample_error"] = res["sample_error"]
            if "sent" in res:
                s["sent"] = res["sent"]
                s["answered"] = res.get("answered")
            if res.get("send_spread_ms") is not None:
                s["send_spread_ms"] = round(res["send_spread_ms"], 2)
            if res.get("phases") is not None:
                s["phases"] = res["phases"]
                s["check_failures"] = res.get("check_failures")
                if res.get("verify") is not None:
                    s["verify"] = res["verify"]
        elif not failed:
            s["failed"] = "no result"
        cpu = cpu_delta(measure)
        if cpu:
            s["cpu"] = cpu
        if after:
            s["server_rss_kb_after"] = after.get("server_rss_kb")
            s["server_hwm_kb_after"] = after.get("server_hwm_kb")
            s["server_rss_anon_kb_after"] = after.get("server_rss_anon_kb")
            s["server_rss_file_kb_after"] = after.get("server_rss_file_kb")
        extra = load(base + ".extra.json")
        if extra:
            s.update(extra)
            if extra.get("changes_after") is not None and extra.get("changes_before") is not None and s.get("requests"):
                changed = extra["changes_after"] - extra["changes_before"]
                s["records_changed"] = changed
                s["records_changed_per_request"] = round(changed / s["requests"], 1)
        verify = load(base + ".verify.json")
        if verify is not None:
            s["verify"] = verify
        window = load(base + ".window.json")
        if window is not None:
            s["window"] = window
        event = load(base + ".event.json")
        if event is not None:
            s["event"] = event
        since = load(base + ".tokens.json")
        if since is not None:
            s["since_tokens"] = since
        prep = load(base + ".prep.json")
        if prep is not None:
            s["prepared"] = prep
        scenarios.append(s)
    run["scenarios"] = scenarios
    ceiling_b = next((s.get("rps") for s in scenarios if s["id"] == 2 and s.get("rps")), None)
    for s in scenarios:
        if ceiling_b and s.get("rps") is not None and s["id"] not in STORMS + SEQUENTIAL:
            s["ratio_to_ceiling_b"] = round(s["rps"] / ceiling_b, 3)
    end = load(os.path.join(run_dir, "server.end.json"))
    hwm = [s.get("server_hwm_kb_after") for s in scenarios if s.get("server_hwm_kb_after")]
    if end and end.get("server_hwm_kb"):
        hwm.append(end["server_hwm_kb"])
    run.setdefault("server", {})
    if hwm:
        run["server"]["peak_rss_kb"] = max(hwm)
        run["server"]["peak_rss_mib"] = round(max(hwm) / 1024, 1)
    anon = [s.get("server_rss_anon_kb_after") for s in scenarios if s.get("server_rss_anon_kb_after")]
    if anon:
        run["server"]["max_rss_anon_mib"] = round(max(anon) / 1024, 1)
    before_login = [s.get("server_hwm_kb_after") for s in scenarios
                    if s["id"] < 9 and s.get("server_hwm_kb_after")]
    if before_login:
        run["server"]["peak_rss_before_login_mib"] = round(max(before_login) / 1024, 1)
    start = load(os.path.join(run_dir, "server.start.json"))
    if start and start.get("server_rss_kb"):
        run["server"]["rss_at_ready_mib"] = round(start["server_rss_kb"] / 1024, 1)
    login = next((s for s in scenarios if s["id"] == 9 and s.get("rps") is not None), None)
    argon = ((run.get("fixture") or {}).get("summary") or {}).get("argon2_hash_ms")
    if login and argon:
        run["login"] = {"argon2_hash_ms": argon}
    return run


# ---------------------------------------------------------------------------
# Derived tables: scale comparison, targets.
# ---------------------------------------------------------------------------
def scenario(run, sid):
    return next((s for s in run["scenarios"] if s["id"] == sid and s.get("rps") is not None), None)


BACKEND_ORDER = {"sqlite": 0, "postgres": 1}


def scale_comparison(runs):
    rows = []
    for backend in sorted({r["backend"] for r in runs}, key=lambda b: BACKEND_ORDER.get(b, 9)):
        mine = sorted((r for r in runs if r["backend"] == backend), key=lambda r: r["scale"])
        if len(mine) < 2:
            continue
        base = mine[0]
        for other in mine[1:]:
            for sid in (3, 4, 5, 6):
                a, b = scenario(base, sid), scenario(other, sid)
                if not a or not b:
                    continue
                row = {
                    "backend": backend, "scenario": sid, "title": TITLES[sid],
                    "base_scale": base["scale"], "scale": other["scale"],
                    "base": {k: a.get(k) for k in ("rps", "p50_ms", "p99_ms")},
                    "other": {k: b.get(k) for k in ("rps", "p50_ms", "p99_ms")},
                }
                if a.get("p50_ms") and b.get("p50_ms") is not None:
                    row["p50_ratio"] = round(b["p50_ms"] / a["p50_ms"], 2)
                if a.get("p99_ms") and b.get("p99_ms") is not None:
                    row["p99_ratio"] = round(b["p99_ms"] / a["p99_ms"], 2)
                if b.get("rps"):
                    row["throughput_cost"] = round(a["rps"] / b["rps"], 2)  # base rps / other rps
                rows.append(row)
    return rows


def targets(runs, comparison, nproc):
    out = []

    def add(backend, scale, name, value, threshold, ok, unit=""):
        out.append({"backend": backend, "scale": scale, "target": name,
                    "value": value, "threshold": threshold, "unit": unit,
                    "pass": None if ok is None else bool(ok)})

    for r in sorted(runs, key=lambda r: (BACKEND_ORDER.get(r["backend"], 9), r["scale"])):
        b, sc = r["backend"], r["scale"]
        me = scenario(r, 3)
        if me and me.get("ratio_to_ceiling_b") is not None:
            add(b, sc, "GET /me >= 60% of ceiling B", me["ratio_to_ceiling_b"], ME_RATIO,
                me["ratio_to_ceiling_b"] >= ME_RATIO and me["errors"] == 0, "x ceiling B")
        for sid in (4, 5, 14, 16, 18, 19):
            s = scenario(r, sid)
            if s and s.get("ratio_to_ceiling_b") is not None:
                add(b, sc, "%s >= 30%% of ceiling B" % SHORT[sid], s["ratio_to_ceiling_b"], LIST_RATIO,
                    s["ratio_to_ceiling_b"] >= LIST_RATIO and s["errors"] == 0, "x ceiling B")
        rep = scenario(r, 6)
        if rep and sc == 1 and rep.get("p99_ms") is not None:
            add(b, sc, "cohort report p99 < 50 ms at scale 1", rep["p99_ms"], REPORT_P99_MS,
                rep["p99_ms"] < REPORT_P99_MS and rep["errors"] == 0, "ms")
        storm = next((s for s in r["scenarios"] if s["id"] == 7), None)
        if storm:
            v = storm.get("verify") or {}
            ok_err = storm.get("errors") == 0 and not storm.get("failed")
            add(b, sc, "storm: zero errors", storm.get("errors"), 0, ok_err)
            add(b, sc, "storm: every check-in recorded",
                "%s/%s" % (v.get("learners_recorded", "?"), v.get("learners_expected", "?")),
                "all", bool(v.get("ok")))
            if storm.get("p99_ms") is not None:
                add(b, sc, "storm: p99 < 200 ms", storm["p99_ms"], STORM_P99_MS,
                    storm["p99_ms"] < STORM_P99_MS, "ms")
        rush = next((s for s in r["scenarios"] if s["id"] == 17), None)
        if rush:
            v = rush.get("verify") or {}
            add(b, sc, "event storm: zero errors", rush.get("errors"), 0,
                rush.get("errors") == 0 and not rush.get("failed"))
            add(b, sc, "event storm: 100 registered, 200 waitlisted, first come first seated",
                "%s/%s" % (v.get("registered", "?"), v.get("waitlisted", "?")),
                "%s/%s" % (v.get("seats", 100), v.get("guests", 300) - v.get("seats", 100)),
                bool(v.get("ok")))
            if rush.get("p99_ms") is not None:
                add(b, sc, "event storm: p99 < 240 ms", rush["p99_ms"], EVENT_STORM_P99_MS,
                    rush["p99_ms"] < EVENT_STORM_P99_MS, "ms")
        sync = next((s for s in r["scenarios"] if s["id"] == 19), None)
        if sync and sync.get("verify") is not None:
            v = sync["verify"]
            add(b, sc, "sync: every re-sync of the run answered nothing changed",
                "%s/%s" % (v.get("unchanged", "?"), v.get("pairs", "?")), "all", bool(v.get("ok")))
        mob = r.get("mobile") or {}
        home = mob.get("home") or {}
        if home.get("gzip_body_bytes") is not None:
            ok = home["gzip_body_bytes"] <= HOME_GZIP_BYTES and home.get("gzip_content_encoding") == "gzip"
            add(b, sc, "GET /me/home <= 5 KB gzip (one learner)", home["gzip_body_bytes"],
                HOME_GZIP_BYTES, ok, "bytes")
        resync = (mob.get("resync") or {}).get("plain") or {}
        if resync.get("body_bytes") is not None:
            add(b, sc, "unchanged re-sync < 300 bytes", resync["body_bytes"], RESYNC_BYTES,
                resync["body_bytes"] < RESYNC_BYTES and bool((mob.get("resync") or {}).get("unchanged")),
                "bytes<")
        pdf = scenario(r, 15)
        cpu = (pdf or {}).get("cpu") or {}
        if pdf and pdf.get("rps") and cpu.get("server_cores") is not None:
            ms = (cpu["server_cores"] + (cpu.get("postgres_cores") or 0)) * 1000.0 / pdf["rps"]
            add(b, sc, "certificate PDF < 20 ms CPU each", round(ms, 2), PDF_CPU_MS,
                ms < PDF_CPU_MS and pdf["errors"] == 0, "ms")
        mib = (r.get("server") or {}).get("peak_rss_mib")
        if mib is not None:
            add(b, sc, "server peak RSS < 150 MiB", mib, RSS_LIMIT_MIB, mib < RSS_LIMIT_MIB, "MiB")
    for row in comparison:
        if row.get("p50_ratio") is not None:
            add(row["backend"], row["scale"],
                "%s: scale %d p50 <= 1.3x scale %d" % (SHORT[row["scenario"]], row["scale"], row["base_scale"]),
                row["p50_ratio"], SCALE_RATIO, row["p50_ratio"] <= SCALE_RATIO, "x")
    return out


def build(work):
    meta = load(os.path.join(work, "meta.json"), {}) or {}
    runs = []
    for d in sorted(glob.glob(os.path.join(work, "runs", "*-s*"))):
        if os.path.isdir(d):
            runs.append(collect_run(d))
    runs.sort(key=lambda r: (BACKEND_ORDER.get(r["backend"], 9), r["scale"]))
    machine = machine_info()
    for r in runs:
        if r.get("login"):
            ms = r["login"]["argon2_hash_ms"]
            ceiling = machine["nproc"] * 1000.0 / ms
            login = scenario(r, 9)
            r["login"]["ceiling_rps"] = round(ceiling, 1)
            r["login"]["rps"] = login["rps"]
            r["login"]["ratio_to_ceiling"] = round(login["rps"] / ceiling, 3)
    comparison = scale_comparison(runs)
    doc = {
        "schema": SCHEMA,
        "generated_by": "scripts/bench.sh (scripts/bench/report.py)",
        "started_at": meta.get("started_at"),
        "finished_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": meta.get("mode"),
        "machine": machine,
        "git": meta.get("git"),
        "tools": {"wrk": meta.get("wrk_version"), "rustc": meta.get("rustc_version")},
        "settings": meta.get("settings"),
        "commands": {"invocation": meta.get("invocation"), "build": meta.get("build_command")},
        "runs": runs,
        "scale_comparison": comparison,
        "targets": targets(runs, comparison, machine["nproc"]),
    }
    return doc


# ---------------------------------------------------------------------------
# Markdown.
# ---------------------------------------------------------------------------
def fnum(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if digits == 0:
        return "{:,.0f}".format(v)
    return "{:,.{d}f}".format(v, d=digits)


def fms(v):
    if v is None:
        return "–"
    if v < 10:
        return "%.2f" % v
    if v < 100:
        return "%.1f" % v
    return "%.0f" % v


def fmb(nbytes):
    if nbytes is None:
        return "–"
    return "%.0f MiB" % (nbytes / 1048576.0)


def passfail(ok):
    return "–" if ok is None else ("**pass**" if ok else "**FAIL**")


def table(header, rows, align=None):
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def storm_note(ids):
    note = ""
    if any(sid in ids for sid in SEQUENTIAL):
        note = (" Scenarios 20–21 are requests one after another, not timed runs: see their own "
                "table below (latency and CPU per request).")
    return storm_bursts(ids) + note


def storm_bursts(ids):
    bursts = [sid for sid in STORMS if sid in ids]
    if len(bursts) == 1:
        return " The %s is one burst, not a timed run: see its own table below." % (
            "storm" if bursts[0] == 7 else SHORT[bursts[0]])
    if bursts:
        return (" The storms (%s) are one burst each, not timed runs: see their own tables below."
                % ", ".join(str(sid) for sid in bursts))
    return ""


def render(doc):
    md = []
    w = md.append
    m = doc.get("machine") or {}
    settings = doc.get("settings") or {}
    git = doc.get("git") or {}
    runs = doc.get("runs") or []
    date = (doc.get("started_at") or "")[:10]
    w("# Benchmarks")
    w("")
    w("Generated by `%s` on %s (UTC). Do not edit by hand: rerun the benchmark, or "
      "`scripts/bench.sh report` to re-render this file from `BENCHMARKS.json` (all the numbers, "
      "machine-readable)." % ((doc.get("commands") or {}).get("invocation") or "scripts/bench.sh", date or "?"))
    w("")
    w("## Machine and set-up")
    w("")
    commit = git.get("commit") or "unknown"
    w("- Machine: %s cores (%s), %s GiB RAM, %s, %s." % (
        m.get("nproc", "?"), m.get("cpu_model", "?"),
        fnum((m.get("mem_total_mib") or 0) / 1024.0, 1), m.get("os", "?"), m.get("kernel", "?")))
    w("- Code: commit `%s`%s; `%s`; %s." % (
        commit[:12], " plus uncommitted changes" if git.get("dirty") else "",
        (doc.get("commands") or {}).get("build"), (doc.get("tools") or {}).get("rustc") or "rustc ?"))
    w("- Server: `griot serve` with WORKERS=%s, DB_POOL_SIZE=%s, RUST_LOG=warn (the pool size of "
      "`shared/design/DATABASE.md`'s ceiling measurements; a pool of 2 halved PostgreSQL's ceiling there)."
      % (settings.get("BENCH_WORKERS", "?"), settings.get("BENCH_POOL", "?")))
    w("- Load: %s on the same machine, sharing its %s cores with the server (and PostgreSQL): "
      "`-t%s -c%s`, %s s per scenario after an unmeasured %s s warm-up (none before login and the storm). "
      "Requests rotate through %s learner tokens / all cohort ids read from the fixture. "
      "Errors = non-2xx answers (counted in wrk's `response()`) + socket errors (connect/read/write/timeout)."
      % ((doc.get("tools") or {}).get("wrk") or "wrk", m.get("nproc", "?"),
         settings.get("BENCH_THREADS", "?"), settings.get("BENCH_CONNECTIONS", "?"),
         settings.get("BENCH_SECONDS", "?"), settings.get("BENCH_WARMUP", "?"),
         settings.get("BENCH_USERS", "?")))
    pg = next((r for r in runs if r["backend"] == "postgres"), None)
    if pg:
        ps = pg.get("postgres_settings") or {}
        w("- PostgreSQL %s: the throw-away cluster of `scripts/with-postgres.sh` over local TCP, "
          "fsync=%s, synchronous_commit=%s, full_page_writes=%s, shared_buffers=%s×8 kB: "
          "**commits cost less than on a durable production server** (≈ 2–4 ms fsync there). %s"
          % (pg.get("postgres_version", "?"), ps.get("fsync", "?"), ps.get("synchronous_commit", "?"),
             ps.get("full_page_writes", "?"), ps.get("shared_buffers", "?"),
             "`VACUUM (ANALYZE)` after seeding (what autovacuum does a minute after a bulk load; "
             "without statistics the planner picks plans up to 2.7× slower for the report)."
             if pg.get("postgres_vacuum_analyze_seconds") is not None else
             "No `ANALYZE` after seeding (BENCH_PG_ANALYZE=0): plans depend on whether autoanalyze ran."))
    if any(r["backend"] == "sqlite" for r in runs):
        w("- SQLite: bundled, one file in a fresh temp dir, WAL with synchronous=NORMAL (the server's settings).")
    w("- Data per scale unit (`griot seed --scale N`): one programme, 20 cohorts × 250 learners, "
      "40 sessions per cohort, ≈ 200k attendance records, ≈ 60k session ratings, a weekly series in each "
      "of the 8 running cohorts and 5 invited learners in each. Each (backend, scale) starts from an empty "
      "database.")
    w("")
    seeds = []
    for r in runs:
        seed = r.get("seed") or {}
        fx = (r.get("fixture") or {}).get("summary") or {}
        seeds.append([BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"],
                      fnum(seed.get("seconds"), 1), fmb(r.get("db_size_bytes_after_seed")),
                      fx.get("cohorts", "–"), "`%s`" % seed.get("output", "").replace("|", "/")])
    if seeds:
        w(table(["backend", "scale", "seed (s)", "database size", "cohorts", "seed output"], seeds,
                ["---", "--:", "--:", "--:", "--:", "---"]))
        w("")

    # Was anything else running?
    noisy = []
    for r in runs:
        for s in r["scenarios"]:
            other = (s.get("cpu") or {}).get("other_cores")
            if other is not None and other > NOISE_CORES:
                noisy.append((r, s, other))
    if noisy:
        worst = max(o for _, _, o in noisy)
        w("> **Note: CPU went elsewhere** during %d scenario(s): up to %.2f of %s cores were used by "
          "neither the server, PostgreSQL nor wrk (%s): another program, or the kernel writing the "
          "database's dirty pages back after a large seed or write burst. Those numbers may be low."
          % (len(noisy), worst, m.get("nproc", "?"),
             ", ".join("%s ×%d #%d" % (BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"], s["id"])
                       for r, s, _ in noisy[:12]) + (" …" if len(noisy) > 12 else "")))
        w("")

    # Targets.
    tg = doc.get("targets") or []
    if tg:
        w("## Targets of issue 5")
        w("")
        rows = []
        for t in tg:
            v = t["value"]
            if isinstance(v, float):
                v = ("%.0f %%" % (v * 100)) if t["unit"] == "x ceiling B" else fms(v) if t["unit"] == "ms" else "%.2f" % v
            thr = t["threshold"]
            if t["unit"] == "x ceiling B":
                thr = "≥ %.0f %%" % (thr * 100)
            elif t["unit"] == "ms":
                thr = "< %s ms" % fnum(thr)
            elif t["unit"] == "MiB":
                thr = "< %s MiB" % fnum(thr)
                v = "%s MiB" % fnum(t["value"], 1)
            elif t["unit"] == "x":
                thr = "≤ %s×" % thr
                v = "%s×" % v
            elif t["unit"] in ("bytes", "bytes<"):
                thr = "%s %s B" % ("≤" if t["unit"] == "bytes" else "<", fnum(thr))
                v = "%s B" % fnum(t["value"])
            rows.append([BACKEND_NAMES.get(t["backend"], t["backend"]), t["scale"], t["target"], v, thr, passfail(t["pass"])])
        w(table(["backend", "scale", "target", "measured", "target value", "result"], rows,
                ["---", "--:", "---", "--:", "--:", ":-:"]))
        n_fail = sum(1 for t in tg if t["pass"] is False)
        w("")
        w("%d of %d checks pass%s. The scale checks compare the median latency (p50) of the same scenario "
          "at the same concurrency; with a fixed number of connections that is also the inverse of the "
          "throughput ratio, shown below. RSS is the server's VmHWM (peak resident set) in MiB."
          % (len(tg) - n_fail, len(tg), "" if n_fail == 0 else "; **%d fail**" % n_fail))
        w("")

    w("## Reading these numbers")
    w("")
    w("- Closed loop: each of the %s connections sends its next request as soon as the previous "
      "answer arrives, so latency ≈ connections ÷ throughput (Little's law). A latency target at "
      "this concurrency is a throughput target: p99 < 50 ms at c=32 needs roughly 650+ req/s."
      % settings.get("BENCH_CONNECTIONS", "?"))
    w("- wrk runs on the same %s cores. It needs about one core to drive ceiling A, so ceilings "
      "A and B measure the load generator as much as the server; the heavier scenarios leave wrk "
      "a few percent (see the CPU columns)." % m.get("nproc", "?"))
    w("- The ratio to ceiling B is close to the inverse ratio of CPU per request (column CPU µs/req), "
      "since every scenario keeps the same two cores busy: at 30 % of ceiling B a request may cost "
      "about 3.3 times the CPU of a ceiling-B request (a routed request and one trivial query). "
      "Encoding the JSON of a 250-line roster (66 KB) already takes more than that, hence the cache below.")
    w("- Scenarios 4–6 are answered from each process's response cache (`RESPONSE_CACHE_MB`), keyed by "
      "version counters that the database bumps on every change, so after the warm-up they measure a hit: "
      "the access check and versions in one query, then the stored bytes. That is the common case when "
      "many members read the same list, but not the first read after a change: scenarios 10–12 send the "
      "same requests to a server started with `RESPONSE_CACHE_MB=0`, so every answer is made afresh.")
    w("- Each number is one run of %s s. Repeated runs on this machine differ by up to ≈ 15–20 %% "
      "per scenario, so a ratio close to its threshold (e.g. 1.3×) can flip from run to run."
      % settings.get("BENCH_SECONDS", "?"))
    w("")

    # Per backend.
    for backend in ("sqlite", "postgres"):
        mine = [r for r in runs if r["backend"] == backend]
        if not mine:
            continue
        w("## %s" % BACKEND_NAMES[backend])
        w("")
        for r in mine:
            srv = r.get("server") or {}
            w("### Scale %d%s" % (r["scale"], "" if r.get("status") == "ok" else " — run status: **%s**" % r.get("status")))
            w("")
            rows = []
            for s in r["scenarios"]:
                cpu = s.get("cpu") or {}
                srv_cpu = cpu.get("server_cores")
                if cpu.get("postgres_cores") is not None:
                    srv_cpu = "%s + pg %s" % (fnum(srv_cpu, 2), fnum(cpu.get("postgres_cores"), 2))
                else:
                    srv_cpu = fnum(srv_cpu, 2)
                ratio = s.get("ratio_to_ceiling_b")
                rss_after = s.get("server_rss_kb_after")
                cores = (cpu.get("server_cores") or 0) + (cpu.get("postgres_cores") or 0)
                untimed = s["id"] in STORMS + SEQUENTIAL
                us_per_req = (cores * 1e6 / s["rps"]) if s.get("rps") and cores and not untimed else None
                rows.append([
                    s["id"], SHORT.get(s["id"], s["key"]) + (" (failed: %s)" % s["failed"] if s.get("failed") else ""),
                    "–" if untimed else fnum(s.get("rps")), fms(s.get("p50_ms")), fms(s.get("p99_ms")),
                    fnum(s.get("errors")) if s.get("errors") is not None else "–",
                    ("%.0f %%" % (ratio * 100)) if ratio is not None else "–",
                    srv_cpu, fnum(us_per_req) if us_per_req else "–",
                    fnum(cpu.get("loadgen_cores"), 2), fnum(cpu.get("other_cores"), 2),
                    fnum(s.get("bytes_per_response")),
                    fnum(rss_after / 1024.0) if rss_after else "–",
                ])
            w(table(["#", "scenario", "req/s", "p50 ms", "p99 ms", "errors", "÷ ceiling B",
                     "server CPU", "CPU µs/req", "wrk CPU", "other CPU", "bytes/resp", "RSS after (MiB)"], rows,
                    ["--:", "---", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:"]))
            w("")
            w("CPU columns are cores used on average during the measured run (of %s): the server "
              "process%s, wrk itself, and everything else on the machine (should be ≈ 0). "
              "CPU µs/req: server (and PostgreSQL) CPU time per answered request. "
              "RSS after: the server's resident memory when the scenario ended.%s"
              % (m.get("nproc", "?"), " + PostgreSQL's processes" if backend == "postgres" else "",
                 storm_note([s["id"] for s in r["scenarios"]])))
            w("")
            w("Peak server RSS (VmHWM): **%s MiB** (%s MiB when ready, %s MiB before login%s). "
              "Server stop on SIGTERM: %s in %s s. Database after the run: %s."
              % (srv.get("peak_rss_mib", "–"), srv.get("rss_at_ready_mib", "–"),
                 srv.get("peak_rss_before_login_mib", "–"),
                 ("; at most %s MiB of it anonymous at the end of a scenario, the rest file-backed: the "
                  "binary and SQLite's memory-mapped pages, counted once per pooled connection, which the "
                  "kernel reclaims like any page cache" % srv["max_rss_anon_mib"])
                 if srv.get("max_rss_anon_mib") is not None else "",
                 "clean (exit 0)" if srv.get("exit_code") == 0 else "exit %s" % srv.get("exit_code"),
                 fnum(srv.get("stop_seconds"), 1), fmb(r.get("db_size_bytes_after_run"))))
            for s in r["scenarios"]:
                if s.get("sample_error"):
                    w("")
                    w("- Scenario %d, first non-2xx: `%s` (status counts: %s)" % (
                        s["id"], s["sample_error"][:200].replace("`", "'").replace("\n", " "),
                        json.dumps(s.get("status_counts"))))
                se = s.get("socket_errors") or {}
                if any(se.values()):
                    w("")
                    w("- Scenario %d socket errors: %s" % (s["id"], json.dumps(se)))
            mark = scenario(r, 8)
            if mark and mark.get("records_changed_per_request") is not None:
                w("")
                w("Scenario 8 alternates two bodies that differ in all 250 records; %s attendance "
                  "changes were written during the run, %s per request (the rest were no-ops: "
                  "two concurrent PUTs with the same body)."
                  % (fnum(mark["records_changed"]), mark["records_changed_per_request"]))
            w("")

    comp = doc.get("scale_comparison") or []
    if comp:
        w("## Scale comparison (scenarios 3–6)")
        w("")
        rows = []
        for c in comp:
            rows.append([BACKEND_NAMES.get(c["backend"], c["backend"]), "%d %s" % (c["scenario"], SHORT[c["scenario"]]),
                         fnum(c["base"]["rps"]), fnum(c["other"]["rps"]),
                         fms(c["base"]["p50_ms"]), fms(c["other"]["p50_ms"]),
                         "**%.2f×**" % c["p50_ratio"] if c.get("p50_ratio") is not None else "–",
                         fms(c["base"]["p99_ms"]), fms(c["other"]["p99_ms"]),
                         "%.2f×" % c["p99_ratio"] if c.get("p99_ratio") is not None else "–"])
        b0 = comp[0]["base_scale"]
        sN = comp[0]["scale"]
        w(table(["backend", "scenario", "req/s ×%d" % b0, "req/s ×%d" % sN, "p50 ×%d" % b0, "p50 ×%d" % sN,
                 "p50 ratio", "p99 ×%d" % b0, "p99 ×%d" % sN, "p99 ratio"], rows,
                ["---", "---"] + ["--:"] * 8))
        w("")
        w("Target: p50 ratio ≤ %.1f× (the metric used for pass/fail). Latencies in ms." % SCALE_RATIO)
        w("")

    storms = [(r, next((s for s in r["scenarios"] if s["id"] == 7), None)) for r in runs]
    storms = [(r, s) for r, s in storms if s]
    if storms:
        w("## Check-in storm (scenario 7)")
        w("")
        w("The trainer opens the check-in window, then all learners of the cohort send their check-in "
          "with the current code at once: wrk with one connection per learner (`-c<learners>`), "
          "`scripts/bench/storm.lua` sends each learner's token exactly once (extra requests are "
          "parked with `delay()`; each thread stops once its share is answered). Afterwards the "
          "trainer's roster is read back: every learner must be `present` or `late`.")
        w("")
        rows = []
        for r, s in storms:
            v = s.get("verify") or {}
            sc = s.get("status_counts") or {}
            rows.append([BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"],
                         s.get("answered", "–"), "%s / %s" % (sc.get("201", 0), sc.get("200", 0)),
                         fnum(s.get("errors")), "%s / %s" % (v.get("learners_recorded", "–"), v.get("learners_expected", "–")),
                         fms(s.get("p50_ms")), fms(s.get("p99_ms")), fms(s.get("max_ms")),
                         passfail(v.get("ok")) if v else "–"])
        w(table(["backend", "scale", "answered", "201 / 200", "errors", "recorded", "p50 ms", "p99 ms",
                 "last answer ms", "all recorded"], rows, ["---", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", ":-:"]))
        w("")

    rushes = [(r, next((s for s in r["scenarios"] if s["id"] == 17), None)) for r in runs]
    rushes = [(r, s) for r, s in rushes if s]
    if rushes:
        w("## Event registration storm (scenario 17)")
        w("")
        w("The admin creates a fresh published event with 100 seats (`POST /api/v1/events`), then 300 "
          "guests register at once, each with an email of their own and no account: one connection each, "
          "opened beforehand, all requests sent within a few milliseconds by `scripts/bench/ctl.py "
          "event-storm` (wrk's scripts send one body to every connection). Every registration locks the "
          "event's row, so they queue. Afterwards `GET /api/v1/events/{id}` must show 100 registered and "
          "200 waitlisted, and the admin's list of registrations places 1–300 with exactly places 1–100 "
          "seated, as the guests were told.")
        w("")
        rows = []
        for r, s in rushes:
            v = s.get("verify") or {}
            sc = s.get("status_counts") or {}
            rows.append([BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"],
                         s.get("answered", "–"), fms(s.get("send_spread_ms")), sc.get("201", 0),
                         fnum(s.get("errors")),
                         "%s / %s" % (v.get("registered", "–"), v.get("waitlisted", "–")),
                         fms(s.get("p50_ms")), fms(s.get("p99_ms")), fms(s.get("max_ms")),
                         passfail(v.get("ok")) if v else "–"])
        w(table(["backend", "scale", "answered", "all sent within ms", "201", "errors",
                 "registered / waitlisted", "p50 ms", "p99 ms", "last answer ms",
                 "first come, first seated"], rows,
                ["---", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", ":-:"]))
        w("")

    writes = [(r, s) for r in runs for s in r["scenarios"] if s["id"] in SEQUENTIAL and s.get("phases")]
    if writes:
        w("## Heavy writes of coordinators and trainers (scenarios 20–21, issue 17)")
        w("")
        w("Not a load: each phase sends its requests one after another on one kept-alive connection "
          "(`scripts/bench/ctl.py sequential`), %s per phase here, each into a fresh cohort that the "
          "fixture's coordinator created beforehand (`ctl.py open-import`, `open-series`, not measured). "
          "**20**: `POST /api/v1/cohorts/{id}/members/import` with a 250-line `text/csv` body "
          "(email, full name, country), first as dry runs (`?dry_run=true`, all into one empty cohort, "
          "which is checked empty afterwards), then real runs, each with a file of its own of addresses "
          "new to the database: each creates 250 accounts, seats them and sends 250 invitations. "
          "**21**: `POST /api/v1/cohorts/{id}/sessions/series`, a weekly session of 90 minutes, 40 "
          "occurrences, led by the fixture's trainer, run k a year ahead plus k × 41 weeks (the clash "
          "check runs and finds nothing). CPU ms/request: the time the server's threads (and the "
          "processes of its PostgreSQL cluster) spent on a CPU during the phase, from "
          "`/proc/<pid>/task/*/schedstat` (nanoseconds) read before and after it, divided by its "
          "requests; the 10 ms ticks of `/proc/<pid>/stat`, kept in the JSON too, agree within their "
          "resolution."
          % fnum(settings.get("BENCH_SEQ_REQUESTS") or "?"))
        w("")
        rows = []
        for r, s in writes:
            for ph in s["phases"]:
                lat = ph.get("latency_ms") or {}
                srv = ph.get("server_cpu_ms_per_request")
                pg = ph.get("postgres_cpu_ms_per_request")
                rows.append([BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"],
                             "%d %s" % (s["id"], SHORT[s["id"]]), PHASES.get(ph["name"], ph["name"]),
                             ph.get("requests"), fms(lat.get("p50")), fms(lat.get("p95")),
                             fms(lat.get("max")), fnum(srv, 1),
                             fnum(pg, 1) if pg is not None else "–",
                             fnum((srv or 0) + (pg or 0), 1) if srv is not None else "–",
                             "%d" % ph.get("check_failures", 0) + ("" if not ph.get("no_answer") else
                                                                   " (+%d unanswered)" % ph["no_answer"])])
        w(table(["backend", "scale", "scenario", "phase", "requests", "p50 ms", "p95 ms", "max ms",
                 "server CPU ms/req", "PostgreSQL CPU ms/req", "total CPU ms/req", "failed checks"], rows,
                ["---", "--:", "---", "---", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:"]))
        w("")

    mobiles = [r for r in runs if r.get("mobile")]
    if mobiles:
        w("## Low-bandwidth mobile (issue 16)")
        w("")
        w("Measured by `scripts/bench/ctl.py mobile` on the quiet server before the scenarios: the size of "
          "`GET /api/v1/me/home` (gzip) for each learner token of scenarios 18–19 (the fixture's learners, whose "
          "cohorts are over, then the running cohort's 250, who have sessions ahead), then, for the learner "
          "with the largest home (%s), the rest. Bytes are the body as received (gzip when compressed); \"wire\" adds "
          "the status line and headers. The first sync pages through `GET /api/v1/sync?limit=%s` until "
          "`more` is false, sequentially on one kept-alive connection, once with `Accept-Encoding: gzip` "
          "(timed: what a phone does) and once without; the re-sync then sends its last `next` back "
          "(nothing changed). Scenario 18's and 19's own requests (wrk) ask for no compression."
          % ("; ".join("%s ×%d: %s, with %s" % (
              BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"], r["mobile"].get("learner", "?"),
              ", ".join("%s: %s" % (k.replace("_", " "), n) for k, n in
                        sorted(((r["mobile"].get("home") or {}).get("counts") or {}).items())))
              for r in mobiles),
             (mobiles[0]["mobile"].get("first_sync") or {}).get("limit", "?")))
        w("")
        rows = []
        for r in mobiles:
            mob = r["mobile"]
            h = mob.get("home") or {}
            hs = mob.get("home_sample") or {}
            nm = h.get("if_none_match") or {}
            rs = mob.get("resync") or {}
            rows.append([BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"],
                         fnum(h.get("plain_body_bytes")), "**%s**" % fnum(h.get("gzip_body_bytes")),
                         fnum(h.get("gzip_wire_bytes")),
                         "%s–%s" % (fnum(hs.get("gzip_min")), fnum(hs.get("gzip_max"))) if hs else "–",
                         ("%s: %s" % (nm.get("status"), fnum(nm.get("wire_bytes")))) if nm else "–",
                         "**%s**" % fnum((rs.get("plain") or {}).get("body_bytes")),
                         fnum((rs.get("plain") or {}).get("wire_bytes")),
                         fnum((rs.get("gzip") or {}).get("body_bytes"))])
        w(table(["backend", "scale", "home, plain", "home, gzip", "home gzip, wire",
                 "home gzip, %s learners" % ((mobiles[0]["mobile"].get("home_sample") or {}).get("learners", "?")),
                 "home 304 (wire)", "re-sync, plain", "re-sync plain, wire", "re-sync, gzip"], rows,
                ["---", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:"]))
        w("")
        w("Budgets: home ≤ %s bytes gzip, unchanged re-sync < %d bytes. All sizes in bytes."
          % (fnum(HOME_GZIP_BYTES), RESYNC_BYTES))
        w("")
        rows = []
        for r in mobiles:
            fs = r["mobile"].get("first_sync") or {}
            g, p = fs.get("gzip") or {}, fs.get("plain") or {}
            kinds = ", ".join("%s %s" % (n, k) for k, n in sorted((fs.get("by_type") or {}).items(),
                                                                   key=lambda kv: -kv[1]))
            rows.append([BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"], fs.get("pages", "–"),
                         fnum(fs.get("changes")), fnum(g.get("body_bytes")), fnum(p.get("body_bytes")),
                         fms(g.get("seconds") * 1000.0) if g.get("seconds") is not None else "–",
                         fms(p.get("seconds") * 1000.0) if p.get("seconds") is not None else "–", kinds])
        w(table(["backend", "scale", "pages", "changes", "bytes gzip", "bytes plain", "ms (gzip)",
                 "ms (plain)", "changes by type"], rows,
                ["---", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "---"]))
        w("")
        w("Compressing a 45 KB page takes about a millisecond: a gzip time tens of milliseconds above "
          "the plain one is time spent waiting on the connection, e.g. the last piece of a compressed "
          "(chunked) answer held back by Nagle's algorithm on the server's socket until the client's delayed "
          "ACK (≈ 40 ms on Linux), once per answer on a kept-alive connection.")
        w("")
        prep = [(r, next((s for s in r["scenarios"] if s["id"] == 19 and s.get("since_tokens")), None))
                for r in runs]
        prep = [(r, s) for r, s in prep if s]
        if prep:
            w("Scenario 19's since tokens: before its load, every learner token pages through a first sync "
              "(`limit=%s`) to its end (`ctl.py sync-tokens`), and request k carries token k with its own "
              "final `next` (`sync.paths` and `sync.tokens` are as long as each other and in the same order; "
              "`load.lua` formats request k from line k of both). Afterwards every pair is sent once more and "
              "must still answer `{\"changes\":[],…,\"more\":false}` (`ctl.py verify-sync`). %s"
              % (prep[0][1]["since_tokens"].get("limit", "?"),
                 " ".join("%s ×%d: %s learners in %s s, %s–%s changes each, %s/%s re-syncs unchanged after the run."
                          % (BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"],
                             s["since_tokens"].get("learners"), s["since_tokens"].get("seconds"),
                             s["since_tokens"].get("changes_min"), s["since_tokens"].get("changes_max"),
                             (s.get("verify") or {}).get("unchanged", "?"), (s.get("verify") or {}).get("pairs", "?"))
                          for r, s in prep)))
            w("")

    logins = [r for r in runs if r.get("login")]
    if logins:
        w("## Login vs the argon2 ceiling (scenario 9)")
        w("")
        rows = []
        for r in logins:
            lg = r["login"]
            s = scenario(r, 9)
            cpu = (s.get("cpu") or {}).get("server_cores")
            cpu_ms = cpu * 1000.0 / lg["rps"] if cpu and lg.get("rps") else None
            rows.append([BACKEND_NAMES.get(r["backend"], r["backend"]), r["scale"], fnum(lg["rps"], 1),
                         fms(s.get("p50_ms")), fms(s.get("p99_ms")), fnum(lg["argon2_hash_ms"], 1),
                         fnum(lg["ceiling_rps"], 1), "%.0f %%" % (lg["ratio_to_ceiling"] * 100),
                         fnum(cpu_ms, 1)])
        w(table(["backend", "scale", "logins/s", "p50 ms", "p99 ms", "argon2id hash ms (fixture)",
                 "ceiling: %s cores × 1000 / hash ms" % m.get("nproc", "?"), "of ceiling",
                 "server CPU ms per login"], rows,
                ["---", "--:", "--:", "--:", "--:", "--:", "--:", "--:", "--:"]))
        w("")
        w("Login is bound by argon2id by design (one hash per attempt, PASSWORD_HASH_CONCURRENCY, "
          "default: cores, at a time). The hash time is the median of a few hashes timed by "
          "`griot bench-fixture` just before the run, so it is noisy (±30 % between runs); the server's "
          "own CPU per login, measured during the run, is the steadier figure of what one login costs.")
        w("")

    w("## Commands")
    w("")
    cmds = doc.get("commands") or {}
    w("```sh")
    w("%s   # this report" % (cmds.get("invocation") or "scripts/bench.sh"))
    w("%s" % cmds.get("build"))
    shown = False
    for r in runs:
        if shown:
            break
        shown = True
        w("# per backend and scale (%s, scale %d shown):" % (r["backend"], r["scale"]))
        w("griot migrate")
        w((r.get("seed") or {}).get("command", "griot seed --scale N"))
        w((r.get("fixture") or {}).get("command", "griot bench-fixture"))
        w((r.get("server") or {}).get("command", "griot serve"))
        for s in r["scenarios"]:
            if s.get("id") == 17:
                w("# 17: POST /api/v1/events {capacity: 100, status: published} (admin), then:")
            if s.get("id") == 7:
                w("# 7: POST /api/v1/sessions/{storm_session_id}/check-in-window {\"minutes\": 30} (trainer), then:")
            if s.get("id") == 19:
                w("# 19: each learner token: GET /api/v1/sync?limit=500, then ?since=<next> until more is false "
                  "(ctl.py sync-tokens), then:")
            if s.get("id") == 20:
                w("# 20: the coordinator creates N+1 fresh cohorts of 250 seats (POST /api/v1/cohorts) and "
                  "250-line CSVs (ctl.py open-import), then:")
            if s.get("id") == 21:
                w("# 21: the coordinator creates N fresh cohorts and enrols the trainer "
                  "(POST /api/v1/cohorts, POST /api/v1/cohorts/{id}/members; ctl.py open-series), then:")
            if s.get("command"):
                w(s["command"])
            if s.get("id") == 7:
                w("# then GET /api/v1/sessions/{storm_session_id}/attendance (trainer): all present or late")
            if s.get("id") == 17:
                w("# then GET /api/v1/events/{id} and GET /api/v1/events/{id}/registrations (admin): "
                  "100 registered, 200 waitlisted, places 1-100 seated")
    w("```")
    w("")
    w("`<in>/` is the run's folder of plain-text inputs derived from the fixture by "
      "`scripts/bench/ctl.py prepare`; the wrk scripts are in `scripts/bench/`. "
      "PostgreSQL runs go through `scripts/with-postgres.sh` (database `griot_bench`).")
    w("")
    return "\n".join(md)


# ---------------------------------------------------------------------------
def smoke_failures(doc):
    problems = []
    runs = doc.get("runs") or []
    if not runs:
        problems.append("no run completed")
    for r in runs:
        name = "%s scale %d" % (r["backend"], r["scale"])
        if r.get("status") != "ok":
            problems.append("%s: run status %s" % (name, r.get("status")))
        seen = {s["id"] for s in r["scenarios"]}
        wanted = [s[0] for s in SCENARIOS]
        sel = ((doc.get("settings") or {}).get("BENCH_SCENARIOS") or "").split()
        if sel:
            wanted = [int(x) for x in sel]
        for sid in wanted:
            if sid not in seen:
                problems.append("%s: scenario %d did not run" % (name, sid))
        for s in r["scenarios"]:
            tag = "%s: scenario %d (%s)" % (name, s["id"], s["key"])
            if s.get("failed"):
                problems.append("%s failed: %s" % (tag, s["failed"]))
                continue
            if not s.get("requests"):
                problems.append("%s: no request completed" % tag)
            if s.get("non2xx"):
                problems.append("%s: %d non-2xx answers, first: %s" % (tag, s["non2xx"], (s.get("sample_error") or "")[:200]))
            se = s.get("socket_errors") or {}
            if any(se.values()):
                problems.append("%s: socket errors %s" % (tag, json.dumps(se)))
            if s["id"] == 7:
                v = s.get("verify") or {}
                if not v.get("ok"):
                    problems.append("%s: not every learner recorded: %s" % (tag, json.dumps(v)))
            if s["id"] == 17:
                v = s.get("verify") or {}
                if not v.get("ok"):
                    problems.append("%s: the seats did not go to the first 100: %s" % (tag, json.dumps(v)))
            if s["id"] == 19:
                v = s.get("verify") or {}
                if not v.get("ok"):
                    problems.append("%s: not every re-sync answered nothing changed: %s" % (tag, json.dumps(v)))
            if s["id"] in SEQUENTIAL:
                for ph in s.get("phases") or []:
                    if ph.get("check_failures") or ph.get("no_answer") or ph.get("answered") != ph.get("requests"):
                        problems.append("%s, %s: %s of %s answered, %s failed checks, first: %s" % (
                            tag, ph.get("name"), ph.get("answered"), ph.get("requests"),
                            ph.get("check_failures"), (ph.get("first_problem") or "")[:300]))
                if not s.get("phases"):
                    problems.append("%s: no phase ran" % tag)
                if s["id"] == 20 and not (s.get("verify") or {}).get("ok"):
                    problems.append("%s: the dry runs' cohort is not empty: %s" % (tag, json.dumps(s.get("verify"))))
        if seen & {18, 19}:
            mob = r.get("mobile") or {}
            if not mob:
                problems.append("%s: no mobile measurements (ctl.py mobile)" % name)
            elif not ((mob.get("resync") or {}).get("unchanged") and (mob.get("home") or {}).get("gzip_decodes_to_plain")):
                problems.append("%s: mobile measurements: re-sync not unchanged or gzip home unlike the plain one: %s"
                                % (name, json.dumps({"resync": mob.get("resync"), "home": mob.get("home")})[:400]))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--work", required=True)
    b.add_argument("--json", required=True)
    b.add_argument("--md", required=True)
    b.add_argument("--check-smoke", action="store_true")
    r = sub.add_parser("render")
    r.add_argument("--json", required=True)
    r.add_argument("--md", required=True)
    args = ap.parse_args()
    if args.cmd == "render":
        doc = load(args.json)
        if doc is None:
            sys.exit("report: cannot read %s" % args.json)
    else:
        doc = build(args.work)
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=False)
            f.write("\n")
        os.replace(tmp, args.json)
    # Sections written elsewhere are kept as they are, each between
    # <!-- NAME:begin --> and <!-- NAME:end -->: the files section
    # (scripts/bench-files.sh), targeted runs of a few scenarios.
    kept = ""
    if os.path.exists(args.md):
        old = open(args.md).read()
        for m in re.finditer(r"<!-- ([a-z0-9_-]+):begin -->.*?<!-- \1:end -->", old, re.S):
            kept += "\n" + m.group(0) + "\n"
    with open(args.md + ".tmp", "w") as f:
        f.write(render(doc))
        f.write(kept)
    os.replace(args.md + ".tmp", args.md)
    if args.cmd == "build":
        missed = [t for t in doc["targets"] if t["pass"] is False]
        sys.stderr.write("report: %d runs, %d target checks, %d missed%s\n" % (
            len(doc["runs"]), len(doc["targets"]), len(missed),
            " (informational: the smoke run checks only that everything answers)" if args.check_smoke else ""))
        if not args.check_smoke:
            for t in missed:
                sys.stderr.write("report:   missed: %s scale %s: %s (%s vs %s)\n" % (
                    t["backend"], t["scale"], t["target"], t["value"], t["threshold"]))
        if args.check_smoke:
            problems = smoke_failures(doc)
            for p in problems:
                sys.stderr.write("smoke: %s\n" % p)
            if problems:
                sys.stderr.write("smoke: FAILED (%d problems)\n" % len(problems))
                sys.exit(1)
            sys.stderr.write("smoke: ok (every scenario answered 2xx only; the storm recorded everyone; "
                             "the event storm seated the first 100; every re-sync was unchanged; "
                             "imports and series reported what they should)\n")


if __name__ == "__main__":
    main()
