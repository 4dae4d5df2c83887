"""Deliberate misbehaviour: fault rules and a chaos level, applied to public routes by ASGI middleware.

Every draw comes from the backend's `faults` stream, so one seed gives one fault sequence for a
fixed order of requests. A fault replaces the response before routing: the request is not handled.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import itertools
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from .errors import ApiError, InternalError, PublicApiDisabled, RateLimited, ValidationFailed
from .journal import is_control_path, record_of
from .responses import error_response

ACTIONS = ("rate_limited", "server_error", "public_api_disabled", "latency", "drop_connection")
CHAOS_ACTIONS = ("rate_limited", "server_error", "drop_connection")
CHAOS_PREFIX = "/api/v1/"
PEEK_LIMIT = 1_000_000  # bodies up to the create-generation limit are read to match `model`


@functools.cache
def dropped_connection() -> type[Exception]:
    """The error raised after the status line so the server closes the connection before the
    body. In-process clients see it as what it is to them: an httpx protocol error. (Made on
    first use: importing httpx costs the CLI ~50 ms of start-up, and only a drop needs it.)"""
    import httpx

    class DroppedConnection(httpx.RemoteProtocolError):
        def __init__(self) -> None:
            super().__init__("rivya-mock dropped the connection (fault)")

    return DroppedConnection


@dataclass
class FaultRule:
    """Fires `action` on requests matching method, path (a glob) and model, after `skip` of them."""

    action: str
    id: int = 0
    method: str | None = None
    path: str | None = None
    model: str | None = None
    probability: float = 1.0
    count: int | None = None
    skip: int = 0
    retry_after: int = 1
    latency_ms: tuple[float, float] = (0.0, 0.0)
    seen: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)

    def matches(self, method: str, path: str, model: str | None) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.path is None or fnmatch.fnmatchcase(path, self.path))
            and (self.model is None or self.model == model)
        )

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "match": {"method": self.method, "path": self.path, "model": self.model},
            "action": self.action,
            "probability": self.probability,
            "count": self.count,
            "skip": self.skip,
            "retry_after": self.retry_after,
            "latency_ms": {"min": self.latency_ms[0], "max": self.latency_ms[1]},
            "seen": self.seen,
            "fired": self.fired,
        }


def _number(value: Any, where: str, low: float, high: float = float("inf")) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValidationFailed(
            f"{where}: must be a number from {low} to {high}", rule="control_fault"
        )
    return float(value)


def _whole(value: Any, where: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValidationFailed(f"{where}: must be an integer >= {low}", rule="control_fault")
    return value


def _latency(value: Any) -> tuple[float, float]:
    """`latency_ms` is a number (fixed) or {"min": a, "max": b} (uniform)."""
    if isinstance(value, dict):
        unknown = set(value) - {"min", "max"}
        if unknown:
            raise ValidationFailed(
                f"latency_ms: unknown field(s) {sorted(unknown)}", rule="control_fault"
            )
        low = _number(value.get("min", 0), "latency_ms.min", 0, 600_000)
        high = _number(value.get("max", low), "latency_ms.max", low, 600_000)
        return low, high
    fixed = _number(value, "latency_ms", 0, 600_000)
    return fixed, fixed


def parse_rule(raw: Any) -> FaultRule:
    """A rule from its JSON form: {match: {method, path, model}, action, probability, count, …}."""
    if not isinstance(raw, dict):
        raise ValidationFailed("body: must be a JSON object", rule="control_fault")
    allowed = {"match", "action", "probability", "count", "skip", "retry_after", "latency_ms"}
    unknown = set(raw) - allowed
    if unknown:
        raise ValidationFailed(
            f"body: unknown field(s) {', '.join(sorted(unknown))}", rule="control_fault"
        )
    if raw.get("action") not in ACTIONS:
        raise ValidationFailed(f"action: must be one of {', '.join(ACTIONS)}", rule="control_fault")
    match = raw.get("match") or {}
    if not isinstance(match, dict) or set(match) - {"method", "path", "model"}:
        raise ValidationFailed("match: may hold only method, path and model", rule="control_fault")
    for name in ("method", "path", "model"):
        if match.get(name) is not None and not isinstance(match[name], str):
            raise ValidationFailed(f"match.{name}: must be a string", rule="control_fault")
    count = raw.get("count")
    return FaultRule(
        action=raw["action"],
        method=match["method"].upper() if match.get("method") else None,
        path=match.get("path"),
        model=match.get("model"),
        probability=_number(raw.get("probability", 1.0), "probability", 0.0, 1.0),
        count=None if count is None else _whole(count, "count", 0),
        skip=_whole(raw.get("skip", 0), "skip", 0),
        retry_after=_whole(raw.get("retry_after", 1), "retry_after", 1),
        latency_ms=_latency(raw.get("latency_ms", 0)),
    )


@dataclass
class Decision:
    """What the faults decided for one request: a delay, then maybe an action in place of it."""

    delay_seconds: float = 0.0
    action: str | None = None
    source: str | None = None
    retry_after: int = 1


class Faults:
    """The fault rules and chaos level of one fake (a full reset clears them)."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.chaos = 0.0
        self.sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            rule.id = next(self._ids)
            self.rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.chaos = 0.0

    @property
    def active(self) -> bool:
        return bool(self.rules) or self.chaos > 0

    def wants_model(self, method: str, path: str) -> bool:
        return any(r.model is not None and r.matches(method, path, r.model) for r in self.rules)

    def decide(self, method: str, path: str, model: str | None, rng: Any) -> Decision:
        """Walk the rules in order (latencies add up; the first failing action wins), then chaos."""
        decision = Decision()
        with self._lock:
            for rule in self.rules:
                if rule.exhausted or not rule.matches(method, path, model):
                    continue
                rule.seen += 1  # every live matching rule counts the request, so `skip` is exact
                if decision.action or rule.seen <= rule.skip or rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.action == "latency":
                    decision.delay_seconds += rng.uniform(*rule.latency_ms) / 1000.0
                else:
                    decision.action, decision.source = rule.action, f"fault:{rule.id}"
                    decision.retry_after = rule.retry_after
            if (
                decision.action is None
                and self.chaos > 0
                and path.startswith(CHAOS_PREFIX)
                and rng.random() < self.chaos
            ):
                decision.action, decision.source = rng.choice(CHAOS_ACTIONS), "chaos"
        return decision


def fault_error(decision: Decision) -> ApiError:
    """The error a failing action answers with, exactly as the real API would shape it."""
    rule = decision.source
    if decision.action == "rate_limited":
        return RateLimited(headers={"Retry-After": str(decision.retry_after)}, rule=rule)
    if decision.action == "public_api_disabled":
        return PublicApiDisabled(rule=rule)
    return InternalError(rule=rule)


class _DropFilter(logging.Filter):
    """uvicorn logs an app exception as an error; a deliberate drop is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], dropped_connection()))


def quiet_dropped_connections() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropFilter) for f in logger.filters):
        logger.addFilter(_DropFilter())


async def _peek_model(receive: Any) -> tuple[str | None, Any]:
    """Read a small JSON body to learn its `model`; return a receive that replays the body."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if not message.get("more_body") or size > PEEK_LIMIT:
            break
    model = None
    if size <= PEEK_LIMIT:
        try:
            body = json.loads(b"".join(m.get("body", b"") for m in messages))
            model = body.get("model") if isinstance(body, dict) else None
        except (ValueError, RecursionError):
            model = None

    async def replay() -> dict[str, Any]:
        return messages.pop(0) if messages else await receive()

    return (model if isinstance(model, str) else None), replay


class FaultMiddleware:
    """Applies the fake's faults to public requests; `/_mock` is never touched.

    With no rule and no chaos (the usual case) a request costs one check and passes straight on.
    """

    def __init__(self, app: Any, control: Any) -> None:
        self.app = app
        self.control = control  # the Control: its faults, and the backend's fault stream
        quiet_dropped_connections()

    def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Awaitable[None]:
        # Not `async`: without faults the app's own coroutine is handed back, so an idle fault
        # layer adds no coroutine of its own to every request.
        if not self.control.faults.active or scope["type"] != "http":
            return self.app(scope, receive, send)
        if is_control_path(scope["path"]):
            return self.app(scope, receive, send)
        return self._apply(scope, receive, send)

    async def _apply(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        faults = self.control.faults
        method, path = scope["method"], scope["path"]
        model = None
        if faults.wants_model(method, path):
            model, receive = await _peek_model(receive)
        decision = faults.decide(method, path, model, self.control.backend.streams.faults)
        if decision.delay_seconds:
            await faults.sleep(decision.delay_seconds)
        if decision.action is None:
            await self.app(scope, receive, send)
            return
        assert decision.source is not None
        record_of(scope).fault = (decision.action, decision.source)
        if decision.action == "drop_connection":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
                }
            )
            raise dropped_connection()()
        response = error_response(Request(scope, receive), fault_error(decision))
        await response(scope, receive, send)
