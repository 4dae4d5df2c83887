"""Time, injected: a Clock protocol with the system clock and a manual clock that moves when told."""

from __future__ import annotations

import functools
import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch on this clock."""
        ...


LATEST = 253_402_300_799.999  # 9999-12-31T23:59:59.999Z: the last time a timestamp can show


def checked_move(now: float, when: float) -> float:
    """`when`, if a clock at `now` may move there: never backwards, never past LATEST."""
    if not now <= when:
        raise ValueError("a clock never goes backwards")
    if when > LATEST:
        raise ValueError("a clock cannot go past 9999-12-31T23:59:59.999Z")
    return when


class SystemClock:
    """The real wall clock, plus an offset that only the control plane moves (never backwards)."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            # One reading of the wall clock per move: reading it twice saw time "go backwards"
            # between the two reads and refused advance(0).
            wall = time.time()
            now = wall + self.offset
            return self._move(wall, now, now + seconds)

    def set(self, when: float) -> float:
        with self._lock:
            wall = time.time()
            return self._move(wall, wall + self.offset, when)

    def _move(self, wall: float, now: float, when: float) -> float:
        self.offset += checked_move(now, when) - now
        return wall + self.offset


class ManualClock:
    """Starts at the real time of creation and moves only by `advance` or `set`."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now = checked_move(self._now, self._now + seconds)
            return self._now

    def set(self, when: float) -> float:
        with self._lock:
            self._now = checked_move(self._now, when)
            return self._now


def make_clock(mode: str) -> Clock:
    if mode == "manual":
        return ManualClock()
    if mode == "real":
        return SystemClock()
    raise ValueError(f"clock must be real or manual, got {mode!r}")


@functools.lru_cache(maxsize=4096)
def _whole_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def format_timestamp(seconds: float) -> str:
    """UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`, truncated to milliseconds (never `isoformat()`)."""
    # Every response formats two or three of these; strftime was a tenth of a poll's CPU.
    millis = int(seconds * 1000)
    return f"{_whole_second(millis // 1000)}.{millis % 1000:03d}Z"
