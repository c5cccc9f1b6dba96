#!/usr/bin/env bash
# Fault injection: griot killed with SIGKILL at random moments under
# keyed writes and a tus upload whose last PATCH is in flight, on SQLite
# and then on a throw-away PostgreSQL (scripts/with-postgres.sh).
#
#   scripts/fault-check.sh            # both databases
#   FAULT_BACKENDS=sqlite scripts/fault-check.sh
#
# Each round sends `POST /programmes` with an `Idempotency-Key` each, from
# six clients without a pause, and the last PATCH of an 8 MiB recording,
# slowly; kills the
# server with SIGKILL after a random delay; restarts it; and checks through
# the API that every keyed request, retried with its key, is answered 201
# (the first answer if it had committed, a first run if not; never "in
# use") and exists exactly once; and that the upload finishes with its
# material and the SHA-256 of the bytes sent. After the rounds, with the
# stored files aged past the grace period, `griot housekeeping` must leave
# no file that nothing references (no segment, no half-written staging
# file). Uses the debug binary the test step built: the point is what a
# kill leaves, not speed. FAULT_SEED makes the kill moments repeatable.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKENDS="${FAULT_BACKENDS:-sqlite postgres}"

if [[ -n "${GRIOT_BIN:-}" ]]; then
    BIN="$GRIOT_BIN"
else
    cargo build --quiet --bin griot --manifest-path "$ROOT/Cargo.toml"
    BIN="$ROOT/target/debug/griot"
fi
export GRIOT_BIN="$BIN"

if [[ "${1:-}" == "--one" ]]; then
    backend=$2
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    if [[ "$backend" == postgres ]]; then
        createdb griot_fault
        export DATABASE_URL="${TEST_DATABASE_URL%/*}/griot_fault"
    else
        export DATABASE_URL="sqlite://$WORK/griot.db"
    fi
    export DATA_DIR="$WORK/data" JWT_SECRET="fault-check-secret-of-at-least-32-bytes"
    export RUST_LOG=warn WORKERS=2 BODY_READ_TIMEOUT_SECONDS=5 SHUTDOWN_TIMEOUT_SECONDS=1
    mkdir -p "$DATA_DIR"
    "$BIN" seed --scale 1 --cohorts 1 >/dev/null
    "$BIN" bench-fixture --out "$WORK/fixture.json" --users 5 >/dev/null
    rc=0
    python3 "$ROOT/scripts/fault-check.py" "$BIN" "$WORK" "$backend" || rc=$?
    exit "$rc"
fi

rc=0
for backend in $BACKENDS; do
    echo "== fault check on $backend"
    if [[ "$backend" == postgres ]]; then
        "$ROOT/scripts/with-postgres.sh" "$0" --one postgres || rc=$?
    else
        "$0" --one sqlite || rc=$?
    fi
    [[ $rc -eq 0 ]] || break
done
exit "$rc"
