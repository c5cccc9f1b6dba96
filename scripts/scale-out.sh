#!/usr/bin/env bash
# Scale-out proof: two `griot` processes on one PostgreSQL behind nginx.
#
#   scripts/scale-out.sh
#
# Starts a throw-away PostgreSQL 15 (scripts/with-postgres.sh), seeds one
# cohort of 250 learners, starts two servers on it and nginx (Debian's
# package) in front of them, round-robin. Then, through nginx: a trainer
# opens self check-in and all 250 learners check in at once, then a roll
# call of 250 records. It fails unless there were zero errors, every write
# is there, and a change made through one process is seen at once by a read
# through the other (the response cache and its ETag included). Everything
# it started is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
    exec "$ROOT/scripts/with-postgres.sh" "$0" "$@"
fi
if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
    echo "scale-out: nginx not found; installing Debian's nginx-light with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >&2
    apt-get install -y -qq --no-install-recommends nginx-light </dev/null >&2
    # The package starts a system nginx on port 80; this proof runs its own.
    service nginx stop >/dev/null 2>&1 || true
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The debug build CI has already made for the tests: the proof is about
# correctness across processes, not speed.
cargo build --quiet --bin griot --manifest-path "$ROOT/Cargo.toml"
BIN="$ROOT/target/debug/griot"

createdb griot_scale
export DATABASE_URL="${TEST_DATABASE_URL%/*}/griot_scale"
export JWT_SECRET="scale-out-proof-secret-of-at-least-32-bytes"
export DATA_DIR="$WORK" RUST_LOG=warn WORKERS=1 DB_POOL_SIZE=8
"$BIN" seed --scale 1 --cohorts 1 >/dev/null
"$BIN" bench-fixture --out "$WORK/fixture.json" --users 10 >/dev/null

P1=$(free_port) P2=$(free_port) PN=$(free_port)
BIND_ADDR="127.0.0.1:$P1" "$BIN" serve >"$WORK/a.log" 2>&1 &
PIDS+=($!)
BIND_ADDR="127.0.0.1:$P2" "$BIN" serve >"$WORK/b.log" 2>&1 &
PIDS+=($!)
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    # Bodies and answers in memory: nginx's workers do not run as root and
    # may not write into this script's private folder.
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    client_body_buffer_size 1m;
    proxy_buffer_size 64k;
    proxy_buffers 16 64k;
    proxy_max_temp_file_size 0;
    upstream griot { server 127.0.0.1:$P1; server 127.0.0.1:$P2; }
    # Over-long request lines and headers are refused here, before griot,
    # in the API's problem+json (README: "Behind nginx").
    large_client_header_buffers 4 8k;
    map \$http_accept_language \$griot_uri_too_long {
        ~*^en '{"type":"urn:griot:problem:uri_too_long","title":"URI too long","status":414,"detail":"The request line or a header is longer than allowed.","code":"uri_too_long"}';
        default '{"type":"urn:griot:problem:uri_too_long","title":"Adresse trop longue","status":414,"detail":"La ligne de requête ou un en-tête dépasse la longueur permise.","code":"uri_too_long"}';
    }
    server {
        listen 127.0.0.1:$PN;
        error_page 414 494 = /_griot/uri-too-long;
        location = /_griot/uri-too-long {
            internal;
            default_type application/problem+json;
            add_header Cache-Control no-store always;
            add_header X-Content-Type-Options nosniff always;
            return 414 \$griot_uri_too_long;
        }
        location / {
            proxy_pass http://griot;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
    }
}
EOF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" -g 'daemon off;' &
PIDS+=($!)
for port in "$P1" "$P2" "$PN"; do
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break
        sleep 0.1
    done
done

rc=0
python3 - "$WORK/fixture.json" "$PN" "$P1" "$P2" <<'PY' || rc=$?
import http.client, json, sys
from concurrent.futures import ThreadPoolExecutor

fixture, via, one, other = json.load(open(sys.argv[1])), *map(int, sys.argv[2:])
session, trainer = fixture["storm_session_id"], fixture["trainer_token"]
failures = []

def call(port, method, path, token, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"Authorization": f"Bearer {token}", **(headers or {})}
    data = None
    if body is not None:
        data, h["Content-Type"] = json.dumps(body), "application/json"
    conn.request(method, path, data, h)
    res = conn.getresponse()
    out = (res.status, res.getheader("ETag"), res.read())
    conn.close()
    return out

def expect(what, ok):
    print(("ok    " if ok else "FAILED") + " " + what)
    if not ok:
        failures.append(what)

status, _, _ = call(via, "POST", f"/api/v1/sessions/{session}/check-in-window", trainer, {"minutes": 30})
expect(f"trainer opens check-in through nginx ({status})", status == 201)
status, _, body = call(via, "GET", f"/api/v1/sessions/{session}/check-in-code", trainer)
code = json.loads(body)["code"]

def check_in(token):
    return call(via, "POST", f"/api/v1/sessions/{session}/check-in", token, {"code": code})[0]

with ThreadPoolExecutor(max_workers=64) as pool:
    statuses = list(pool.map(check_in, fixture["storm_tokens"]))
bad = [s for s in statuses if s not in (200, 201)]
expect(f"{len(statuses)} learners check in at once through nginx, {len(bad)} errors", not bad and len(statuses) == 250)

def roster(port, etag=None):
    status, tag, body = call(port, "GET", f"/api/v1/sessions/{session}/attendance", trainer,
                             headers={"If-None-Match": etag} if etag else None)
    return status, tag, (json.loads(body)["items"] if status == 200 else None)

_, tag_one, items = roster(one)
present = sum(1 for i in items if i["status"] in ("present", "late"))
expect(f"every check-in is recorded ({present} of {len(items)}), read through process 1", present == len(items) == 250)
status, _, _ = roster(one, tag_one)
expect(f"process 1 revalidates its roster: {status}", status == 304)

records = [{"user_id": i["user_id"], "status": "excused" if n < 10 else "present"} for n, i in enumerate(items)]
status, _, body = call(via, "PUT", f"/api/v1/sessions/{session}/attendance", trainer, {"records": records})
expect(f"roll call of 250 through nginx ({status})", status == 200)
if status != 200:
    print(body[:500].decode(errors="replace"))
status, _, _ = call(other, "PUT", f"/api/v1/sessions/{session}/attendance", trainer,
                    {"records": [{"user_id": items[0]["user_id"], "status": "absent"}]})
expect(f"one record changed through process 2 ({status})", status == 200)
status, _, fresh = roster(one, tag_one)
statuses = [i["status"] for i in fresh] if fresh else []
expect("process 1 sees both changes at once: the held ETag gets a new answer",
       status == 200 and statuses.count("excused") == 9 and statuses.count("absent") == 1)
_, _, from_two = roster(other)
expect("both processes give the same roster", from_two == fresh)
conn = http.client.HTTPConnection("127.0.0.1", via, timeout=60)
conn.request("GET", "/api/v1/users?q=" + "a" * 20000, headers={"Accept-Language": "en"})
res = conn.getresponse()
problem = res.read()
conn.close()
expect(f"a 20 kB URL gets a problem+json from nginx ({res.status}, {res.getheader('Content-Type')})",
       res.status == 414 and res.getheader("Content-Type") == "application/problem+json"
       and json.loads(problem)["code"] == "uri_too_long")
print("scale-out: " + ("all checks passed" if not failures else f"{len(failures)} check(s) FAILED"))
sys.exit(1 if failures else 0)
PY
if [[ $rc -ne 0 ]]; then
    echo "--- server logs (errors) ---" >&2
    tail -n 5 "$WORK"/a.log "$WORK"/b.log "$WORK"/nginx-error.log | cut -c1-400 >&2 || true
fi
exit "$rc"
