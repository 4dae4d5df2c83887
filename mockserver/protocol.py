"""The HTTP/1.1 protocol the fake is served with: uvicorn's httptools protocol plus wire rules.

What uvicorn leaves open and spec §4/§15 close, per connection:
- a header section over 64 KiB is refused with 431 (envelope) before it is buffered;
- a request body silent for `body_timeout` seconds is answered 408 and the connection closed;
  on shutdown a body still awaited is answered at once, so SIGTERM never waits on a client;
- a header section still unfinished `body_timeout` seconds after it began is answered 408 too
  (checked by one timer per connection, so keep-alive requests pay nothing for it);
- a close with request bytes still unread lingers (half-close, then discard a bounded amount) so
  that a client which reads only after sending (urllib) gets the answer instead of a reset;
- malformed HTTP is answered 400 in the envelope, not in plain text (after the answers to the
  requests pipelined before it; a malformed body, e.g. a bad chunk, by the app reading it);
- an answer's small writes are held until the event loop's pass ends and sent as one;
- a request asking to upgrade (WebSocket, h2c) is an ordinary request, body and all;
- at most PIPELINE_LIMIT pipelined requests are read ahead of their answers.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import (
    HIGH_WATER_LIMIT,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from .errors import ValidationFailed
from .headers import header
from .responses import dump
from .serializers import error_json

HEADER_LIMIT = 64 * 1024  # bytes of request line and headers
BODY_TIMEOUT = 30.0  # seconds of silence while a request body is awaited
LINGER_BYTES = 64 * 1024 * 1024  # unread input discarded after a close, at most
LINGER_SECONDS = 10.0
WRITE_HOLD_BYTES = 64 * 1024  # bytes a connection holds back until the loop's pass ends
PIPELINE_LIMIT = 16  # requests read ahead on one connection while one is answered
FEED_BYTES = 4096  # the parser's bites of a read that may hold several requests
_END_OF_HEAD = b"\r\n\r\n"


class _AnsweredCancellations(logging.Filter):
    """uvicorn logs a traceback for a request stopped by shutdown's grace period; the fake
    answers that request itself (`_answer_stopped`), so the log need not say more than
    uvicorn's one line. (Malformed and Upgrade requests are parsed here, never by uvicorn's
    `data_received`, so its warnings for them are never logged.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return not str(record.msg).startswith("Exception in ASGI application")
        return True


def _quiet_answered_cancellations() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _AnsweredCancellations) for f in logger.filters):
        logger.addFilter(_AnsweredCancellations())


def _random_request_id() -> str:
    return "req_" + secrets.token_hex(12)


class _ConnectionTransport:
    """The connection's transport as the request cycles see it: `close()` may linger, and
    small writes are held until the event loop's current pass ends (see `write`)."""

    def __init__(self, transport: asyncio.Transport, protocol: FakeHttpProtocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._held: list[bytes] = []
        self._held_bytes = 0
        # the hot calls, bound once (no __getattr__ on every request)
        self.pause_reading = transport.pause_reading
        self.resume_reading = transport.resume_reading
        self.get_extra_info = transport.get_extra_info

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def write(self, data: bytes) -> None:
        """Hold small writes until the loop's current pass ends, then send them as one.

        uvicorn writes an answer's head and body separately, and under load the loop answers
        many connections in one pass. Sent as they come, every write wakes the client's
        process on its own (measured: about a quarter of the CPU a served create costs); held
        and sent together at the end of the pass, each answer is one write and the client
        wakes once for a burst. The wait is the rest of the pass the answer was made in. Large
        writes (a file download) go out at once, so at most WRITE_HOLD_BYTES wait per
        connection and uvicorn's flow control sees the transport's buffer as before."""
        if self._held_bytes + len(data) > WRITE_HOLD_BYTES:
            self.flush()
            self._send(data)
            return
        if not self._held:
            self._protocol.loop.call_soon(self.flush)
        self._held.append(data)
        self._held_bytes += len(data)

    def flush(self) -> None:
        """Send what is held now (before any close, and at the end of the loop's pass)."""
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        self._send(data)

    def _send(self, data: bytes) -> None:
        """Write now, unless the client is gone or the connection half-closed (then it is lost)."""
        if not self._transport.is_closing() and not self._protocol.lingering:
            self._transport.write(data)

    def close(self) -> None:
        self._protocol.close_connection()

    def is_closing(self) -> bool:
        return self._protocol.lingering or self._transport.is_closing()


class FakeHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the fake's limits; see the module docstring."""

    body_timeout: float = BODY_TIMEOUT
    header_limit: int = HEADER_LIMIT
    request_id: Callable[[], str] = staticmethod(_random_request_id)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lingering = False
        self._stopping = False
        self._raw: asyncio.Transport | None = None
        self._in_head, self._head_bytes, self._tail = True, 0, b""
        self._linger_left = 0
        self._linger_timer: asyncio.TimerHandle | None = None
        self._awaiting: RequestResponseCycle | None = None
        self._stalled: str | None = None
        self._head_started: float | None = None
        self._watch: asyncio.TimerHandle | None = None
        self._refusal: bytes | None = None  # to send once the answers under way are sent
        self._unread = b""  # received, not yet parsed: PIPELINE_LIMIT requests are waiting
        self._body_left = 0  # bytes of an Upgrade request's body still to come
        self._malformed: str | None = None  # why the body being read cannot be read

    # -- connection ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._raw = transport  # uvloop's TCPTransport is no asyncio.Transport subclass
        super().connection_made(_ConnectionTransport(transport, self))  # type: ignore[arg-type]
        self._watch = self.loop.call_later(self.body_timeout, self._check_head)

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._linger_timer, self._watch):
            if timer is not None:
                timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # refused already: the answers under way finish, then the connection closes
        if self.lingering:
            self._linger_left -= len(data)
            if self._linger_left <= 0:
                self._close_now()
            return
        if self._unread:  # read before reading paused: it waits with the rest
            self._unread += data
            return
        self._feed(data)

    def _feed(self, data: bytes, pipeline_limit: float = PIPELINE_LIMIT) -> None:
        """Parse `data`, in bites of FEED_BYTES when it may hold several requests, and stop
        while PIPELINE_LIMIT requests wait for their answers: the rest waits, unparsed, and
        reading pauses. (Parsed at once, a read of pipelined requests became thousands of
        queued requests, and every answer let another read in: memory without bound.) Bites
        also keep the header limit exact for a request that begins inside a read."""
        size = len(data)
        several = size > FEED_BYTES and (not self._in_head or b"\r\n\r\n" in data)
        bite = FEED_BYTES if several else size  # (a body may end, or a head, inside the read)
        start = 0
        while start < size:
            if len(self.pipeline) >= pipeline_limit:
                self._unread = data[start:]
                self.flow.pause_reading()
                return
            self._feed_bite(data[start : start + bite])
            start += bite
            if start < size and (self._refusal is not None or self.transport.is_closing()):
                return

    def _feed_bite(self, data: bytes) -> None:
        if self._body_left:  # the body of an Upgrade request, read past the parser
            data = self._take_body(data)
            if not data:
                return
        if self._in_head and self._head_started is None:
            self._head_started = self.loop.time()
        if self._in_head and self._head_too_large(data):
            self._refuse(
                431,
                f"headers: the request line and headers must be at most {self.header_limit} bytes",
            )
            return
        self._unset_keepalive_if_required()  # what uvicorn's data_received does, then it parses
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._not_upgraded(data[upgrade.args[0] :])
        except httptools.HttpParserError:
            self.send_400_response("Invalid HTTP request received.")
        cycle = self.cycle
        if cycle is not None and cycle.more_body and "receive" not in cycle.__dict__:
            # The body is still coming: time its silences. A request whose body came whole with
            # its headers (most of them) never pays for this; its task has not started yet.
            cycle.receive = self._receive_for(cycle, cycle.receive)  # type: ignore[method-assign,assignment]

    def _not_upgraded(self, rest: bytes) -> None:
        """An Upgrade request (WebSockets are off, and there is no HTTP/2): an ordinary request.
        The parser took what followed its headers for the new protocol, so its body (by
        Content-Length) is read here, and what follows is parsed again as HTTP."""
        cycle = self.cycle
        scope: Any = cycle.scope
        length = header(scope, b"content-length") or "0"
        if header(scope, b"transfer-encoding") is not None or not length.isdigit():
            cycle.more_body = True  # its reader gets the refusal (see `_refuse`)
            self._refuse(400, "Upgrade: a request asking to upgrade needs a Content-Length body")
            return
        cycle.more_body = int(length) > 0
        self._body_left = int(length)
        if rest:
            self._feed_bite(rest)

    def _take_body(self, data: bytes) -> bytes:
        """Give the Upgrade request its body's bytes out of `data`; return what follows it."""
        cycle, taken = self.cycle, data[: self._body_left]
        self._body_left -= len(taken)
        cycle.body += taken
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()  # as uvicorn's on_body: reading resumes as the app reads
        cycle.more_body = self._body_left > 0
        cycle.message_event.set()
        return data[len(taken) :]

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._unread and len(self.pipeline) < PIPELINE_LIMIT and not self.transport.is_closing():
            data, self._unread = self._unread, b""
            self._feed(data)

    def eof_received(self) -> bool | None:  # type: ignore[override]
        """The client will send nothing more (it may still read). A whole request still being
        answered keeps the connection open for its answer, then it closes; a header section cut
        short is answered 400; otherwise the connection closes."""
        if self.lingering:
            self._close_now()
            return None
        if self._refusal is not None:  # the answers under way go out, then the refusal, the close
            return True
        if self._unread:  # the client sent all it will: what waited is read now (one read's worth)
            data, self._unread = self._unread, b""
            self._feed(data, pipeline_limit=math.inf)
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            cycle.keep_alive = False
            return True
        # (a body cut short is a client gone: its request is journaled `client_disconnected`)
        if self._head_started is not None:  # part of a header section, and no more to come
            self._refuse(400, "headers: the input ended before the header section was complete")
        self.transport.flush()  # type: ignore[attr-defined]  # the transport closes itself next
        return None

    def shutdown(self) -> None:
        """Server shutdown: answer a body still awaited now, stop lingering, close when idle."""
        self._stopping = True
        if self.lingering:
            self._close_now()
            return
        if self._awaiting is not None:
            self._stall(self._awaiting, "shutdown")
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            # still running when the grace period ends, it is cancelled: uvicorn would then
            # answer a plain-text 500; the envelope's comes instead
            cycle.send_500_response = functools.partial(self._answer_stopped, cycle)  # type: ignore[method-assign]
        super().shutdown()

    async def _answer_stopped(self, cycle: RequestResponseCycle) -> None:
        message = "The server stopped before this request was answered."
        body = dump(error_json("internal_error", message, self.request_id()))
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
            (b"connection", b"close"),
        ]
        await cycle.send({"type": "http.response.start", "status": 500, "headers": headers})
        await cycle.send({"type": "http.response.body", "body": body})

    # -- the header section --------------------------------------------------------------------

    def _head_too_large(self, data: bytes) -> bool:
        total = self._head_bytes + len(data)
        if total <= self.header_limit:
            self._head_bytes = total
            self._tail = data[-3:] if len(data) >= 3 else (self._tail + data)[-3:]
            return False
        within = (self._tail + data)[: len(self._tail) + self.header_limit - self._head_bytes]
        return _END_OF_HEAD not in within

    def _check_head(self) -> None:
        """Every `body_timeout` seconds: has a header section been arriving for that long, or
        has a new connection sent nothing at all? (An answer under way is left alone.)"""
        if self.lingering or self._raw is None or self._raw.is_closing():
            return
        busy = self.cycle is not None and not self.cycle.response_complete
        started = self._head_started
        delay = self.body_timeout
        if not busy and started is not None:
            waited = self.loop.time() - started
            if waited >= self.body_timeout:
                self._refuse(408, f"headers: not received within {self.body_timeout:g} s")
                return
            delay = max(self.body_timeout - waited, 0.01)  # again when this one is due
        if self.cycle is None and started is None:  # connected, and never said a word
            self._close_now()
            return
        self._watch = self.loop.call_later(delay, self._check_head)

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes, self._tail = False, 0, b""
        self._head_started = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True

    # -- answers written here, outside the app -------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, f"The request is not valid HTTP/1.1 ({msg.rstrip('.')}).")

    def _refuse(self, status: int, message: str) -> None:
        """Answer in the envelope with Connection: close. With answers still under way for
        requests read before (pipelined), those go out first, then this one, then the close;
        unless the request being answered is itself cut short (its body cannot arrive)."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.keep_alive = False  # the newest request is answered last, then closes
            if cycle.more_body:
                # its own body is what is malformed: reading it raises the 400 in the envelope
                self._malformed = message
                self._refusal = b""  # nothing more to send, nothing more to read
                cycle.message_event.set()  # wake a reader waiting for the body
                return
            self._refusal = self._refusal or self._refusal_bytes(status, message)
            return
        self.transport.write(self._refusal_bytes(status, message))
        self.close_connection(unread=True)

    def _refusal_bytes(self, status: int, message: str) -> bytes:
        body = dump(error_json("validation_failed", message, self.request_id()))
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        return b"".join(head) + body

    # -- closing -------------------------------------------------------------------------------

    def close_connection(self, unread: bool = False) -> None:
        """Close; if request bytes may still be coming, half-close and discard them first."""
        raw = self._raw
        if raw is None or raw.is_closing():
            return
        if self.lingering:
            self._close_now()
            return
        refusal, self._refusal = self._refusal, None
        if refusal is not None:  # refused while answers were under way: they went out first
            if refusal:
                self.transport.write(refusal)
            unread = True
        self.transport.flush()  # type: ignore[attr-defined]  # what is held goes out first
        unread = unread or (self.cycle is not None and self.cycle.more_body)
        if self._stopping or not unread or not raw.can_write_eof():
            raw.close()
            return
        self.lingering = True
        self._linger_left = LINGER_BYTES
        raw.write_eof()
        raw.resume_reading()
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self._close_now)

    def _close_now(self) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        if self._raw is not None and not self._raw.is_closing():
            self.transport.flush()  # type: ignore[attr-defined]  # (nothing once lingering)
            self._raw.close()

    # -- the body: silence and shutdown --------------------------------------------------------

    def _receive_for(
        self, cycle: RequestResponseCycle, receive: Callable[[], Awaitable[Any]]
    ) -> Callable[[], Awaitable[Any]]:
        async def timed_receive() -> Any:
            if self._malformed is not None:
                raise self._malformed_error()
            if cycle.message_event.is_set() or cycle.disconnected or cycle.response_complete:
                return await receive()  # nothing to wait for: no timer
            return await self._await_body(cycle, receive)

        return timed_receive

    async def _await_body(
        self, cycle: RequestResponseCycle, receive: Callable[[], Awaitable[Any]]
    ) -> Any:
        if self._stopping:
            self._stalled = "shutdown"
            cycle.message_event.set()
        timer = self.loop.call_later(self.body_timeout, self._stall, cycle, "timeout")
        self._awaiting = cycle
        try:
            message = await receive()
        finally:
            timer.cancel()
            self._awaiting = None
        reason, self._stalled = self._stalled, None
        if self._malformed is not None:
            raise self._malformed_error()
        if reason and message.get("more_body") and not message.get("body"):
            raise self._stall_error(reason)
        return message

    def _stall(self, cycle: RequestResponseCycle, reason: str) -> None:
        self._stalled = reason
        cycle.message_event.set()

    def _malformed_error(self) -> ValidationFailed:
        return ValidationFailed(
            self._malformed or "", headers={"Connection": "close"}, rule="malformed_http"
        )

    def _stall_error(self, reason: str) -> ValidationFailed:
        if reason == "shutdown":
            message, rule = "body: the server is stopping and the body has not arrived", "shutdown"
        else:
            message = f"body: nothing arrived for {self.body_timeout:g} s"
            rule = "body_timeout"
        return ValidationFailed(message, status=408, headers={"Connection": "close"}, rule=rule)


def protocol_class(
    app: Any = None, *, body_timeout: float = BODY_TIMEOUT
) -> type[FakeHttpProtocol]:
    """The protocol for serving `app`: request ids from its backend, when it has one."""
    _quiet_answered_cancellations()
    backend = getattr(getattr(app, "state", None), "backend", None)
    attributes: dict[str, Any] = {"body_timeout": body_timeout}
    if backend is not None:
        state = app.state
        attributes["request_id"] = staticmethod(lambda: state.backend.streams.request_id())
    return type("ServedFakeProtocol", (FakeHttpProtocol,), attributes)
