"""An answer's small writes are held until the event loop's pass ends, then sent as one.

The connection transport is driven here on a real event loop with a recording raw transport,
and once more over real sockets: answers of pipelined requests arrive whole and in order, and
a download larger than the hold limit streams as before.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
from typing import Any

import httpx
from support import auth
from wire import address, head, read_answers, served

from mockserver import protocol
from mockserver.protocol import WRITE_HOLD_BYTES, FakeHttpProtocol


class RecordingTransport:
    """A raw transport that records what is written and whether it was closed."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def can_write_eof(self) -> bool:
        return False

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


class StubProtocol:
    """What `_ConnectionTransport` asks of its protocol."""

    def __init__(self, loop: asyncio.AbstractEventLoop, raw: RecordingTransport) -> None:
        self.loop = loop
        self.lingering = False
        self.raw = raw
        self.transport: Any = None

    def close_connection(self) -> None:
        FakeHttpProtocol.close_connection(self)  # type: ignore[arg-type]

    # what FakeHttpProtocol.close_connection reads
    @property
    def _raw(self) -> RecordingTransport:
        return self.raw

    _stopping = False
    _refusal = None
    cycle = None


def connection(loop: asyncio.AbstractEventLoop) -> tuple[Any, RecordingTransport]:
    raw = RecordingTransport()
    stub = StubProtocol(loop, raw)
    stub.transport = protocol._ConnectionTransport(raw, stub)  # type: ignore[arg-type]
    return stub.transport, raw


def test_writes_made_in_one_pass_go_out_as_one_write_when_the_pass_ends():
    async def scenario() -> list[list[bytes]]:
        transport, raw = connection(asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 202 Accepted\r\n\r\n")
        transport.write(b'{"id":"task_x"}')
        during = list(raw.writes)
        await asyncio.sleep(0)  # the pass ends
        return [during, raw.writes]

    during, after = asyncio.run(scenario())
    assert during == []
    assert after == [b'HTTP/1.1 202 Accepted\r\n\r\n{"id":"task_x"}']


def test_a_write_over_the_hold_limit_goes_out_at_once_after_what_was_held():
    big = b"x" * (WRITE_HOLD_BYTES + 1)

    async def scenario() -> list[bytes]:
        transport, raw = connection(asyncio.get_running_loop())
        transport.write(b"head")
        transport.write(big)
        return list(raw.writes)

    assert asyncio.run(scenario()) == [b"head", big]


def test_close_sends_what_is_held_before_closing():
    async def scenario() -> tuple[list[bytes], bool]:
        transport, raw = connection(asyncio.get_running_loop())
        transport.write(b"answer")
        transport.close()
        await asyncio.sleep(0)  # the scheduled flush finds nothing more to send
        return raw.writes, raw.closed

    assert asyncio.run(scenario()) == ([b"answer"], True)


def test_nothing_is_written_once_the_connection_is_gone():
    async def scenario() -> list[bytes]:
        transport, raw = connection(asyncio.get_running_loop())
        transport.write(b"answer")
        raw.closed = True  # the client went away before the pass ended
        await asyncio.sleep(0)
        return raw.writes

    assert asyncio.run(scenario()) == []


def test_pipelined_requests_over_a_real_socket_are_answered_whole_and_in_order():
    with served() as server:
        requests = [head("GET", "/api/v1/credits", auth()), head("GET", "/api/v1/models")] * 3
        with socket.create_connection(address(server)) as sock:
            sock.sendall(b"".join(requests))
            answers = read_answers(sock, len(requests))
    assert [status for status, _ in answers] == [200] * 6
    assert [b"current_credits" in body for _, body in answers] == [True, False] * 3


def test_a_download_larger_than_the_hold_limit_arrives_whole():
    # over 1 MB: served from disk in 256 KiB chunks, each over the hold limit
    content = _png_with_tail(bytes(range(256)) * 6_000)
    with served() as server, httpx.Client(base_url=server.url, timeout=30) as client:
        made = client.post(
            "/api/v1/files",
            headers=auth(),
            data={"kind": "image"},
            files={"file": ("big.png", content, "image/png")},
        )
        assert made.status_code in (200, 201), made.text
        got = client.get(made.json()["url"])
    assert got.status_code == 200
    assert hashlib.sha256(got.content).digest() == hashlib.sha256(content).digest()


def _png_with_tail(tail: bytes) -> bytes:
    from mockserver.images import png

    return png(8, 8) + tail
