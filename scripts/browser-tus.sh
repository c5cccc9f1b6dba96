#!/usr/bin/env bash
# Resumable uploads from a browser app on another origin: a page served on
# 127.0.0.1:<port B> uploads a 4 MiB recording with tus-js-client, in
# headless Chromium, to a seeded griot on SQLite at 127.0.0.1:<port A>, in
# 256 KiB PATCHes, the way a web app of the platform would.
#
#   scripts/browser-tus.sh
#
# Environment:
#   GRIOT_BIN         a griot binary to run (default: `cargo build`, target/debug/griot)
#   BROWSER_TUS_DEPS  a folder to keep the npm packages in between runs
#                     (default: a throw-away one)
#
# The page aborts the upload part way (the PATCH in flight is cut), is
# reloaded, finds the upload again in localStorage (findPreviousUploads),
# asks where it stands (HEAD) and finishes it. Every tus header goes
# through the browser's CORS checks: the preflights, `Location`,
# `Upload-Offset` and `Material-Id` read by the page. It fails unless a
# learner then sees that material with the file's size and SHA-256, its
# content is exactly the bytes the page made, and the page can download it
# across origins too. Debian's chromium is installed with apt-get if
# missing; playwright-core and tus-js-client come from npm at the versions
# pinned in scripts/browser/package-lock.json (playwright drives the
# system browser: it downloads none). Everything it started is stopped on
# exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHROMIUM=/usr/bin/chromium

WORK="$(mktemp -d)"
SERVER_PID=""
NODE_PID=""
cleanup() {
    [[ -n "$NODE_PID" ]] && kill "$NODE_PID" 2>/dev/null || true
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

die() {
    echo "browser-tus: $*" >&2
    exit 1
}

if ! command -v chromium >/dev/null 2>&1 || [[ ! -x "$CHROMIUM" ]]; then
    [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1 ||
        die "chromium is missing and cannot be installed from here (Debian: apt-get install chromium)"
    echo "browser-tus: installing Debian's chromium with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends chromium </dev/null >&2 ||
        die "apt-get install chromium failed"
fi
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || die "node and npm are required"

# The npm packages, reinstalled only when the lock file changed.
DEPS="${BROWSER_TUS_DEPS:-$WORK/deps}"
mkdir -p "$DEPS"
if ! cmp -s "$ROOT/scripts/browser/package-lock.json" "$DEPS/package-lock.json" ||
    [[ ! -d "$DEPS/node_modules/playwright-core" || ! -f "$DEPS/node_modules/tus-js-client/dist/tus.min.js" ]]; then
    cp "$ROOT/scripts/browser/package.json" "$ROOT/scripts/browser/package-lock.json" "$DEPS/"
    (cd "$DEPS" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed in $DEPS"
fi

if [[ -n "${GRIOT_BIN:-}" ]]; then
    BIN="$GRIOT_BIN"
else
    cargo build --quiet --bin griot --manifest-path "$ROOT/Cargo.toml"
    BIN="$ROOT/target/debug/griot"
fi
[[ -x "$BIN" ]] || die "$BIN is not an executable"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
PAGE_PORT=$(free_port)
while [[ "$PAGE_PORT" == "$PORT" ]]; do PAGE_PORT=$(free_port); done

export DATABASE_URL="sqlite://$WORK/griot.db"
export DATA_DIR="$WORK/data" JWT_SECRET="browser-tus-secret-of-at-least-32-bytes-long"
export RUST_LOG=warn WORKERS=2
# The page's origin, and only that one: the browser must be let in by the
# CORS rules a deployment would have.
export CORS_ALLOWED_ORIGINS="http://127.0.0.1:$PAGE_PORT"
mkdir -p "$DATA_DIR"
"$BIN" seed --scale 1 --cohorts 1 >/dev/null
"$BIN" bench-fixture --out "$WORK/fixture.json" --users 5 >/dev/null

BIND_ADDR="127.0.0.1:$PORT" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null && ready=1 && break
    sleep 0.1
done
[[ $ready -eq 1 ]] || die "griot did not become ready on 127.0.0.1:$PORT: $(tail -n 5 "$WORK/server.log")"

fixture() { python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, f))' "$WORK/fixture.json" "$1"; }
mkdir -p "$WORK/profile"
rc=0
GRIOT_URL="http://127.0.0.1:$PORT" PAGE_PORT="$PAGE_PORT" \
    TRAINER_TOKEN="$(fixture trainer_token)" LEARNER_TOKEN="$(fixture 'learner_tokens[0]')" \
    SESSION_ID="$(fixture session_id)" DEPS="$DEPS" PROFILE="$WORK/profile" CHROMIUM="$CHROMIUM" \
    timeout 100 node "$ROOT/scripts/browser/tus-upload.mjs" &
NODE_PID=$!
wait "$NODE_PID" || rc=$?
NODE_PID=""
if [[ $rc -ne 0 ]]; then
    [[ $rc -eq 124 ]] && echo "browser-tus: the browser run took more than 100 s" >&2
    echo "--- server log (last lines) ---" >&2
    tail -n 10 "$WORK/server.log" | cut -c1-400 >&2 || true
fi
exit "$rc"
