"""The request journal: a bounded ring buffer of public requests, filled by a pure ASGI middleware.

Each entry says who asked what and how it ended, and for a rejection which rule rejected it.
Requests are stored raw and turned into entries only when read, to keep the hot path cheap.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .clock import format_timestamp

CAPACITY = 1000
PREVIEW_BYTES = 4096  # the body prefix kept for the summary; bodies stream on untouched
SHORT_TEXT = 80
CONTROL_PREFIX = "/_mock"


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def shorten(value: Any, depth: int = 0) -> Any:
    """A JSON value cut down for display: long strings, long lists and deep nesting trimmed."""
    if isinstance(value, str):
        return value if len(value) <= SHORT_TEXT else value[:SHORT_TEXT] + "…"
    if isinstance(value, list):
        items = [shorten(v, depth + 1) for v in value[:5]]
        return items + [f"… {len(value) - 5} more"] if len(value) > 5 else items
    if isinstance(value, dict):
        if depth >= 3:
            return "{…}"
        return {k: shorten(v, depth + 1) for k, v in value.items()}
    return value


def body_summary(content_type: str, size: int, prefix: bytes) -> dict[str, Any] | None:
    """Size and type of a request body, plus its shortened JSON when it is small JSON."""
    if size == 0:
        return None
    summary: dict[str, Any] = {"bytes": size, "content_type": content_type or None}
    if "json" in content_type and size <= len(prefix):
        try:
            summary["json"] = shorten(json.loads(prefix))
        except (ValueError, RecursionError):
            summary["json"] = None
    return summary


@dataclass(slots=True)
class Record:
    """One request as the middleware saw it, before it is turned into an entry."""

    time: float
    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    status: int | None
    error: Any
    fault: dict[str, Any] | None
    body_size: int
    body_prefix: bytes
    duration: float = 0.0  # seconds of real time from the request's start to its end

    def header(self, name: bytes) -> str:
        for key, value in self.headers:
            if key.lower() == name:
                return value.decode("latin-1")
        return ""

    def declared_size(self) -> int:
        """Bytes read, or the declared length of a body nobody read (a fault answered first)."""
        declared = self.header(b"content-length")
        return self.body_size or (int(declared) if declared.isdigit() else 0)


class Journal:
    """The last `capacity` requests, oldest first, each numbered by `seq`.

    `account_of` maps an Authorization header to an account id (or None) when entries are read.
    """

    def __init__(
        self, capacity: int = CAPACITY, account_of: Callable[[str], str | None] = lambda _: None
    ) -> None:
        self._records: deque[tuple[int, Record]] = deque(maxlen=capacity)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.account_of = account_of
        self.listeners: list[Callable[[int, Record], None]] = []

    def record(self, record: Record) -> None:
        with self._lock:
            seq = next(self._seq)
            self._records.append((seq, record))
        for listener in self.listeners:  # observers (the terminal log), told outside the lock
            listener(seq, record)

    def last_seq(self) -> int:
        """The `seq` of the newest entry (0 when empty), without building any entry."""
        with self._lock:
            return self._records[-1][0] if self._records else 0

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries matching every filter given (see `matches`); `limit` keeps the newest."""
        limit = filters.pop("limit", None)
        with self._lock:
            records = list(self._records)
        chosen = [e for e in (self.entry(seq, r) for seq, r in records) if matches(e, filters)]
        return chosen[-limit:] if limit else chosen

    def entry(self, seq: int, record: Record) -> dict[str, Any]:
        error, status = record.error, record.status
        code = getattr(error, "code", None)
        if status == 500 and error is None:
            code = "internal_error"
        return {
            "seq": seq,
            "time": format_timestamp(record.time),
            "method": record.method,
            "path": record.path,
            "query": record.query.decode("latin-1"),
            "status": status,
            "error_code": code,
            "rule": getattr(error, "rule", None),
            "message": getattr(error, "message", None),
            "fault": record.fault,
            "duration_ms": round(record.duration * 1000, 3),
            "account": self.account_of(record.header(b"authorization")),
            "body": body_summary(
                record.header(b"content-type"), record.declared_size(), record.body_prefix
            ),
        }


def matches(entry: dict[str, Any], filters: dict[str, Any]) -> bool:
    """method/status/error_code/rule/account are exact; `path` is a substring; `since` a seq."""
    for name, wanted in filters.items():
        if wanted is None:
            continue
        if name == "path":
            if wanted not in entry["path"]:
                return False
        elif name == "since":
            if entry["seq"] <= wanted:
                return False
        elif name == "method":
            if entry["method"] != str(wanted).upper():
                return False
        elif entry.get(name) != wanted:
            return False
    return True


class _BodyTap:
    """Counts the request body and keeps its first bytes, passing every message through."""

    def __init__(self, receive: Any) -> None:
        self._receive = receive
        self.size = 0
        self.prefix = b""

    async def receive(self) -> dict[str, Any]:
        message = await self._receive()
        body = message.get("body", b"")
        self.size += len(body)
        if len(self.prefix) < PREVIEW_BYTES:
            self.prefix += body[: PREVIEW_BYTES - len(self.prefix)]
        return message


class JournalMiddleware:
    """Records every public request (not `/_mock`) once its response has started or failed."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or is_control_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        control = scope["app"].state.control
        state = scope.setdefault("state", {})
        tap = _BodyTap(receive)
        status: list[int] = []
        started = time.perf_counter()

        async def tapped_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, tap.receive, tapped_send)
        except BaseException:
            status.append(status[-1] if status else 500)
            raise
        finally:
            fault = state.get("fault")
            dropped = fault is not None and fault["action"] == "drop_connection"
            control.journal.record(
                Record(
                    time=control.backend.clock.now(),
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b""),
                    headers=scope.get("headers", []),
                    status=None
                    if dropped or not status
                    else status[-1],  # a drop sends no whole answer
                    error=state.get("api_error"),
                    fault=fault,
                    body_size=tap.size,
                    body_prefix=tap.prefix,
                    duration=time.perf_counter() - started,
                )
            )
