"""The rounds of scripts/fault-check.sh: see there. Standard library only.

    python3 scripts/fault-check.py <griot binary> <work dir> <backend>
"""

import hashlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

BIN, WORK, BACKEND = sys.argv[1], sys.argv[2], sys.argv[3]
ROUNDS = int(os.environ.get("FAULT_ROUNDS", "6"))
SENDERS = 6
SEED = int(os.environ.get("FAULT_SEED", str(random.randrange(1 << 30))))
rng = random.Random(SEED)
fixture = json.load(open(os.path.join(WORK, "fixture.json")))
admin, trainer = fixture["admin_token"], fixture["trainer_token"]
learner, session = fixture["learner_tokens"][0], fixture["session_id"]
MiB = 1 << 20
failures = []
server = None
port = None


def expect(what, ok):
    print(("ok    " if ok else "FAILED") + f" [{BACKEND}] {what}", flush=True)
    if not ok:
        failures.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start():
    global server, port
    port = free_port()
    env = dict(os.environ, BIND_ADDR=f"127.0.0.1:{port}")
    log = open(os.path.join(WORK, "server.log"), "ab")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        try:
            status, _, _ = call("GET", "/health/ready", None, timeout=2)
            if status == 200:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"[{BACKEND}] the server did not become ready (seed {SEED})")


def kill():
    server.send_signal(signal.SIGKILL)
    server.wait()


def call(method, path, token, headers=None, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    if body is not None and not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body, h)
    res = conn.getresponse()
    out = (res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
    conn.close()
    return out


def keyed(round_, i):
    body = {"title": f"Panne {BACKEND} {round_}-{i}"}
    return call("POST", "/api/v1/programmes", admin,
                {"Idempotency-Key": f"fault-{round_}-{i}"}, body)


def programme_titles():
    titles, cursor = [], None
    while True:
        path = "/api/v1/programmes?limit=200" + (f"&cursor={cursor}" if cursor else "")
        status, _, body = call("GET", path, admin)
        page = json.loads(body)
        titles += [p["title"] for p in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return titles


def recording(size):
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(size - 24)


def b64(s):
    import base64
    return base64.b64encode(s.encode()).decode()


def tus(method, path, headers=None, body=None):
    return call(method, path, trainer, {"Tus-Resumable": "1.0.0", **(headers or {})}, body)


def slow_patch(path, offset, data, acked):
    """The last PATCH, in 64 KiB pieces: the kill comes while it runs."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall((f"PATCH {path} HTTP/1.1\r\nHost: griot\r\nAuthorization: Bearer {trainer}\r\n"
                   f"Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n"
                   f"Content-Type: application/offset+octet-stream\r\n"
                   f"Content-Length: {len(data)}\r\n\r\n").encode())
        for at in range(0, len(data), 64 << 10):
            s.sendall(data[at:at + (64 << 10)])
            time.sleep(0.01)
        reply = s.recv(4096).decode(errors="replace")
        if reply.startswith("HTTP/1.1 204"):
            acked.append(reply)
        s.close()
    except OSError:
        pass


files = os.path.join(WORK, "data", "files")


def stored():
    return {os.path.relpath(os.path.join(d, f), files) for d, _, fs in os.walk(files) for f in fs}


seeded = stored()
restarts = []
start()
expected_titles = []
uploads = []
for round_ in range(ROUNDS):
    # A tus upload whose last MiB is in flight at the kill.
    size = 8 * MiB
    data = recording(size)
    meta = ",".join([f"session_id {b64(session)}", f"title {b64(f'Panne {round_}')}",
                     f"kind {b64('recording')}", f"filename {b64(f'panne-{round_}.mp4')}"])
    status, h, _ = tus("POST", "/api/v1/uploads", {"Upload-Length": str(size), "Upload-Metadata": meta})
    where = h.get("location", "")
    status, h, _ = tus("PATCH", where, {"Upload-Offset": "0",
                                        "Content-Type": "application/offset+octet-stream"},
                       data[:size - MiB])
    expect(f"round {round_}: upload created, first 7 MiB stored ({status})", status == 204)
    uploads.append((where, data))
    acked_patch = []
    threads = [threading.Thread(target=slow_patch, args=(where, size - MiB, data[size - MiB:], acked_patch))]
    # Keyed writes sent without a pause by a few clients until the kill, so
    # that some are in flight when it lands.
    started, answers, stop = set(), {}, threading.Event()
    lock = threading.Lock()

    def client(c, round_=round_):
        for i in range(c, 10_000, SENDERS):
            if stop.is_set():
                return
            with lock:
                started.add(i)
            try:
                status = keyed(round_, i)[0]
            except OSError:
                status = None
            with lock:
                answers[i] = status
    threads += [threading.Thread(target=client, args=(c,)) for c in range(SENDERS)]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.05, 0.8))
    kill()
    stop.set()
    for t in threads:
        t.join()
    acked = sorted(i for i, st in answers.items() if st == 201)
    unanswered = sorted(started - set(acked))
    restarts.append(start())

    # Every keyed request started again, with its key: the first answer if
    # it committed, a first run if not.
    retried = {i: keyed(round_, i) for i in sorted(started)}
    statuses = sorted({r[0] for r in retried.values()})
    replayed = sum(1 for r in retried.values() if r[1].get("idempotent-replayed") == "true")
    expect(f"round {round_}: {len(acked)} keyed writes acknowledged, {len(unanswered)} in flight at the kill; "
           f"every retry 201 ({replayed} replayed, {len(retried) - replayed} run now): {statuses}",
           statuses == [201])
    lost = [i for i in acked if retried[i][1].get("idempotent-replayed") != "true"]
    expect(f"round {round_}: every acknowledged write replays its answer (not run again: {lost})", not lost)
    expected_titles += [f"Panne {BACKEND} {round_}-{i}" for i in sorted(started)]

    # The upload: HEAD says where it stands; complete only with its material.
    # A tus client retries a 423 (the material being made by a process
    # that died holds the upload until its lease lapses, seconds).
    waited = time.monotonic()
    while True:
        status, h, _ = tus("HEAD", where)
        if status != 423 or time.monotonic() - waited > 20:
            break
        time.sleep(0.5)
    waited = time.monotonic() - waited
    offset = int(h.get("upload-offset", -1))
    complete_without = offset == size and "material-id" not in h
    expect(f"round {round_}: HEAD after restart {status} (after {waited:.1f} s), Upload-Offset {offset}"
           f"{', Material-Id ' + h['material-id'] if 'material-id' in h else ''}",
           status == 200 and not complete_without)
    if offset < size:
        status, h, _ = tus("PATCH", where, {"Upload-Offset": str(offset),
                                            "Content-Type": "application/offset+octet-stream"},
                           data[offset:])
    material = h.get("material-id")
    status, _, content = call("GET", f"/api/v1/materials/{material}/content", learner)
    expect(f"round {round_}: the upload ends with material {material}, SHA-256 matches",
           status == 200 and hashlib.sha256(content).digest() == hashlib.sha256(data).digest())

titles = programme_titles()
doubled = sorted({t for t in titles if t.startswith(f"Panne {BACKEND}") and titles.count(t) != 1})
missing = sorted(set(expected_titles) - set(titles))
expect(f"{len(expected_titles)} keyed writes, each exactly once (doubled: {doubled[:5]}, missing: {missing[:5]})",
       not doubled and not missing)
print(f"[{BACKEND}] restart to ready: median {sorted(restarts)[len(restarts) // 2] * 1000:.0f} ms, "
      f"max {max(restarts) * 1000:.0f} ms", flush=True)
kill()

# Age every stored file past the grace period, sweep, and look.
old = time.time() - 25 * 3600
for d, _, fs in os.walk(files):
    for f in fs:
        os.utime(os.path.join(d, f), (old, old))
subprocess.run([BIN, "housekeeping"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
start()
status, _, body = call("GET", f"/api/v1/sessions/{session}/materials?limit=200", learner)
kept = {f"materials/{m['id']}" for m in json.loads(body)["items"]} if status == 200 else set()
left = stored()
strays = sorted(left - kept - seeded)
expect(f"after housekeeping, every stored file is a material's ({len(left)} files; strays: {strays[:5]})",
       not strays)
kill()

print(f"[{BACKEND}] fault-check (seed {SEED}): "
      + ("all checks passed" if not failures else f"{len(failures)} check(s) FAILED"), flush=True)
if failures:
    os.system(f"tail -n 20 {os.path.join(WORK, 'server.log')} | cut -c1-300")
sys.exit(1 if failures else 0)
