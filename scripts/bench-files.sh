#!/usr/bin/env bash
# Files benchmark (issue 13): griot's uploads and downloads of session
# materials next to the ceilings of the same machine, in the same run.
#
#   scripts/bench-files.sh          full run (release build; figures in BENCHMARKS-files.md)
#   scripts/bench-files.sh smoke    CI smoke run (debug build, small files, 2 s; fails on errors only)
#
# On a seeded SQLite database, one `griot serve` (WORKERS=2, local store):
#  1. upload of a recording through multipart (curl -F), and through tus
#     (64 MiB PATCHes), next to `dd` writing the same size to the same disk;
#     the server's peak RSS growth during each (VmHWM);
#  2. download of a 256 MiB material by 16 concurrent clients (wrk),
#     side by side with nginx (Debian's package, installed if missing)
#     serving the very file griot stored, from disk: griot's throughput as a
#     ratio of nginx's;
#  3. range requests for the last MiB of that recording under the same
#     load: median and p99 latency.
#
# A full run does it BENCH_RUNS times (3) on fresh servers and reports the
# medians in BENCHMARKS.md (between the `files` markers, which
# scripts/bench.sh keeps) and BENCHMARKS-files.json.
#
# Environment: BENCH_BIN (a griot binary), BENCH_SECONDS (10 / 2),
# UPLOAD_MIB (1024 / 64), DOWNLOAD_MIB (256 / 16), BENCH_RUNS (3 / 1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-full}"
if [[ "$MODE" == full && -z "${BENCH_ONE_RUN_TO:-}" ]]; then
    if [[ -z "${BENCH_BIN:-}" ]]; then
        cargo build --quiet --release --bin griot --manifest-path "$ROOT/Cargo.toml"
        export BENCH_BIN="$ROOT/target/release/griot"
    fi
    RUNS_DIR="$(mktemp -d)"
    for i in $(seq "${BENCH_RUNS:-3}"); do
        echo "bench-files: run $i of ${BENCH_RUNS:-3}" >&2
        BENCH_ONE_RUN_TO="$RUNS_DIR/run-$i.json" "$0" full
    done
    python3 "$ROOT/scripts/bench/files_report.py" "$RUNS_DIR" "$ROOT/BENCHMARKS.md" "$ROOT/BENCHMARKS-files.json"
    rm -rf "$RUNS_DIR"
    exit 0
fi
if [[ "$MODE" == smoke ]]; then
    SECONDS_EACH="${BENCH_SECONDS:-2}" UPLOAD_MIB="${UPLOAD_MIB:-64}" DOWNLOAD_MIB="${DOWNLOAD_MIB:-16}"
else
    SECONDS_EACH="${BENCH_SECONDS:-10}" UPLOAD_MIB="${UPLOAD_MIB:-1024}" DOWNLOAD_MIB="${DOWNLOAD_MIB:-256}"
fi

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

need() {
    command -v "$1" >/dev/null 2>&1 && return
    [[ -x "/usr/sbin/$1" ]] && return
    echo "bench-files: installing $2 with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >&2
    apt-get install -y -qq --no-install-recommends "$2" </dev/null >&2
    service nginx stop >/dev/null 2>&1 || true
}
need wrk wrk
need nginx nginx-light
need curl curl
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

if [[ -n "${BENCH_BIN:-}" ]]; then
    BIN="$BENCH_BIN"
elif [[ "$MODE" == smoke ]]; then
    cargo build --quiet --bin griot --manifest-path "$ROOT/Cargo.toml"
    BIN="$ROOT/target/debug/griot"
else
    cargo build --quiet --release --bin griot --manifest-path "$ROOT/Cargo.toml"
    BIN="$ROOT/target/release/griot"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export DATABASE_URL="sqlite://$WORK/griot.db" DATA_DIR="$WORK/data" RUST_LOG=warn WORKERS=2
export JWT_SECRET="bench-files-secret-of-at-least-32-bytes"
export MAX_RECORDING_BYTES=$(((UPLOAD_MIB + 64) << 20)) BODY_READ_TIMEOUT_SECONDS=120
"$BIN" seed --scale 1 --cohorts 1 >/dev/null
"$BIN" bench-fixture --out "$WORK/fixture.json" --users 5 >/dev/null
PORT=$(free_port)
BIND_ADDR="127.0.0.1:$PORT" "$BIN" serve >"$WORK/server.log" 2>&1 &
GRIOT_PID=$!
PIDS+=("$GRIOT_PID")
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null && break
    sleep 0.1
done

# The files: an MP4 header, then incompressible bytes.
make_file() { # path MiB
    python3 - "$1" "$2" <<'PY'
import os, sys
path, mib = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    f.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
    block = os.urandom(1 << 20)
    for i in range(mib):
        f.write(block[: (1 << 20) - (24 if i == 0 else 0)])
PY
}
make_file "$WORK/upload.mp4" "$UPLOAD_MIB"
make_file "$WORK/download.mp4" "$DOWNLOAD_MIB"

TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trainer_token"])' "$WORK/fixture.json")
SESSION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_id"])' "$WORK/fixture.json")
API="http://127.0.0.1:$PORT/api/v1"
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$GRIOT_PID/status"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$GRIOT_PID/status"; }
now() { python3 -c 'import time; print(time.monotonic())'; }

# 1. Uploads.
# The ceiling: dd copying the same file to the same disk and flushing it
# (griot flushes a stored file before recording it).
sync
t0=$(now)
dd if="$WORK/upload.mp4" of="$WORK/dd.out" bs=8M conv=fdatasync status=none
t1=$(now)
rm -f "$WORK/dd.out"
DD_MBPS=$(python3 -c "print(round($UPLOAD_MIB * 1.048576 / ($t1 - $t0), 1))")

base_rss=$(rss_kib)
t0=$(now)
status=$(curl -s -o "$WORK/multipart.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -F title=Replay -F kind=recording -F "file=@$WORK/upload.mp4;type=video/mp4" \
    "$API/sessions/$SESSION/materials")
t1=$(now)
[[ "$status" == 201 ]] || { echo "multipart upload answered $status: $(head -c 500 "$WORK/multipart.json")" >&2; exit 1; }
MULTIPART_MBPS=$(python3 -c "print(round($UPLOAD_MIB * 1.048576 / ($t1 - $t0), 1))")
MULTIPART_RSS_MIB=$(python3 -c "print(round(($(hwm_kib) - $base_rss) / 1024, 1))")

# tus: the same bytes with one changed, so they are not the same material.
python3 - "$WORK/upload.mp4" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(100)
    f.write(b"\xff")
PY
before_tus=$(hwm_kib)
t0=$(now)
python3 - "$WORK/upload.mp4" "$PORT" "$TOKEN" "$SESSION" >"$WORK/tus.out" <<'PY'
import base64, http.client, os, sys
path, port, token, session = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
size = os.path.getsize(path)
b64 = lambda s: base64.b64encode(s.encode()).decode()
meta = f"session_id {b64(session)},title {b64('Replay tus')},kind {b64('recording')},filename {b64('replay.mp4')}"
auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
c.request("POST", "/api/v1/uploads", headers={**auth, "Upload-Length": str(size), "Upload-Metadata": meta})
r = c.getresponse(); r.read()
assert r.status == 201, r.status
where = r.getheader("Location")
chunk = 64 << 20
with open(path, "rb") as f:
    offset = 0
    while offset < size:
        data = f.read(chunk)
        c.request("PATCH", where, body=data, headers={**auth, "Upload-Offset": str(offset),
                  "Content-Type": "application/offset+octet-stream"})
        r = c.getresponse(); r.read()
        assert r.status == 204, (r.status, offset)
        offset += len(data)
print(r.getheader("Material-Id"))
PY
t1=$(now)
TUS_MBPS=$(python3 -c "print(round($UPLOAD_MIB * 1.048576 / ($t1 - $t0), 1))")
TUS_RSS_MIB=$(python3 -c "print(round(($(hwm_kib) - $base_rss) / 1024, 1))")

# 2. Downloads: griot, then nginx on the very file griot stored.
status=$(curl -s -o "$WORK/download.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -F title=Cours -F kind=recording -F "file=@$WORK/download.mp4" "$API/sessions/$SESSION/materials")
[[ "$status" == 201 ]] || { echo "upload of the download file answered $status" >&2; exit 1; }
MATERIAL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/download.json")
STORED="$DATA_DIR/files/materials/$MATERIAL"
[[ -f "$STORED" ]] || { echo "stored file not found at $STORED" >&2; exit 1; }
NPORT=$(free_port)
mkdir -p "$WORK/www"
ln -s "$STORED" "$WORK/www/file"
cat >"$WORK/nginx.conf" <<EOF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    server {
        listen 127.0.0.1:$NPORT;
        root $WORK/www;
        disable_symlinks off;
        location / { default_type application/octet-stream; }
    }
}
EOF
chmod o+rx "$WORK" "$WORK/www" "$DATA_DIR" "$DATA_DIR/files" "$DATA_DIR/files/materials" 2>/dev/null || true
chmod o+r "$STORED" 2>/dev/null || true
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" -g 'daemon off;' &
PIDS+=($!)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$NPORT/file" && break; sleep 0.1; done

wrk_run() { # name url [header]
    local name=$1 url=$2
    shift 2
    local args=(-t2 -c16 -d"${SECONDS_EACH}s" --timeout 60s --latency -H "Authorization: Bearer $TOKEN")
    for h in "$@"; do args+=(-H "$h"); done
    wrk "${args[@]}" "$url" >"$WORK/wrk-$name.txt" 2>&1
}
wrk_run griot "$API/materials/$MATERIAL/content"
wrk_run nginx "http://127.0.0.1:$NPORT/file"
wrk_run range "$API/materials/$MATERIAL/content" "Range: bytes=-1048576"

python3 - "$WORK" "$MODE" "${BENCH_ONE_RUN_TO:-}" <<PY
import json, re, sys
work, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
def wrk(name):
    text = open(f"{work}/wrk-{name}.txt").read()
    unit = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
    m = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", text)
    mbps = float(m.group(1)) * unit[m.group(2)] / 1e6
    reqs = int(re.search(r"(\d+) requests in", text).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: (.*)", text)
    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", text)
        if not m: return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    return {"MB_per_s": round(mbps, 1), "requests": reqs,
            "non_2xx": int(errors.group(1)) if errors else 0, "socket_errors": sock.group(1) if sock else None,
            "p50_ms": pct(50), "p99_ms": pct(99)}
r = {
    "upload_mib": $UPLOAD_MIB, "download_mib": $DOWNLOAD_MIB, "seconds": $SECONDS_EACH,
    "dd_MB_per_s": $DD_MBPS,
    "multipart_MB_per_s": $MULTIPART_MBPS, "multipart_peak_rss_growth_mib": $MULTIPART_RSS_MIB,
    "tus_MB_per_s": $TUS_MBPS, "tus_peak_rss_growth_mib": $TUS_RSS_MIB,
    "download_griot": wrk("griot"), "download_nginx": wrk("nginx"), "range_tail": wrk("range"),
}
r["download_ratio"] = round(r["download_griot"]["MB_per_s"] / r["download_nginx"]["MB_per_s"], 2)
print(json.dumps(r, indent=2))
bad = [k for k in ("download_griot", "range_tail") if r[k]["non_2xx"] or r[k]["socket_errors"]]
if bad:
    print("bench-files: errors in " + ", ".join(bad), file=sys.stderr)
    sys.exit(1)
if out:
    json.dump(r, open(out, "w"), indent=2)
PY
