#!/usr/bin/env bash
# The contract under fire: schemathesis (PyPI, pinned, in a throw-away
# virtual environment) runs every operation of the committed OpenAPI
# document with all its checks against a seeded server, once as a learner
# and once as an administrator, on SQLite and on PostgreSQL. Any failure
# fails the script.
#
#   scripts/fuzz.sh               SQLite, then PostgreSQL (scripts/with-postgres.sh)
#   scripts/fuzz.sh sqlite        SQLite only
#   scripts/fuzz.sh postgres      PostgreSQL only (starts its own cluster)
#
# Environment:
#   FUZZ_SECONDS   time budget of each run (default 60; four runs in all)
#   FUZZ_SEED      schemathesis seed (default 1)
#   FUZZ_KEEP      a folder to copy the reports and server logs into
#
# The rules a JSON Schema cannot say (a referenced country or programme
# exists, an end comes after its start, an admin may not lock themselves
# out) are listed with their reasons in api-spec/schemathesis.toml; the
# seeded ids this run fills in are the realistic values schemathesis draws
# references from.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHICH="${1:-both}"
SECONDS_PER_RUN="${FUZZ_SECONDS:-60}"
SEED="${FUZZ_SEED:-1}"
SCHEMATHESIS_VERSION=4.32.5

if [[ "$WHICH" == "both" ]]; then
    "$0" sqlite
    exec "$ROOT/scripts/with-postgres.sh" "$0" postgres
fi
if [[ "$WHICH" == "postgres" && -z "${TEST_DATABASE_URL:-}" ]]; then
    exec "$ROOT/scripts/with-postgres.sh" "$0" postgres
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    if [[ -n "${FUZZ_KEEP:-}" ]]; then
        mkdir -p "$FUZZ_KEEP/$WHICH"
        cp -r "$WORK"/*.log "$WORK"/report-* "$FUZZ_KEEP/$WHICH/" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

VENV="${FUZZ_VENV:-$WORK/venv}"
if [[ ! -x "$VENV/bin/st" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet --bin griot --manifest-path "$ROOT/Cargo.toml"
BIN="$ROOT/target/debug/griot"

export JWT_SECRET="fuzz-run-secret-of-at-least-32-bytes-long"
export DATA_DIR="$WORK/data" RUST_LOG=warn WORKERS=2
# The fuzzer is one client hammering one address: throttling would answer
# 429 (which it accepts) and hide the rest of the operation from it.
export LOGIN_FREE_FAILURES=100 CLIENT_MAX_LOGIN_FAILURES=1000000 CLIENT_MAX_REGISTRATIONS=1000000
mkdir -p "$DATA_DIR"
if [[ "$WHICH" == "postgres" ]]; then
    createdb griot_fuzz
    export DATABASE_URL="${TEST_DATABASE_URL%/*}/griot_fuzz"
else
    export DATABASE_URL="sqlite://$DATA_DIR/griot.db"
fi
"$BIN" seed --scale 1 --cohorts 2 >/dev/null
"$BIN" bench-fixture --out "$WORK/fixture.json" --users 5 >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BIND_ADDR="127.0.0.1:$PORT" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null && break
    sleep 0.1
done

# The committed configuration, then the seeded values references are drawn
# from (TOML allows new tables after the committed ones).
python3 - "$WORK/fixture.json" "$PORT" "$ROOT/api-spec/schemathesis.toml" >"$WORK/schemathesis.toml" <<'PY'
import http.client, json, sys

fixture, port = json.load(open(sys.argv[1])), int(sys.argv[2])
print(open(sys.argv[3]).read())

def get(path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {fixture['admin_token']}"})
    res = conn.getresponse()
    body = json.loads(res.read())
    assert res.status == 200, (path, res.status, body)
    return body

countries = [c["code"] for c in get("/api/v1/countries")["items"]]
programmes = [p["id"] for p in get("/api/v1/programmes")["items"]]
sessions = [s["id"] for s in get(f"/api/v1/cohorts/{fixture['cohort_id']}/sessions?limit=20")["items"]]
assignments = [a["id"] for a in get(f"/api/v1/cohorts/{fixture['cohort_id']}/assignments")["items"]][:10]
submissions = [s["id"] for a in assignments[:3]
               for s in get(f"/api/v1/assignments/{a}/submissions")["items"][:5]]
events = [e["id"] for e in get("/api/v1/events?limit=20")["items"]]
registration_event = fixture["deconnexion_event_id"]
registrations = [r["id"] for r in
                 get(f"/api/v1/events/{registration_event}/registrations?limit=20")["items"]]
dictionaries = {
    "countries": countries,
    "programmes": programmes,
    "cohorts": fixture["cohort_ids"],
    "sessions": sessions,
    "learners": fixture["roster_user_ids"][:20],
    "assignments": assignments,
    "submissions": submissions,
    "certificates": fixture["certificate_codes"][:10],
    "events": events,
    "registration_event": [registration_event],
    "registrations": registrations,
}
print("# Filled in by scripts/fuzz.sh from the seeded database.")
for name, values in dictionaries.items():
    print(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n")
PY

rc=0
for who in learner admin; do
    token=$(python3 -c "import json,sys; f=json.load(open(sys.argv[1])); print(f['admin_token'] if sys.argv[2]=='admin' else f['learner_tokens'][0])" "$WORK/fixture.json" "$who")
    echo "==> schemathesis on $WHICH as $who (${SECONDS_PER_RUN}s, seed $SEED)"
    (cd "$WORK" && SCHEMATHESIS_HOOKS="$ROOT/api-spec/schemathesis_hooks.py" "$VENV/bin/st" --config-file "$WORK/schemathesis.toml" run \
        "http://127.0.0.1:$PORT/api-docs/openapi.json" \
        --url "http://127.0.0.1:$PORT" \
        -H "Authorization: Bearer $token" \
        --checks all --seed "$SEED" --max-time "$SECONDS_PER_RUN" \
        --workers 1 --no-color \
        --report junit --report-dir "$WORK/report-$who" \
        >"$WORK/st-$who.log" 2>&1) || rc=$?
    tail -n 25 "$WORK/st-$who.log"
    if [[ $rc -ne 0 ]]; then
        echo "==> schemathesis found failures on $WHICH as $who; the whole log:" >&2
        cat "$WORK/st-$who.log" >&2
        exit "$rc"
    fi
done
if grep -q "panicked" "$WORK/server.log"; then
    echo "==> the server panicked during the run:" >&2
    grep -A5 "panicked" "$WORK/server.log" >&2
    exit 1
fi
echo "fuzz ok on $WHICH: zero failures as learner and as admin"
