"""The terminal request log: one line per public request, written as the journal records it.

A line reads `12:00:03.000 POST /api/v1/generations 400 0.8ms validation_failed schema
params.resolution: must be one of 1K, 2K, 4K` — the fake's clock, the request, its status, the real
time it took, and for a rejection the code, the rule and the message. Lines go through the
`rivya_mock` logger (successes at INFO, rejections at WARNING, server errors and faults at ERROR),
so `--log-level` filters them and other `rivya_mock.*` loggers (webhook deliveries) share the format.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import IO, Any

from ..clock import format_timestamp
from ..journal import Record

LOGGER = "rivya_mock"
REQUESTS = "rivya_mock.requests"
MESSAGE_CHARS = 120

_COLOURS = {"dim": "2", "green": "32", "yellow": "33", "red": "31", "magenta": "35", "cyan": "36"}


def _paint(text: str, colour: str, enabled: bool) -> str:
    return f"\033[{_COLOURS[colour]}m{text}\033[0m" if enabled else text


def _status_colour(status: int | None) -> str:
    if status is None or status >= 500:
        return "red"
    return "yellow" if status >= 400 else "green"


def printable(text: str) -> str:
    """`text` with every character a terminal would act on (CR, LF, ESC, U+2028, ...) written as
    its escape, so that what clients send cannot forge or colour log lines."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def clock_time(epoch_seconds: float) -> str:
    """`HH:MM:SS.mmm` of a time on the fake's clock."""
    return format_timestamp(epoch_seconds)[11:23]


def request_line(entry: dict[str, Any], colour: bool = False) -> str:
    """One journal entry (the `/_mock/requests` shape, or just its `Record.outcome()`) as a log
    line, without the time."""
    target = entry["path"] + (f"?{entry['query']}" if entry.get("query") else "")
    status = entry["status"]
    parts = [
        printable(entry["method"]),
        printable(target),
        _paint("---" if status is None else str(status), _status_colour(status), colour),
        f"{entry.get('duration_ms', 0):.1f}ms",
    ]
    if entry.get("error_code"):
        message = entry.get("message") or ""
        if len(message) > MESSAGE_CHARS:
            message = message[:MESSAGE_CHARS] + "…"
        rule = entry.get("rule")
        rule = None if rule == entry["error_code"] else rule  # api_key_missing says it once
        detail = printable(" ".join(str(p) for p in (entry["error_code"], rule, message) if p))
        parts.append(_paint(detail, _status_colour(status), colour))
    fault = entry.get("fault")
    if fault:
        parts.append(_paint(f"[FAULT {fault.get('action', '?')}]", "magenta", colour))
    return " ".join(parts)


def level_of(record: Record) -> int:
    status = record.status
    if record.fault or status is None or status >= 500:
        return logging.ERROR
    return logging.WARNING if status >= 400 else logging.INFO


class ClockFormatter(logging.Formatter):
    """Prefixes each record with the fake's clock time (dimmed on a terminal)."""

    def __init__(self, now: Callable[[], float], colour: bool) -> None:
        super().__init__()
        self.now, self.colour = now, colour

    def format(self, record: logging.LogRecord) -> str:
        when = getattr(record, "clock", None)
        stamp = clock_time(self.now() if when is None else when)
        message = record.getMessage()
        if record.name != REQUESTS:  # request lines escape what clients sent, and are coloured
            message = printable(message)
        return f"{_paint(stamp, 'dim', self.colour)} {message}"


class RequestLog:
    """A journal listener that logs each recorded request at the level its outcome deserves."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour
        self.logger = logging.getLogger(REQUESTS)

    def __call__(self, record: Record) -> None:
        level = level_of(record)
        if self.logger.isEnabledFor(level):  # built only for a line that is shown
            line = request_line(record.outcome(), self.colour)
            self.logger.log(level, "%s", line, extra={"clock": record.time})


def wants_colour(stream: IO[str]) -> bool:
    """Colours on a terminal only, and never when NO_COLOR is set (no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def install_request_log(
    control: Any, stream: IO[str], level: int = logging.INFO, colour: bool | None = None
) -> logging.Handler:
    """Log every public request of `control`'s fake (and `rivya_mock.*` lines) to `stream`."""
    colour = wants_colour(stream) if colour is None else colour
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ClockFormatter(lambda: control.backend.clock.now(), colour))
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    control.journal.listeners.append(RequestLog(colour))
    return handler
