"""Soak: malformed requests of every kind and 45 MB uploads through a served fake, RSS before/after.

`python -m bench soak [--requests N] [--uploads M] [--upload-mb S] [--check]` (also
`python -m bench.soak`) starts `rivya-mock` as users start it, warms it up with every kind once,
reads its VmRSS, sends N malformed requests (cycling through the kinds below, over keep-alive
connections from a few threads), reads VmRSS again, uploads M files of S MB, reads it again, then
resets it fully and reads it a last time. It prints a summary and one `BENCH_JSON {...}` line.
Targets (spec §15, issue 10): < 25 MB growth for 20,000 malformed requests, and uploads leave RSS
flat (< 25 MB growth for 40 uploads of 45 MB). `--check` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.servers import read_status

ROOT = Path(__file__).resolve().parent.parent
KEY = "rvya_sk_soak_client_01"
AUTH = {"Authorization": f"Bearer {KEY}"}
JSON = {"Content-Type": "application/json"} | AUTH
BOUNDARY = "soakboundary"
FORM = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"} | AUTH
TARGET_MB = 25.0
MP4 = (ROOT / "fixtures" / "media" / "sample.mp4").read_bytes()


def _form(kind: bytes, filename: bytes, data: bytes, **fields: bytes) -> bytes:
    b = b"--" + BOUNDARY.encode()
    parts = [
        b + b'\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (name.encode(), value)
        for name, value in {"kind": kind, **fields}.items()
    ]
    parts.append(
        b + b'\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n\r\n' % filename
    )
    return b"".join(parts) + data + b"\r\n" + b + b"--\r\n"


# Each kind: (method, path, headers, body, the connection survives?)
Request = tuple[str, str, dict[str, str], bytes, bool]
KINDS: dict[str, Request] = {
    "bad_json": ("POST", "/api/v1/generations", JSON, b'{"model": "gpt-image-2", "prompt": ', True),
    "bad_json_100kb": (
        "POST",
        "/api/v1/generations",
        JSON,
        b'{"model":"gpt-image-2","prompt":"' + b"x" * 100_000 + b'",',
        True,
    ),
    "invalid_utf8": ("POST", "/api/v1/generations", JSON, b'{"prompt":"\xff\xfe"}', True),
    "lone_surrogate": (
        "POST",
        "/api/v1/generations",
        JSON,
        b'{"model":"gpt-image-2","prompt":"\\ud800"}',
        True,
    ),
    "huge_integer": ("POST", "/api/v1/generations", JSON, b'{"n":' + b"9" * 5001 + b"}", True),
    "deep_nesting": ("POST", "/api/v1/generations", JSON, b"[" * 50_000 + b"]" * 50_000, True),
    "duplicate_keys": (
        "POST",
        "/api/v1/generations",
        JSON,
        b'{"model":"z-image","model":"z-image","prompt":"x"}',
        True,
    ),
    "schema_invalid": (
        "POST",
        "/api/v1/generations",
        JSON,
        b'{"model":"gpt-image-2","prompt":"x","params":{"resolution":"8K"}}',
        True,
    ),
    "wrong_content_type": (
        "POST",
        "/api/v1/generations",
        {"Content-Type": "text/plain"} | AUTH,
        b"{}",
        True,
    ),
    "bad_idempotency_key": (
        "POST",
        "/api/v1/generations",
        JSON | {"Idempotency-Key": "has space"},
        b"{}",
        True,
    ),
    "multipart_invalid_utf8_field": (
        "POST",
        "/api/v1/files",
        FORM,
        _form(b"\xff\xfe", b"a.png", b"x"),
        True,
    ),
    "multipart_invalid_utf8_id": (
        "POST",
        "/api/v1/files",
        FORM,
        _form(b"image", b"a.png", b"\x89PNG\r\n\x1a\n", client_request_id=b"\xc3\x28"),
        True,
    ),
    "multipart_malformed": ("POST", "/api/v1/files", FORM, b"--nope\r\n\r\n", True),
    "spoofed_upload": (
        "POST",
        "/api/v1/files",
        FORM,
        _form(b"image", b"a.png", b"text" * 100),
        True,
    ),
    "unknown_route": ("GET", "/api/v1/nope", AUTH, b"", True),
    "wrong_method": ("DELETE", "/api/v1/credits", AUTH, b"", True),
    "bad_key": ("GET", "/api/v1/credits", {"Authorization": "Bearer nope"}, b"", True),
    "control_bad_json": ("POST", "/_mock/faults", {"Content-Type": "application/json"}, b"{", True),
    "control_bad_rule": ("POST", "/_mock/faults", {}, b'{"action":"explode"}', True),
    "declared_too_large": (
        "POST",
        "/api/v1/generations",
        JSON | {"Content-Length": "5000000"},
        b"",
        False,
    ),
    "header_too_large": ("GET", "/api/v1/credits", AUTH | {"X-Big": "h" * 70_000}, b"", False),
}
RAW_KINDS = {
    # sent on a raw socket: the client leaves mid-body, or the bytes are not HTTP
    "disconnect_mid_body": (
        b"POST /api/v1/generations HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer "
        + KEY.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        + b'{"model":"z-image"'
    ),
    "invalid_http": b"GET /api/v1/models HTTP/1.1\r\nHost soak\r\n\r\n",
}


class Fake:
    """`rivya-mock` in a subprocess on a free port, as users start it."""

    def __init__(self) -> None:
        command = [
            sys.executable,
            "-m",
            "mockserver",
            "--port",
            "0",
            "--quiet",  # no request log: it would cost the fake CPU and flood the terminal
            "--set",
            "rate_limit_per_minute=0",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.process.stdout is not None
        url = self.process.stdout.readline().split()[-1]
        self.host, port = url.removeprefix("http://").rsplit(":", 1)
        self.port = int(port)

    def rss(self) -> float:
        time.sleep(0.3)  # let the last answers finish
        return read_status(self.process.pid)["VmRSS"] / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _send(fake: Fake, conn: http.client.HTTPConnection | None, kind: str):
    """One request of `kind`; returns the connection to reuse (None if it was closed) and status."""
    if kind in RAW_KINDS:
        with socket.create_connection((fake.host, fake.port)) as sock:
            sock.sendall(RAW_KINDS[kind])
            if kind == "invalid_http":
                sock.settimeout(10)
                status = int(sock.recv(65536).split(b" ", 2)[1])
                return conn, status
        return conn, 0
    method, path, headers, body, survives = KINDS[kind]
    if conn is None:
        conn = http.client.HTTPConnection(fake.host, fake.port, timeout=30)
    try:
        if "Content-Length" in headers and not body:  # declared, never sent
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
        else:
            conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        status = response.status
    except (ConnectionError, http.client.HTTPException, OSError):
        conn.close()
        return None, -1
    if not survives or response.will_close:
        conn.close()
        conn = None
    return conn, status


def send_malformed(fake: Fake, count: int, threads: int = 4) -> Counter:
    kinds = [*KINDS, *RAW_KINDS]
    statuses: Counter = Counter()
    lock = threading.Lock()

    def work(offset: int) -> None:
        conn = None
        local: Counter = Counter()
        for n in range(offset, count, threads):
            kind = kinds[n % len(kinds)]
            conn, status = _send(fake, conn, kind)
            local[f"{kind}:{status}"] += 1
        if conn is not None:
            conn.close()
        with lock:
            statuses.update(local)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


def upload(fake: Fake, size: int) -> int:
    data = MP4 + bytes(max(0, size - len(MP4)))
    body = _form(b"video", b"soak.mp4", data)
    conn = http.client.HTTPConnection(fake.host, fake.port, timeout=120)
    try:
        conn.request("POST", "/api/v1/files", body=body, headers=FORM)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def reset(fake: Fake) -> None:
    conn = http.client.HTTPConnection(fake.host, fake.port, timeout=30)
    conn.request("POST", "/_mock/reset", body=b"{}")
    conn.getresponse().read()
    conn.close()


def run(requests: int, uploads: int, upload_mb: float, log: Callable[[str], None]) -> dict:
    fake = Fake()
    try:
        send_malformed(fake, 4 * (len(KINDS) + len(RAW_KINDS)), threads=1)  # warm every path
        upload(fake, int(upload_mb * 1_000_000)) if uploads else None
        reset(fake)
        before = fake.rss()
        log(f"RSS after warm-up: {before:.1f} MiB")
        started = time.monotonic()
        statuses = send_malformed(fake, requests)
        seconds = time.monotonic() - started
        after_malformed = fake.rss()
        log(
            f"{requests} malformed requests in {seconds:.1f} s: RSS {after_malformed:.1f} MiB "
            f"(+{after_malformed - before:.1f})"
        )
        upload_statuses = Counter(upload(fake, int(upload_mb * 1_000_000)) for _ in range(uploads))
        after_uploads = fake.rss()
        log(
            f"{uploads} uploads of {upload_mb:g} MB: RSS {after_uploads:.1f} MiB "
            f"(+{after_uploads - after_malformed:.1f}) {dict(upload_statuses)}"
        )
        reset(fake)
        after_reset = fake.rss()
        log(f"after a full reset: RSS {after_reset:.1f} MiB")
        server_errors = sum(n for key, n in statuses.items() if key.endswith(":500"))
    finally:
        fake.stop()
    malformed_growth = after_malformed - before
    upload_growth = after_uploads - after_malformed
    return {
        "requests": requests,
        "kinds": len(KINDS) + len(RAW_KINDS),
        "seconds": round(seconds, 2),
        "rss_mib": {
            "before": round(before, 1),
            "after_malformed": round(after_malformed, 1),
            "after_uploads": round(after_uploads, 1),
            "after_reset": round(after_reset, 1),
        },
        "malformed_growth_mib": round(malformed_growth, 1),
        "uploads": uploads,
        "upload_mb": upload_mb,
        "upload_statuses": {str(k): v for k, v in upload_statuses.items()},
        "upload_growth_mib": round(upload_growth, 1),
        "server_errors": server_errors,
        "statuses": dict(sorted(statuses.items())),
        "targets": {
            "malformed_growth_mib_below": TARGET_MB * max(1.0, requests / 20_000),
            "upload_growth_mib_below": TARGET_MB,
        },
    }


def missed(result: dict) -> list[str]:
    targets = result["targets"]
    problems = []
    if result["malformed_growth_mib"] >= targets["malformed_growth_mib_below"]:
        problems.append(f"malformed requests grew RSS by {result['malformed_growth_mib']} MiB")
    if result["uploads"] and result["upload_growth_mib"] >= targets["upload_growth_mib_below"]:
        problems.append(f"uploads grew RSS by {result['upload_growth_mib']} MiB")
    if result["server_errors"]:
        problems.append(f"{result['server_errors']} answers were 500")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench soak", description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--uploads", type=int, default=40)
    parser.add_argument("--upload-mb", type=float, default=45.0)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    result = run(args.requests, args.uploads, args.upload_mb, lambda line: print(line, flush=True))
    problems = missed(result)
    for problem in problems:
        print(f"missed: {problem}")
    print("BENCH_JSON " + json.dumps(result), flush=True)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
