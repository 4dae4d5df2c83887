"""The request journal: a bounded ring buffer of public requests, filled by a pure ASGI middleware.

Each entry says who asked what and how it ended, and for a rejection which rule rejected it.
A request leaves one small `Record` of plain data (strings, numbers, a body prefix): never the
request, its headers, an exception or the `Authorization` value, so nothing a client sends can
keep memory alive beyond the record's own capped fields (spec §15). Records become the JSON
entries of `/_mock/requests` only when read.

Listeners: `journal.listeners` is a list of callables, each called with every new `Record` (on
the server's event loop, after the response; keep them quick). A listener that raises is logged
and otherwise ignored. Format a record with `record.entry()`.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson

from .clock import format_timestamp
from .headers import header

CAPACITY = 1000
PREVIEW_BYTES = 4096  # the body prefix kept for the summary; bodies stream on untouched
SHORT_TEXT = 80
CONTROL_PREFIX = "/_mock"
# What one record may keep of each client-chosen text (a 64 KiB path is cut to these).
TEXT_LIMITS = {"method": 32, "path": 2048, "query": 2048, "content_type": 256, "message": 2048}

log = logging.getLogger("rivya_mock.journal")


def is_control_path(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def capped(text: str, field: str) -> str:
    limit = TEXT_LIMITS[field]
    return text if len(text) <= limit else text[:limit] + "…"


def shorten(value: Any, depth: int = 0) -> Any:
    """A JSON value cut down for display: long strings, long lists and deep nesting trimmed."""
    if isinstance(value, str):
        return value if len(value) <= SHORT_TEXT else value[:SHORT_TEXT] + "…"
    if isinstance(value, list):
        if depth >= 3:
            return "[…]"
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
        summary["json"] = _loads_for_display(prefix)
    return summary


def _loads_for_display(raw: bytes) -> Any:
    """The body's JSON shortened for display, or None: orjson first (the request log reads every
    entry), the lenient standard library for what orjson refuses (NaN, huge numbers), but never
    what the log could not then serve (lone surrogates)."""
    try:
        return shorten(orjson.loads(raw))
    except orjson.JSONDecodeError:
        pass
    try:
        shown = shorten(json.loads(raw))
        orjson.dumps(shown)  # the log is served as JSON, which a lone surrogate would break
    except (ValueError, RecursionError, orjson.JSONEncodeError):
        return None
    return shown


@dataclass(slots=True)
class Record:
    """One public request as plain data, capped, as the middleware saw it.

    `error` is (code, message, rule) of the error the client got; `fault` is (action, source)
    when a fault answered; `status` is None when no whole answer was sent (a dropped connection).
    """

    seq: int = 0
    time: float = 0.0
    method: str = "GET"
    path: str = "/"
    query: str = ""
    status: int | None = None
    error: tuple[str, str, str] | None = None
    fault: tuple[str, str] | None = None
    account: str | None = None
    content_type: str = ""
    body_size: int = 0
    body_prefix: bytes = b""
    duration: float = 0.0  # real seconds from the request's arrival to its end

    def kept(self) -> tuple[Any, ...]:
        """The record as the journal keeps it: a flat tuple of its plain values
        (`Record.from_kept` makes it a record again). A tuple holding only strings, numbers,
        bytes and None drops out of the garbage collector's view at its first pass; a Record
        kept for the last 1,000 requests stayed tracked, and served, the passes that walked
        them cost ~7 us of CPU a create."""
        code, message, rule = self.error or (None, None, None)
        action, source = self.fault or (None, None)
        return (
            self.seq,
            self.time,
            self.method,
            self.path,
            self.query,
            self.status,
            code,
            message,
            rule,
            action,
            source,
            self.account,
            self.content_type,
            self.body_size,
            self.body_prefix,
            self.duration,
        )

    @classmethod
    def from_kept(cls, kept: tuple[Any, ...]) -> Record:
        seq, time_, method, path, query, status, code, message, rule, action, source, *rest = kept
        account, content_type, body_size, body_prefix, duration = rest
        return cls(
            seq,
            time_,
            method,
            path,
            query,
            status,
            None if code is None else (code, message, rule),
            None if action is None else (action, source),
            account,
            content_type,
            body_size,
            body_prefix,
            duration,
        )

    def outcome(self) -> dict[str, Any]:
        """What was asked and how it ended: the part of the entry the request log shows (no body
        summary to parse, no timestamp to format)."""
        code, message, rule = self.error or (None, None, None)
        if self.status == 500 and code is None:
            code = "internal_error"
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "error_code": code,
            "rule": rule,
            "message": message,
            "fault": {"action": self.fault[0], "source": self.fault[1]} if self.fault else None,
            "duration_ms": round(self.duration * 1000, 3),
        }

    def entry(self) -> dict[str, Any]:
        """The JSON entry of `/_mock/requests` (docs/control-plane.md)."""
        return {
            "seq": self.seq,
            "time": format_timestamp(self.time),
            **self.outcome(),
            "account": self.account,
            "body": body_summary(self.content_type, self.body_size, self.body_prefix),
        }


class Journal:
    """The last `capacity` requests, oldest first, each numbered by `seq`."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._records: deque[tuple[Any, ...]] = deque(maxlen=capacity)  # Record.kept()
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.listeners: list[Callable[[Record], Any]] = []

    def record(self, record: Record) -> None:
        with self._lock:
            record.seq = next(self._seq)
            self._records.append(record.kept())
        for listener in self.listeners:
            try:
                listener(record)
            except Exception:
                log.exception("a journal listener failed")

    def last_seq(self) -> int:
        """The `seq` of the newest entry (0 when empty), without building any entry."""
        with self._lock:
            return self._records[-1][0] if self._records else 0

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def records(self) -> list[Record]:
        """The kept records, oldest first."""
        with self._lock:
            kept = list(self._records)
        return [Record.from_kept(fields) for fields in kept]

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries matching every filter given (see `matches`); `limit` keeps the newest."""
        limit = filters.pop("limit", None)
        chosen = [e for e in (r.entry() for r in self.records()) if matches(e, filters)]
        return chosen[-limit:] if limit else chosen


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


# -- delivery: the middleware that fills the journal -------------------------------------------

RECORD = "rivya.record"  # the scope key of the request's Record while it is handled


def record_of(scope: MutableMapping[str, Any]) -> Record:
    """The Record of the request being handled, for the app to fill in (account, error, fault);
    a throwaway one when no journal is in front of the app."""
    record = scope.get(RECORD)
    return record if record is not None else Record()


class JournalMiddleware:
    """Records every public request (not `/_mock`) once its response has started or failed.

    Per request it makes the Record (the app fills in account, error and fault as it goes),
    wraps `receive` (to count the body and keep its first bytes) and `send` (to see the status),
    and appends the Record at the end.
    """

    def __init__(self, app: Any, control: Any) -> None:
        self.app = app
        self.control = control  # the Control: its journal, clock and key lookup

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or is_control_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        record = scope[RECORD] = Record()
        started = time.perf_counter()

        async def counting_receive() -> dict[str, Any]:
            message = await receive()
            body = message.get("body", b"")
            record.body_size += len(body)
            if len(record.body_prefix) < PREVIEW_BYTES:
                record.body_prefix += body[: PREVIEW_BYTES - len(record.body_prefix)]
            return message

        def status_send(message: dict[str, Any]) -> Any:
            # not `async`: the server's own awaitable is handed back (no coroutine of our own)
            if message["type"] == "http.response.start":
                record.status = message["status"]
            return send(message)

        try:
            await self.app(scope, counting_receive, status_send)
        except BaseException:
            record.status = record.status or 500
            raise
        finally:
            record.duration = time.perf_counter() - started
            self._finish(scope, record)

    def _finish(self, scope: dict[str, Any], record: Record) -> None:
        """Fill in what the request itself says, capped, and append the record."""
        record.time = self.control.backend.clock.now()
        method, path = scope["method"], scope["path"]
        record.method = method if len(method) <= TEXT_LIMITS["method"] else capped(method, "method")
        record.path = path if len(path) <= TEXT_LIMITS["path"] else capped(path, "path")
        if scope.get("query_string"):
            record.query = capped(scope["query_string"].decode("latin-1"), "query")
        if record.fault is not None and record.fault[0] == "drop_connection":
            record.status = None  # a drop sends no whole answer
        if record.error is not None:
            code, message, rule = record.error
            record.error = (code, capped(message, "message"), rule)
        # only the headers this record still needs (a create needs one, a poll one)
        if not record.body_size:  # nobody read the body (a fault answered first): its length
            declared = header(scope, b"content-length") or ""
            record.body_size = int(declared) if declared.isdigit() else 0
        if record.body_size:
            record.content_type = capped(header(scope, b"content-type") or "", "content_type")
        if record.account is None:
            # not authenticated here (a public route, a fault, a bad key): the account, if known
            authorization = header(scope, b"authorization")
            if authorization is not None:
                record.account = self.control.account_of(authorization)
        self.control.journal.record(record)
