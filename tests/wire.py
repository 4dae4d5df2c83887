"""Helpers for socket-level tests: a fake served on 127.0.0.1, raw requests and their answers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mockserver import Profile, create_app
from mockserver.server import ServerThread


@contextmanager
def served(profile: Profile | None = None, **options: Any) -> Iterator[ServerThread]:
    """A fake under uvicorn on a free port; `options` go to ServerThread (e.g. body_timeout)."""
    token = options.pop("control_token", None)
    app = create_app(profile or Profile(rate_limit_per_minute=0), control_token=token)
    thread = ServerThread(app, **options).start()
    try:
        yield thread
    finally:
        thread.stop()


def address(server: ServerThread) -> tuple[str, int]:
    return server.socket.getsockname()[:2]


def head(method: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_answer(sock: socket.socket, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one answer with a Content-Length."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {data!r}")
        data += chunk
    top, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(status_line.split()[1]), headers, rest[:length]


def envelope_code(body: bytes) -> str:
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "requestId"}
    return error["code"]


def start_cli(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`rivya-mock --port 0 --quiet ARGS` in a subprocess (no request log to fill the unread
    stderr pipe); returns it and its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if not first.startswith("Rivya mock listening on "):
        process.kill()
        raise RuntimeError(f"rivya-mock did not start: {first!r} {process.communicate()}")
    return process, first.rsplit(" ", 1)[1]


def stop_cli(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)


def wait_for_exit(process: subprocess.Popen, limit: float) -> float | None:
    """Seconds until `process` exited, or None if it still runs after `limit` seconds."""
    started = time.monotonic()
    try:
        process.wait(limit)
    except subprocess.TimeoutExpired:
        return None
    return time.monotonic() - started


def read_answers(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """`count` answers with a Content-Length, read from one connection."""
    sock.settimeout(10)
    data, answers = b"", []
    while len(answers) < count:
        top, found, rest = data.partition(b"\r\n\r\n")
        length = int(
            next(
                (
                    line.split(b":")[1]
                    for line in top.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                b"-1",
            )
        )
        if found and 0 <= length <= len(rest):
            answers.append((int(top.split()[1]), rest[:length]))
            data = rest[length:]
            continue
        chunk = sock.recv(65536)
        assert chunk, f"closed after {len(answers)} answers"
        data += chunk
    assert data == b"", "more bytes than the answers"
    return answers
