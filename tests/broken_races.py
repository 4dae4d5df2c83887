"""Broken servers that only show under parallel requests: racy ledgers and idempotency keys."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

from rewriting import header, set_header

from mockserver.app import create_app
from mockserver.errors import InsufficientCredits


class Stall:
    """ASGI middleware: `before(scope)` runs as a create arrives, then the create waits a moment,
    so parallel creates overlap the way they do on a busy server."""

    def __init__(self, app: Any, before: Callable[[dict], None]) -> None:
        self.app = app
        self.state = app.state
        self.before = before

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/v1/generations":
            self.before(scope)
            await asyncio.sleep(0.05)
        await self.app(scope, receive, send)


def _racy_ledger(write_stale: bool) -> Callable:
    """A ledger that checks (and, with `write_stale`, writes) the balance read as the request
    arrived: parallel creates overspend, or overwrite each other's reservations."""
    seen: contextvars.ContextVar[int | None] = contextvars.ContextVar("seen", default=None)

    def factory(profile: Any, clock: Any) -> Any:
        app = create_app(profile, clock=clock)
        ledger = app.state.backend.ledger

        def before(scope: dict) -> None:
            account = app.state.control.account_of(header(scope, b"authorization"))
            seen.set(app.state.backend.get_credits(account) if account else None)

        def reserve(account_id: str, cost: int) -> None:
            stale = seen.get()
            stale = ledger.balance(account_id) if stale is None else stale
            if stale < cost:
                raise InsufficientCredits("Not enough credits.", status=402)
            base = stale if write_stale else ledger.balance(account_id)
            ledger.set(account_id, base - cost)

        ledger.reserve = reserve
        return Stall(app, before)

    return factory


def overspends_under_parallel_creates() -> Callable:
    return _racy_ledger(write_stale=False)


def loses_reservations_under_parallel_creates() -> Callable:
    return _racy_ledger(write_stale=True)


def parallel_same_key_creates_two_tasks() -> Callable:
    """A key held by a create in flight is not seen by the next: each makes its own task."""
    in_flight: set[str] = set()

    def factory(profile: Any, clock: Any) -> Any:
        app = create_app(profile, clock=clock)

        async def wrapper(scope: dict, receive: Callable, send: Callable) -> None:
            key = header(scope, b"idempotency-key") if scope["type"] == "http" else None
            if key is None:
                await app(scope, receive, send)
                return
            if key in in_flight:
                scope = set_header(scope, b"idempotency-key", None)
            in_flight.add(key)
            try:
                await asyncio.sleep(0.05)
                await app(scope, receive, send)
            finally:
                in_flight.discard(key)

        wrapper.state = app.state  # type: ignore[attr-defined]
        return wrapper

    return factory
