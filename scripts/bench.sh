#!/usr/bin/env bash
# Load benchmark of griot on realistic seeded data (issue 5).
#
#   scripts/bench.sh [sqlite|postgres|both] [scale...]   full run (default: both 1 10)
#   scripts/bench.sh smoke [sqlite|postgres|both]        CI smoke run (default: sqlite)
#   scripts/bench.sh report                              re-render BENCHMARKS.md from BENCHMARKS.json
#
# For each backend and scale: a fresh database (SQLite file in a temp dir, or
# a database `griot_bench` in a throw-away PostgreSQL 15 started through
# scripts/with-postgres.sh), `griot seed --scale N` (timed), `griot
# bench-fixture` (tokens and ids), `griot serve`, then scenarios 1-9 of
# issue 5 driven by wrk (scripts/bench/load.lua, scripts/bench/storm.lua),
# 13-15 of issue 14, and 16-17 of issue 15 (the public events list; 300
# guests racing for the 100 seats of a fresh event, sent by `ctl.py
# event-storm`, one body each), the server's CPU and peak RSS, and a clean
# SIGTERM stop. Scenarios 18-19 of issue 16 (low-bandwidth mobile), over
# the fixture's learners (cohorts that are over) and the running cohort's
# (sessions ahead): GET /api/v1/me/home, and GET /api/v1/sync with the
# learner's own up-to-date since token (found by `ctl.py sync-tokens` once
# the server is up: each learner pages through a first sync to its end),
# checked afterwards to have answered "nothing changed" (`ctl.py
# verify-sync`).
# With either, `ctl.py mobile` also measures the bytes on the wire of
# /me/home (gzip and plain) and of an unchanged re-sync, and one learner's
# full first sync (pages, changes, bytes, time), before the scenarios run.
# Scenarios 20-21 of issue 17 are heavy writes, so not a wrk load but
# BENCH_SEQ_REQUESTS requests one after another (`ctl.py sequential`),
# each into a fresh cohort the fixture's coordinator makes beforehand
# (`ctl.py open-import`, `open-series`), with the server's CPU time read
# around each phase: 20, a 250-line CSV import, dry runs (all into one
# empty cohort, which must still be empty after) then real runs (each its
# own file of new addresses: 250 accounts, seats and invitations); 21, a
# weekly series of 40 led by the fixture's trainer, run k a year ahead plus
# k x 41 weeks, so no run clashes with another.
# Scenarios 3-6 are compared across scales. Results:
# BENCHMARKS.md and BENCHMARKS.json in the repository root (a full run), or
# in the temp dir (smoke; printed).
#
# The smoke run (CI) builds in debug, seeds `--scale 1 --cohorts 2`, runs
# each scenario for 2 s, and fails if any request got a non-2xx answer or a
# socket error, if the storm did not record every learner, or if the event
# storm did not end with exactly 100 registered and 200 waitlisted, seated
# in the order they came, or if the re-syncs of scenario 19 did not all
# answer "nothing changed", or if an import or series of 20-21 did not
# report what it should (250 created and enrolled; 40 occurrences).
# Target misses never fail a run; a broken run (seed, server, wrk) does.
#
# Environment (defaults: full run / smoke):
#   BENCH_SECONDS        seconds per duration-based scenario (10 / 2)
#   BENCH_WARMUP         unmeasured warm-up seconds before scenarios 1-6 and 8 (2 / 0)
#   BENCH_CONNECTIONS    wrk connections (32); BENCH_THREADS wrk threads (2)
#   BENCH_STORM_SECONDS  wall time given to the storm's wrk (5 / 3); the event
#                        storm waits for its answers at least 30 s
#   BENCH_WORKERS        server WORKERS (2); BENCH_POOL server DB_POOL_SIZE (8)
#   BENCH_USERS          learner tokens in the fixture (1000 / 200)
#   BENCH_SEQ_REQUESTS   requests per phase of scenarios 20-21 (20 / 2)
#   BENCH_COHORTS        seed --cohorts (unset / 2)
#   BENCH_SCENARIOS      subset to run, e.g. "1 2 3" (all)
#   BENCH_PG_ANALYZE     1: VACUUM (ANALYZE) the PostgreSQL database after seeding (1)
#   BENCH_OUT_DIR        where BENCHMARKS.md/.json go (repository root / temp dir)
#   BENCH_BIN            use this griot binary instead of building one
#   BENCH_KEEP=1         keep the temp dir (databases, logs, wrk output)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/scripts/bench.sh"
LIB="$ROOT/scripts/bench"
PROG=bench

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
ctl() { python3 "$LIB/ctl.py" "$@"; }

usage() {
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
}

# --------------------------------------------------------------------------
# Tools.
# --------------------------------------------------------------------------
ensure_tools() {
    local need_psql=$1
    command -v python3 >/dev/null 2>&1 || die "python3 is required (the aggregation and helpers use it)"
    if ! command -v wrk >/dev/null 2>&1; then
        if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
            log "wrk not found; installing Debian's package wrk with apt-get"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq </dev/null >&2 || die "apt-get update failed; install wrk (Debian/Ubuntu: apt-get install wrk) and retry"
            apt-get install -y -qq --no-install-recommends wrk </dev/null >&2 ||
                die "apt-get install wrk failed; install wrk 4.x by hand and retry"
        else
            die "wrk is not installed and cannot be installed from here (needs root and apt-get).
  Install it (Debian/Ubuntu: sudo apt-get install wrk) and retry."
        fi
        command -v wrk >/dev/null 2>&1 || die "wrk installed but not on PATH"
    fi
    if [[ "$need_psql" == 1 ]] && ! command -v psql >/dev/null 2>&1; then
        if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
            log "psql not found; installing postgresql-client with apt-get"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq </dev/null >&2 || die "apt-get update failed"
            apt-get install -y -qq --no-install-recommends postgresql-client </dev/null >&2 ||
                die "apt-get install postgresql-client failed"
        else
            die "psql is required for the PostgreSQL run (Debian/Ubuntu: apt-get install postgresql-client)"
        fi
    fi
}

build() {
    local profile=$1 target_dir
    if [[ -n "${BENCH_BIN:-}" ]]; then
        [[ -x "$BENCH_BIN" ]] || die "BENCH_BIN=$BENCH_BIN is not an executable"
        BIN="$BENCH_BIN"
        BUILD_CMD="(BENCH_BIN=$BENCH_BIN, not built)"
        return
    fi
    command -v cargo >/dev/null 2>&1 || die "cargo is required to build griot (or set BENCH_BIN)"
    if [[ "$profile" == release ]]; then
        BUILD_CMD="cargo build --release --bin griot"
    else
        BUILD_CMD="cargo build --bin griot"
    fi
    log "building: $BUILD_CMD"
    (cd "$ROOT" && $BUILD_CMD) || die "build failed: $BUILD_CMD"
    target_dir="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')" ||
        target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
    BIN="$target_dir/$([[ "$profile" == release ]] && echo release || echo debug)/griot"
    [[ -x "$BIN" ]] || die "built, but $BIN is missing"
}

check_binary() {
    local sub
    for sub in seed bench-fixture; do
        "$BIN" "$sub" --help >/dev/null 2>&1 ||
            die "$BIN has no '$sub' subcommand (issue 5's Rust half): rebuild from a tree that has it"
    done
}

# --------------------------------------------------------------------------
# One backend, one or more scales (runs inside scripts/with-postgres.sh for
# PostgreSQL). Everything it needs comes from the exported BENCH_* variables.
# --------------------------------------------------------------------------
SERVER_PID=""

# Sets STOP_RC to the server's exit status (not in a subshell: it must wait).
STOP_RC=""
STOP_MS=""
stop_server() {
    local pid=$SERVER_PID rc=0 t0
    STOP_RC=""
    [[ -n "$pid" ]] || return 0
    SERVER_PID=""
    t0="$(now_ms)"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || break
            [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && break
            sleep 0.1
        done
        # Still running: a state that is not Z. None at all means bash has
        # just reaped it (an exit between the two checks, not a hang).
        local state
        state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
        if [[ -n "$state" && "$state" != Z ]]; then
            log "server (pid $pid) did not stop within 30 s of SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    STOP_RC=$rc
    STOP_MS=$(($(now_ms) - t0))
}

# shellcheck disable=SC2317 # invoked from a trap
backend_cleanup() {
    local rc=$?
    trap - EXIT
    set +e
    if [[ -n "$SERVER_PID" ]]; then
        log "stopping the server (pid $SERVER_PID)"
        stop_server
    fi
    exit "$rc"
}

show_tail() {
    local file=$1 what=$2
    if [[ -s "$file" ]]; then
        log "$what (last 20 lines of $file):"
        tail -n 20 "$file" | sed 's/^/    /' >&2
    fi
}

server_alive() {
    [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null &&
        [[ "$(awk '{print $3}' "/proc/$SERVER_PID/stat" 2>/dev/null)" != Z ]]
}

# run_wrk <out-prefix> <seconds> <script> <connections> <timeout> <method> <paths> <tokens> <bodies>
# Files are relative to $IN ("-" for none). Writes <out-prefix>.wrk.txt (wrk's
# output), .cmd.txt (the command) and .measure.json (server CPU/RSS snapshots
# before and after, and wrk's own CPU time).
run_wrk() {
    local out=$1 secs=$2 script=$3 conns=$4 timeout=$5 method=$6 paths=$7 tokens=$8 bodies=$9
    local -a envs=("BENCH_LUA_DIR=$LIB" "BENCH_THREADS=$BENCH_THREADS" "BENCH_METHOD=$method"
        "BENCH_PATHS=$IN/$paths")
    [[ "$tokens" != - ]] && envs+=("BENCH_TOKENS=$IN/$tokens")
    [[ "$bodies" != - ]] && envs+=("BENCH_BODIES=$IN/$bodies")
    local -a cmd=(wrk "-t$BENCH_THREADS" "-c$conns" "-d${secs}s" --timeout "${timeout}s"
        -s "$LIB/$script" "$BASE_URL")
    printf '%s ' "${envs[@]}" "${cmd[@]}" |
        sed "s#$IN/#<in>/#g; s#$ROOT/##g; s# \$##" >"$out.cmd.txt"
    echo >>"$out.cmd.txt"
    local pg_flag=()
    [[ "$BACKEND" == postgres ]] && pg_flag=(--postgres)
    ctl measure "$SERVER_PID" "${pg_flag[@]}" "$out.measure.json" "$out.wrk.txt" -- \
        env "${envs[@]}" "${cmd[@]}"
}

# run_event_storm <out-prefix>: scenario 17's burst, measured like run_wrk
# (same output files), but sent by ctl.py: each guest has a body of their own.
run_event_storm() {
    local out=$1 secs=$((BENCH_STORM_SECONDS > 30 ? BENCH_STORM_SECONDS : 30))
    local -a cmd=(python3 "$LIB/ctl.py" event-storm "$BASE_URL" "$IN" "$secs")
    printf '%s ' "${cmd[@]}" | sed "s#$IN#<in>#g; s#$ROOT/##g; s# \$##" >"$out.cmd.txt"
    echo >>"$out.cmd.txt"
    local pg_flag=()
    [[ "$BACKEND" == postgres ]] && pg_flag=(--postgres)
    ctl measure "$SERVER_PID" "${pg_flag[@]}" "$out.measure.json" "$out.wrk.txt" -- "${cmd[@]}"
}

# run_sequential <out-prefix> <kind>: scenario 20 (import) or 21 (series),
# its requests one after another, measured like run_wrk (same output
# files); ctl.py also reads the server's CPU around each phase.
run_sequential() {
    local out=$1 kind=$2
    local pg_flag=()
    [[ "$BACKEND" == postgres ]] && pg_flag=(--postgres)
    local -a cmd=(python3 "$LIB/ctl.py" sequential "$SERVER_PID" "${pg_flag[@]}" "$BASE_URL" "$IN" "$kind")
    printf '%s ' "${cmd[@]}" | sed "s#$IN#<in>#g; s#$ROOT/##g; s# $SERVER_PID # <server-pid> #; s# \$##" >"$out.cmd.txt"
    echo >>"$out.cmd.txt"
    ctl measure "$SERVER_PID" "${pg_flag[@]}" "$out.measure.json" "$out.wrk.txt" -- "${cmd[@]}"
}

want_scenario() {
    [[ -z "${BENCH_SCENARIOS:-}" ]] && return 0
    [[ " $BENCH_SCENARIOS " == *" $1 "* ]]
}

run_scenario() {
    local id=$1 key=$2 method=$3 paths=$4 tokens=$5 bodies=$6
    local out nn
    nn="$(printf '%02d' "$id")"
    out="$RUN_DIR/scenarios/$nn-$key"
    server_alive || {
        echo "server not running" >"$out.failed"
        return 1
    }
    if [[ "$key" == storm ]]; then
        local conns
        conns="$(grep -c . "$IN/storm.tokens")"
        log "[$BACKEND scale $SCALE] $nn $key: open the window, $conns learners check in at once"
        ctl open-window "$BASE_URL" "$IN" >"$out.window.json" || {
            echo "could not open the check-in window" >"$out.failed"
            return 1
        }
        run_wrk "$out" "$BENCH_STORM_SECONDS" storm.lua "$conns" "$BENCH_STORM_SECONDS" \
            "$method" "$paths" "$tokens" "$bodies" || true
        ctl verify-storm "$BASE_URL" "$IN" >"$out.verify.json" || true
    elif [[ "$key" == event_storm ]]; then
        log "[$BACKEND scale $SCALE] $nn $key: the admin opens a fresh event, guests rush for its seats"
        ctl open-event "$BASE_URL" "$IN" >"$out.event.json" || {
            echo "could not create the event" >"$out.failed"
            return 1
        }
        run_event_storm "$out" || true
        ctl verify-event-storm "$BASE_URL" "$IN" >"$out.verify.json" || true
    elif [[ "$key" == import || "$key" == series ]]; then
        log "[$BACKEND scale $SCALE] $nn $key: fresh cohorts, then $BENCH_SEQ_REQUESTS requests per phase, one after another"
        ctl "open-$key" "$BASE_URL" "$IN" "$BENCH_SEQ_REQUESTS" >"$out.prep.json" || {
            echo "could not prepare the cohorts" >"$out.failed"
            return 1
        }
        run_sequential "$out" "$key" || true
    else
        if [[ "$key" == sync ]]; then
            # Each learner's own since token, from this server, as late as
            # possible: line k of sync.paths goes with line k of sync.tokens.
            log "[$BACKEND scale $SCALE] $nn $key: every learner token pages through a first sync"
            ctl sync-tokens "$BASE_URL" "$IN" >"$out.tokens.json" || {
                echo "could not get the learners' since tokens" >"$out.failed"
                return 1
            }
            sed 's/^/    since tokens: /' "$out.tokens.json" >&2
        fi
        log "[$BACKEND scale $SCALE] $nn $key: ${BENCH_SECONDS}s at c=$BENCH_CONNECTIONS"
        if [[ "$BENCH_WARMUP" != 0 && "$key" != login ]]; then
            run_wrk "$out.warmup" "$BENCH_WARMUP" load.lua "$BENCH_CONNECTIONS" 10 \
                "$method" "$paths" "$tokens" "$bodies" || true
            rm -f "$out.warmup.cmd.txt" "$out.warmup.measure.json"
        fi
        local before_changes="null" after_changes="null"
        [[ "$key" == mark ]] && before_changes="$(ctl count-changes "$DATABASE_URL" "$SESSION_ID" || echo null)"
        run_wrk "$out" "$BENCH_SECONDS" load.lua "$BENCH_CONNECTIONS" 10 \
            "$method" "$paths" "$tokens" "$bodies" || true
        if [[ "$key" == mark ]]; then
            after_changes="$(ctl count-changes "$DATABASE_URL" "$SESSION_ID" || echo null)"
            printf '{"changes_before": %s, "changes_after": %s}\n' "$before_changes" "$after_changes" >"$out.extra.json"
        fi
        if [[ "$key" == sync ]]; then
            ctl verify-sync "$BASE_URL" "$IN" >"$out.verify.json" || true
        fi
    fi
    if ! ctl result "$out.wrk.txt" >"$out.result.json" 2>/dev/null; then
        show_tail "$out.wrk.txt" "wrk output"
        echo "wrk printed no result" >"$out.failed"
        return 1
    fi
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
lat=r.get("latency_ms") or {}
head = ("%d answered" % r["answered"]) if "answered" in r else ("%.0f req/s" % r["rps"])
print("    %s  p50 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d" % (head, lat.get("p50",0), lat.get("p99",0), lat.get("max",0), r["errors"]))
for p in r.get("phases") or []:
    pl = p.get("latency_ms") or {}
    cpu = "server CPU %.1f ms/request" % p["server_cpu_ms_per_request"] if "server_cpu_ms_per_request" in p else ""
    if "postgres_cpu_ms_per_request" in p:
        cpu += " + PostgreSQL %.1f" % p["postgres_cpu_ms_per_request"]
    print("    %-9s %d requests  p50 %.1f ms  p95 %.1f ms  %s  check failures %d" % (p["name"], p["requests"], pl.get("p50", 0), pl.get("p95", 0), cpu, p["check_failures"]))' \
        "$out.result.json" >&2
    [[ -f "$out.verify.json" ]] && sed 's/^/    check: /' "$out.verify.json" >&2
    return 0
}

run_one() {
    BACKEND=$1 SCALE=$2
    RUN_DIR="$BENCH_WORK/runs/$BACKEND-s$SCALE"
    IN="$RUN_DIR/in"
    local data_dir="$RUN_DIR/data" meta="$RUN_DIR/run.json" seed_args t0 ms rc line
    rm -rf "$RUN_DIR"
    mkdir -p "$RUN_DIR/scenarios" "$data_dir" "$IN"
    ctl put-str "$meta" backend "$BACKEND"
    ctl put "$meta" scale "$SCALE"
    ctl put "$meta" status '"incomplete"'

    if [[ "$BACKEND" == postgres ]]; then
        [[ -n "${TEST_DATABASE_URL:-}" ]] || die "postgres run outside scripts/with-postgres.sh"
        psql -XqAt -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS griot_bench" \
            -c "CREATE DATABASE griot_bench" >/dev/null || die "could not create database griot_bench"
        DATABASE_URL="${TEST_DATABASE_URL%/*}/griot_bench"
        ctl put-str "$meta" postgres_version "$(psql -XAtqc 'SHOW server_version' || echo unknown)"
        ctl put "$meta" postgres_settings "$(psql -XAtqc "SELECT json_object_agg(name, setting) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_connections')" || echo null)"
    else
        DATABASE_URL="sqlite://$data_dir/griot.db"
    fi
    export DATABASE_URL DATA_DIR="$data_dir" RUST_LOG=warn
    JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
    export JWT_SECRET

    seed_args=(--scale "$SCALE")
    [[ -n "${BENCH_COHORTS:-}" ]] && seed_args+=(--cohorts "$BENCH_COHORTS")
    log "[$BACKEND scale $SCALE] migrate + seed: griot seed ${seed_args[*]}"
    "$BIN" migrate >"$RUN_DIR/migrate.log" 2>&1 || {
        show_tail "$RUN_DIR/migrate.log" "griot migrate"
        die "griot migrate failed"
    }
    t0="$(now_ms)"
    "$BIN" seed "${seed_args[@]}" >"$RUN_DIR/seed.log" 2>&1 || {
        show_tail "$RUN_DIR/seed.log" "griot seed"
        die "griot seed ${seed_args[*]} failed"
    }
    ms=$(($(now_ms) - t0))
    line="$(grep -v '^\s*$' "$RUN_DIR/seed.log" | tail -n 1 || true)"
    log "    seeded in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s: $line"
    ctl put "$meta" seed.seconds "$(python3 -c "print($ms/1000)")"
    ctl put-str "$meta" seed.command "griot seed ${seed_args[*]}"
    ctl put-str "$meta" seed.output "$line"
    ctl put "$meta" db_size_bytes_after_seed "$(ctl db-size "$DATABASE_URL")"
    if [[ "$BACKEND" == postgres && "$BENCH_PG_ANALYZE" == 1 ]]; then
        # What autovacuum does within a minute or so of a bulk load; without
        # it the first minutes of a run depend on whether autoanalyze has
        # run yet (plans differ).
        t0="$(now_ms)"
        psql -XqAt -v ON_ERROR_STOP=1 -d griot_bench -c "VACUUM (ANALYZE)" >/dev/null ||
            die "VACUUM (ANALYZE) failed"
        ms=$(($(now_ms) - t0))
        log "    VACUUM (ANALYZE) in ${ms} ms"
        ctl put "$meta" postgres_vacuum_analyze_seconds "$(python3 -c "print($ms/1000)")"
    fi

    t0="$(now_ms)"
    "$BIN" bench-fixture --out "$RUN_DIR/fixture.json" --users "$BENCH_USERS" >"$RUN_DIR/fixture.log" 2>&1 || {
        show_tail "$RUN_DIR/fixture.log" "griot bench-fixture"
        die "griot bench-fixture failed"
    }
    ctl put "$meta" fixture.seconds "$(python3 -c "print(($(now_ms) - $t0)/1000)")"
    ctl put-str "$meta" fixture.command "griot bench-fixture --out fixture.json --users $BENCH_USERS"
    ctl prepare "$RUN_DIR/fixture.json" "$IN" >/dev/null
    ctl put "$meta" fixture.summary "@$IN/fixture-summary.json"
    SESSION_ID="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$RUN_DIR/fixture.json")"

    local port
    port="$(ctl free-port)"
    BASE_URL="http://127.0.0.1:$port"
    # Scenario 17's 300 guests all come from this one address, as a crowd
    # behind one mobile operator's NAT would: the README's advice for a
    # crowded event is to raise GUEST_REGISTRATIONS_PER_CLIENT, so do that.
    local -a senv=("BIND_ADDR=127.0.0.1:$port" "WORKERS=$BENCH_WORKERS" "DB_POOL_SIZE=$BENCH_POOL"
        "RUST_LOG=warn" "ACCESS_TOKEN_TTL_SECONDS=3600" "SHUTDOWN_TIMEOUT_SECONDS=10"
        "GUEST_REGISTRATIONS_PER_CLIENT=1000")
    ctl put-str "$meta" server.command "$(printf '%s ' "${senv[@]}" "DATABASE_URL=<$BACKEND> DATA_DIR=<tmp> JWT_SECRET=<random> griot serve")"
    env "${senv[@]}" "$BIN" serve >"$RUN_DIR/server.log" 2>&1 &
    SERVER_PID=$!
    ctl wait-ready "$BASE_URL" "$SERVER_PID" 60 || {
        show_tail "$RUN_DIR/server.log" "server log"
        die "the server did not become ready"
    }
    ctl snapshot "$SERVER_PID" >"$RUN_DIR/server.start.json"

    local failed=0 id key method paths tokens bodies server_env current_env=-
    # Issue 16: bytes on the wire and one learner's first sync, measured
    # once on the quiet server before the load.
    if want_scenario 18 || want_scenario 19; then
        log "[$BACKEND scale $SCALE] mobile: bytes of /me/home and of a re-sync, one learner's first sync"
        if ctl mobile "$BASE_URL" "$IN" >"$RUN_DIR/mobile.json"; then
            ctl put "$meta" mobile "@$RUN_DIR/mobile.json"
            python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); h=m["home"]; f=m["first_sync"]; r=m["resync"]
print("    home %d B gzip (%d B plain); unchanged re-sync %d B; first sync %d pages, %d changes, %d B gzip (%d B plain) in %.2f s" % (
    h["gzip_body_bytes"], h["plain_body_bytes"], r["plain"]["body_bytes"], f["pages"], f["changes"],
    f["gzip"]["body_bytes"], f["plain"]["body_bytes"], f["gzip"]["seconds"]))' "$RUN_DIR/mobile.json" >&2 || true
        else
            failed=1
            log "    the mobile measurements FAILED"
        fi
    fi

    # Scenarios with server settings of their own (the cache-off runs of 4-6)
    # come last, on a second server started with those settings.
    while IFS=$'\t' read -r id key method paths tokens bodies server_env; do
        want_scenario "$id" || continue
        if [[ "${server_env:--}" != "$current_env" ]]; then
            server_alive || failed=1
            stop_server
            [[ "$STOP_RC" == 0 ]] || {
                failed=1
                log "    the server exited with status $STOP_RC after SIGTERM"
            }
            current_env=${server_env:--}
            log "[$BACKEND scale $SCALE] restarting the server with $current_env"
            local extra=()
            # shellcheck disable=SC2206 # a list of NAME=value words
            [[ "$current_env" != - ]] && extra=($current_env)
            env "${senv[@]}" "${extra[@]}" "$BIN" serve >>"$RUN_DIR/server.log" 2>&1 &
            SERVER_PID=$!
            ctl wait-ready "$BASE_URL" "$SERVER_PID" 60 || {
                show_tail "$RUN_DIR/server.log" "server log"
                die "the server did not become ready with $current_env"
            }
        fi
        run_scenario "$id" "$key" "$method" "$paths" "$tokens" "$bodies" || {
            failed=1
            log "    scenario $id ($key) FAILED: $(cat "$RUN_DIR/scenarios/$(printf '%02d' "$id")-$key.failed" 2>/dev/null)"
        }
    done <"$IN/scenarios.tsv"

    ctl snapshot "$SERVER_PID" >"$RUN_DIR/server.end.json" || true
    ctl put "$meta" db_size_bytes_after_run "$(ctl db-size "$DATABASE_URL")"
    if ! server_alive; then
        failed=1
        show_tail "$RUN_DIR/server.log" "server log (the server died)"
    fi
    stop_server
    rc=$STOP_RC
    ctl put "$meta" server.exit_code "$rc"
    ctl put "$meta" server.stop_seconds "$(python3 -c "print($STOP_MS/1000)")"
    [[ "$rc" == 0 ]] || log "    the server exited with status $rc after SIGTERM"
    log "    server stopped (SIGTERM) in ${STOP_MS} ms, exit status $rc"
    if [[ -s "$RUN_DIR/server.log" ]]; then
        ctl put "$meta" server.log_lines "$(grep -c . "$RUN_DIR/server.log" || true)"
        ctl put-str "$meta" server.log_tail "$(tail -n 5 "$RUN_DIR/server.log")"
    fi
    if [[ $failed -eq 0 ]]; then
        ctl put "$meta" status '"ok"'
    else
        ctl put "$meta" status '"failed"'
    fi
    return $failed
}

backend_main() {
    local backend=$1 scale failed=0
    shift
    trap backend_cleanup EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    for scale in "$@"; do
        run_one "$backend" "$scale" || failed=1
    done
    return $failed
}

# --------------------------------------------------------------------------
# The top level.
# --------------------------------------------------------------------------
WORK=""
# shellcheck disable=SC2317 # invoked from a trap
main_cleanup() {
    local rc=$?
    trap - EXIT
    set +e
    if [[ -n "$WORK" && -d "$WORK" ]]; then
        if [[ "${BENCH_KEEP:-}" == 1 ]]; then
            log "kept $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}

main() {
    local mode=full backends=both scales=() smoke=0
    local invocation="scripts/bench.sh${*:+ $*}"
    case "${1:-}" in
    -h | --help)
        usage
        exit 0
        ;;
    report)
        local out="${BENCH_OUT_DIR:-$ROOT}"
        exec python3 "$LIB/report.py" render --json "$out/BENCHMARKS.json" --md "$out/BENCHMARKS.md"
        ;;
    __backend)
        shift
        backend_main "$@"
        exit $?
        ;;
    smoke)
        smoke=1
        mode=smoke
        backends="${2:-sqlite}"
        [[ $# -le 2 ]] || die "usage: scripts/bench.sh smoke [sqlite|postgres|both]"
        scales=(1)
        ;;
    sqlite | postgres | both)
        backends=$1
        shift
        scales=("$@")
        ;;
    "") ;;
    *)
        if [[ "$1" =~ ^[0-9]+$ ]]; then
            scales=("$@")
        else
            usage
            die "unknown argument: $1"
        fi
        ;;
    esac
    case "$backends" in sqlite | postgres | both) ;; *) die "backend must be sqlite, postgres or both, not '$backends'" ;; esac
    [[ ${#scales[@]} -gt 0 ]] || scales=(1 10)
    local s
    for s in "${scales[@]}"; do
        [[ "$s" =~ ^[1-9][0-9]*$ ]] || die "scale must be an integer >= 1, not '$s'"
    done

    if [[ $smoke -eq 1 ]]; then
        export BENCH_SECONDS="${BENCH_SECONDS:-2}" BENCH_WARMUP="${BENCH_WARMUP:-0}"
        export BENCH_STORM_SECONDS="${BENCH_STORM_SECONDS:-3}" BENCH_USERS="${BENCH_USERS:-200}"
        export BENCH_COHORTS="${BENCH_COHORTS:-2}" BENCH_SEQ_REQUESTS="${BENCH_SEQ_REQUESTS:-2}"
    else
        export BENCH_SECONDS="${BENCH_SECONDS:-10}" BENCH_WARMUP="${BENCH_WARMUP:-2}"
        export BENCH_STORM_SECONDS="${BENCH_STORM_SECONDS:-5}" BENCH_USERS="${BENCH_USERS:-1000}"
        export BENCH_COHORTS="${BENCH_COHORTS:-}" BENCH_SEQ_REQUESTS="${BENCH_SEQ_REQUESTS:-20}"
    fi
    export BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-32}" BENCH_THREADS="${BENCH_THREADS:-2}"
    export BENCH_WORKERS="${BENCH_WORKERS:-2}" BENCH_POOL="${BENCH_POOL:-8}"
    export BENCH_SCENARIOS="${BENCH_SCENARIOS:-}" BENCH_PG_ANALYZE="${BENCH_PG_ANALYZE:-1}"
    local v
    for v in BENCH_SECONDS BENCH_WARMUP BENCH_STORM_SECONDS BENCH_USERS BENCH_CONNECTIONS \
        BENCH_THREADS BENCH_WORKERS BENCH_POOL BENCH_SEQ_REQUESTS; do
        [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
    done
    [[ "$BENCH_SECONDS" -ge 1 && "$BENCH_STORM_SECONDS" -ge 1 && "$BENCH_SEQ_REQUESTS" -ge 1 ]] ||
        die "BENCH_SECONDS, BENCH_STORM_SECONDS and BENCH_SEQ_REQUESTS must be >= 1"

    local need_psql=0
    [[ "$backends" != sqlite ]] && need_psql=1
    ensure_tools "$need_psql"
    if [[ $smoke -eq 1 ]]; then build debug; else build release; fi
    check_binary
    export BIN

    WORK="$(mktemp -d "${TMPDIR:-/tmp}/griot-bench.XXXXXX")"
    chmod 755 "$WORK"
    trap main_cleanup EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    export BENCH_WORK="$WORK"
    local out="${BENCH_OUT_DIR:-}"
    if [[ -z "$out" ]]; then
        if [[ $smoke -eq 1 ]]; then out="$WORK/out"; else out="$ROOT"; fi
    fi
    mkdir -p "$out"

    # What the report needs to know about this invocation.
    local meta="$WORK/meta.json" settings_line=""
    for v in BENCH_SECONDS BENCH_WARMUP BENCH_STORM_SECONDS BENCH_USERS BENCH_COHORTS \
        BENCH_CONNECTIONS BENCH_THREADS BENCH_WORKERS BENCH_POOL BENCH_SEQ_REQUESTS BENCH_SCENARIOS \
        BENCH_PG_ANALYZE; do
        [[ -n "${!v}" ]] && settings_line+="$v=${!v} "
    done
    ctl put-str "$meta" mode "$mode"
    ctl put-str "$meta" invocation "${settings_line}$invocation"
    ctl put "$meta" settings "$(python3 -c 'import json,os; print(json.dumps({k: os.environ.get(k, "") for k in ["BENCH_SECONDS","BENCH_WARMUP","BENCH_STORM_SECONDS","BENCH_USERS","BENCH_COHORTS","BENCH_CONNECTIONS","BENCH_THREADS","BENCH_WORKERS","BENCH_POOL","BENCH_SEQ_REQUESTS","BENCH_SCENARIOS","BENCH_PG_ANALYZE"]}))')"
    ctl put-str "$meta" build_command "$BUILD_CMD"
    ctl put-str "$meta" started_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    ctl put-str "$meta" git.commit "$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
    ctl put "$meta" git.dirty "$([[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]] && echo true || echo false)"
    ctl put-str "$meta" wrk_version "$(wrk -v 2>&1 | head -n 1 | sed 's/ Copyright.*//')"
    ctl put-str "$meta" rustc_version "$(rustc --version 2>/dev/null || echo unknown)"
    log "work dir $WORK; results to $out; ${settings_line}scales ${scales[*]}"
    local busy
    busy="$(ctl busy 2)"
    ctl put "$meta" busy_cores_before "$busy"
    if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0.25 else 1)" "$busy"; then
        log "warning: the machine is not idle (${busy} cores busy before the start): the numbers will be low"
    fi

    local failed=0 b
    local -a list
    if [[ "$backends" == both ]]; then list=(sqlite postgres); else list=("$backends"); fi
    for b in "${list[@]}"; do
        if [[ "$b" == postgres ]]; then
            bash "$ROOT/scripts/with-postgres.sh" bash "$SELF" __backend postgres "${scales[@]}" || failed=1
        else
            bash "$SELF" __backend sqlite "${scales[@]}" || failed=1
        fi
    done

    local -a check=()
    [[ $smoke -eq 1 ]] && check=(--check-smoke)
    python3 "$LIB/report.py" build --work "$WORK" --json "$out/BENCHMARKS.json" \
        --md "$out/BENCHMARKS.md" "${check[@]}" || failed=1
    if [[ $smoke -eq 1 ]]; then
        cat "$out/BENCHMARKS.md"
    else
        log "wrote $out/BENCHMARKS.md and $out/BENCHMARKS.json"
    fi
    [[ $failed -eq 0 ]] || log "FAILED (see the messages above)"
    return $failed
}

main "$@"
