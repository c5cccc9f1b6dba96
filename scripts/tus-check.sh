#!/usr/bin/env bash
# Resumable uploads with an off-the-shelf client: tuspy (PyPI, pinned, in a
# throw-away virtual environment) sends a 12 MiB recording to a seeded
# griot on SQLite through `/api/v1/uploads` (tus 1.0.0), in 1 MiB PATCHes.
#
#   scripts/tus-check.sh
#
# Environment:
#   GRIOT_BIN   a griot binary to run (default: `cargo build`, target/debug/griot)
#   TUS_VENV    a virtual environment to use or make (default: a throw-away one)
#
# The upload is interrupted twice: tuspy stops half way (`stop_at`), then a
# hand-made PATCH announces 1 MiB, sends 300 KiB and drops its connection,
# as a network cut would. A new tuspy uploader given only the upload's URL
# asks the server where it stands (HEAD) and finishes from there. It fails
# unless the last PATCH names the material (`Material-Id`), a learner of
# the session sees that material with the file's size and SHA-256, its
# content is exactly the bytes sent, and the file store holds that one
# file and nothing else (no segment, no half-written part). A second
# upload covers the other cut a server sees: a connection that goes quiet
# without closing while the client, reconnected, resumes from the offset
# HEAD gave; when the stale PATCH finally ends, the bytes the server has
# acknowledged must still be there. Everything it started is stopped on
# exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TUSPY_VERSION=1.1.0

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

VENV="${TUS_VENV:-$WORK/venv}"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import tusclient' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "tuspy==$TUSPY_VERSION"
fi

if [[ -n "${GRIOT_BIN:-}" ]]; then
    BIN="$GRIOT_BIN"
else
    cargo build --quiet --bin griot --manifest-path "$ROOT/Cargo.toml"
    BIN="$ROOT/target/debug/griot"
fi

export DATABASE_URL="sqlite://$WORK/griot.db"
export DATA_DIR="$WORK/data" JWT_SECRET="tus-check-secret-of-at-least-32-bytes-long"
export RUST_LOG=warn WORKERS=2
# The stale connection of the second upload ends when the server stops
# waiting for its body: a short wait keeps the run short.
export BODY_READ_TIMEOUT_SECONDS=2
mkdir -p "$DATA_DIR"
"$BIN" seed --scale 1 --cohorts 1 >/dev/null
"$BIN" bench-fixture --out "$WORK/fixture.json" --users 5 >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BIND_ADDR="127.0.0.1:$PORT" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null && break
    sleep 0.1
done

rc=0
"$VENV/bin/python" - "$WORK" "$PORT" <<'PY' || rc=$?
import hashlib, http.client, json, os, socket, sys, time
from urllib.parse import urljoin, urlsplit

from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

work, port = sys.argv[1], int(sys.argv[2])
fixture = json.load(open(os.path.join(work, "fixture.json")))
base = f"http://127.0.0.1:{port}"
trainer, learner = fixture["trainer_token"], fixture["learner_tokens"][0]
session = fixture["session_id"]
MiB = 1 << 20
failures = []

def expect(what, ok):
    print(("ok    " if ok else "FAILED") + " " + what)
    if not ok:
        failures.append(what)

def call(method, path, token, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body, {"Authorization": f"Bearer {token}", **(headers or {})})
    res = conn.getresponse()
    out = (res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
    conn.close()
    return out

def head(path):
    return call("HEAD", path, trainer, {"Tus-Resumable": "1.0.0"})

def recording(name, size):
    """An MP4 `ftyp` box, then random bytes: sniffed as video/mp4."""
    data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(size - 24)
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(data)
    return path, data

def open_patch(path, offset, declared, body):
    """A PATCH on a raw socket: the headers and `body`, of `declared` bytes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall((f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Bearer {trainer}\r\nTus-Resumable: 1.0.0\r\n"
               f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
               f"Content-Length: {declared}\r\n\r\n").encode() + body)
    return s

def settled_offset(path, before, seconds=3.0):
    """HEAD until the offset moves from `before` (the server has seen the
    cut and stored what it kept), or `seconds` pass (it kept nothing)."""
    deadline = time.monotonic() + seconds
    while True:
        status, h, _ = head(path)
        offset = int(h.get("upload-offset", -1))
        if status != 200 or offset != before or time.monotonic() > deadline:
            return status, offset
        time.sleep(0.05)

def files_left():
    root = os.path.join(work, "data", "files")
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, fs in os.walk(root) for f in fs)

def materials():
    status, _, body = call("GET", f"/api/v1/sessions/{session}/materials", learner)
    return status, (json.loads(body)["items"] if status == 200 else [])

client = TusClient(base + "/api/v1/uploads", headers={"Authorization": f"Bearer {trainer}"})
status, h, _ = call("OPTIONS", "/api/v1/uploads", trainer)
expect(f"OPTIONS: {status}, Tus-Version {h.get('tus-version')}, Tus-Extension {h.get('tus-extension')}",
       status == 204 and h.get("tus-version") == "1.0.0" and "creation" in h.get("tus-extension", ""))

# 1. tuspy stops half way; a PATCH is cut; a new tuspy uploader resumes.
size = 12 * MiB + 12345
path, data = recording("lecture.mp4", size)
digest = hashlib.sha256(data).hexdigest()
first = client.uploader(file_path=path, chunk_size=MiB, metadata={
    "session_id": session, "title": "Lecture, resumed", "kind": "recording", "filename": "lecture.mp4"})
half = 5 * MiB
first.upload(stop_at=half)
url = first.url
where = urlsplit(url).path
expect(f"tuspy creates the upload at {where} and stops at {first.offset} of {size} bytes",
       where.startswith("/api/v1/uploads/") and first.offset == half)
status, h, _ = head(where)
expect(f"HEAD after the stop: {status}, Upload-Offset {h.get('upload-offset')}, Upload-Length {h.get('upload-length')}, no Material-Id yet",
       status == 200 and h.get("upload-offset") == str(half) and h.get("upload-length") == str(size)
       and "material-id" not in h and h.get("tus-resumable") == "1.0.0")

sent = 300 * 1024
cut = open_patch(where, half, MiB, data[half:half + sent])
time.sleep(0.2)
cut.close()
status, offset = settled_offset(where, half)
kept = offset - half
expect(f"HEAD after a PATCH cut at {sent} of {MiB} bytes: {status}, Upload-Offset {offset} "
       f"(the server {'kept all ' + str(kept) if kept == sent else 'kept ' + str(kept) if kept else 'dropped'} "
       f"of the cut PATCH's bytes)",
       status == 200 and 0 <= kept <= sent)

# A new uploader knows only the URL (tuspy wants it absolute), as after a
# restart: it asks the server for the offset and goes on from there.
second = client.uploader(file_path=path, url=urljoin(base, where), chunk_size=MiB)
expect(f"a new tuspy uploader resumes from the server's offset ({second.offset})", second.offset == offset)
try:
    second.upload()
    last = second.request
    material = last.response_headers.get("material-id")
    expect(f"tuspy finishes: last PATCH {last.status_code}, Upload-Offset {last.response_headers.get('upload-offset')}, Material-Id {material}",
           last.status_code == 204 and material and last.response_headers.get("upload-offset") == str(size))
except (TusUploadFailed, TusCommunicationError) as e:
    material = None
    expect(f"tuspy finishes the upload ({e}: {getattr(e, 'status_code', '')} {getattr(e, 'response_content', b'')[:300]!r})", False)

status, h, _ = head(where)
expect(f"HEAD once complete: {status}, Upload-Offset {h.get('upload-offset')}, Material-Id {h.get('material-id')}",
       status == 200 and h.get("upload-offset") == str(size) and material and h.get("material-id") == material)
status, items = materials()
found = [m for m in items if m["id"] == material]
m = found[0] if found else {}
expect(f"a learner lists it: {status}, kind {m.get('kind')}, {m.get('content_type')}, {m.get('size_bytes')} bytes, sha256 {str(m.get('sha256'))[:12]}…",
       status == 200 and m.get("kind") == "recording" and m.get("size_bytes") == size and m.get("sha256") == digest)
status, _, content = call("GET", f"/api/v1/materials/{material}/content", learner)
expect(f"its content is the bytes sent: {status}, {len(content)} bytes", status == 200 and content == data)
left = files_left()
expect(f"the file store holds the material's file alone: {left}", left == [f"materials/{material}"])

# 2. A stale connection: a PATCH whose connection goes quiet (the client
# moved to another network) while the client resumes on a new one from
# the offset HEAD gives. When the server gives up on the stale PATCH, the
# bytes it acknowledged to the new one must still be there.
size2 = 3 * MiB
path2, data2 = recording("seminar.mp4", size2)
third = client.uploader(file_path=path2, chunk_size=MiB, metadata={
    "session_id": session, "title": "Seminar, stale connection", "kind": "recording", "filename": "seminar.mp4"})
third.upload(stop_at=MiB)
where2 = urlsplit(third.url).path
stale = open_patch(where2, MiB, MiB, data2[MiB:MiB + sent])
time.sleep(0.2)
status, h, _ = head(where2)
# Still 1 MiB while the stale PATCH runs, or more if the server ended it
# on this HEAD and kept its bytes (as tusd does): both are tus.
at = int(h.get("upload-offset", -1))
expect(f"HEAD while a PATCH hangs: {status}, Upload-Offset {at}", status == 200 and MiB <= at <= MiB + sent)
status, h, body = call("PATCH", where2, trainer, {"Tus-Resumable": "1.0.0", "Upload-Offset": str(at),
                       "Content-Type": "application/offset+octet-stream"}, data2[at:at + MiB])
acked = at + MiB
expect(f"the resumed PATCH from that offset is acknowledged: {status}, Upload-Offset {h.get('upload-offset')}",
       status == 204 and h.get("upload-offset") == str(acked))
# The server gives up on the stale body after BODY_READ_TIMEOUT_SECONDS.
stale.settimeout(15)
try:
    answer = stale.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
except OSError as e:
    answer = str(e)
stale.close()
time.sleep(0.3)
status, h, _ = head(where2)
segments = [f.rsplit("/", 1)[1].split("-")[0].lstrip("0") or "0" for f in files_left() if f.startswith("uploads/")]
expect(f"after the stale PATCH ends ({answer or 'closed'}): Upload-Offset {h.get('upload-offset')}, still {acked} "
       f"(segments stored from offsets {', '.join(segments)})",
       status == 200 and h.get("upload-offset") == str(acked))
fourth = client.uploader(file_path=path2, url=urljoin(base, where2), chunk_size=MiB)
try:
    fourth.upload()
    material2 = fourth.request.response_headers.get("material-id")
    expect(f"tuspy finishes it: {fourth.request.status_code}, Material-Id {material2}",
           fourth.request.status_code == 204 and bool(material2))
except (TusUploadFailed, TusCommunicationError) as e:
    material2 = None
    expect(f"tuspy finishes it ({e}: {getattr(e, 'status_code', '')} {(getattr(e, 'response_content', b'') or b'')[:300]!r})", False)
if material2:
    status, _, content = call("GET", f"/api/v1/materials/{material2}/content", learner)
    expect(f"its content is the bytes sent: {status}, {len(content)} bytes, sha256 matches",
           status == 200 and content == data2)
left = files_left()
want = sorted(f"materials/{m}" for m in (material, material2) if m)
expect(f"the file store holds the two materials' files alone: {left}", left == want)

print("tus-check: " + ("all checks passed" if not failures else f"{len(failures)} check(s) FAILED"))
sys.exit(1 if failures else 0)
PY
if [[ $rc -ne 0 ]]; then
    echo "--- server log (last lines) ---" >&2
    tail -n 10 "$WORK/server.log" | cut -c1-400 >&2 || true
fi
exit "$rc"
