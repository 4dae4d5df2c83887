"""Defects found by black-box testing the served fake over real sockets (spec §1-§13, §15).

Each test names the rule it checks; each failed before its fix.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from mockserver.mock import MockServer


@pytest.fixture(scope="module")
def served() -> Iterator[MockServer]:
    with MockServer(seed=7, clock="manual", rate_limit_per_minute=0) as server:
        yield server


def raw_exchange(url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client normalising headers); the status and the body."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += sock.recv(65536)
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("separator", [b"\t", b" \t ", b"  "])
def test_authorization_scheme_and_token_may_be_separated_by_any_whitespace(served, separator):
    # §4: "the scheme is case-insensitive and surrounding whitespace is ignored" (HTTP's
    # whitespace is SP and HTAB); a tab after `Bearer` was read as part of the scheme
    request = (
        b"GET /api/v1/credits HTTP/1.1\r\nHost: x\r\nAuthorization: bearer"
        + separator
        + served.api_key.encode()
        + b"\r\n\r\n"
    )
    status, body = raw_exchange(served.url, request)
    assert (status, body) == (200, b'{"current_credits":1000}')


@pytest.mark.parametrize("port", ["70000", "-1", "x"])
def test_a_port_out_of_range_exits_2_naming_it(port):
    # §13: a bad value exits with status 2 and a message naming it (was a traceback, status 1)
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", port, "-q"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--port" in done.stderr
    assert "Traceback" not in done.stderr
