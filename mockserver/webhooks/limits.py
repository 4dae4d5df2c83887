"""How much may be live at once (spec §14): active endpoints per account, and attempts in flight
to one endpoint. Plain functions over the store's data; no HTTP."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import ValidationFailed
from .endpoints import ACTIVE, Delivery, Endpoint

MAX_ACTIVE_ENDPOINTS = 20


def check_room_for_active(endpoints: Iterable[Endpoint], field: str) -> None:
    """One more active endpoint among an account's `endpoints`; disabled and revoked ones leave
    room."""
    active = [e for e in endpoints if e.status == ACTIVE]
    if len(active) >= MAX_ACTIVE_ENDPOINTS:
        raise ValidationFailed(
            f"{field}: at most {MAX_ACTIVE_ENDPOINTS} active webhook endpoints per account "
            "(disable or revoke one first)",
            rule="webhook_endpoint_limit",
        )


def room_in_flight(
    endpoints: Iterable[Endpoint], pending: Iterable[Delivery], disable_after: int
) -> dict[str, int]:
    """How many more attempts may be in flight to each active endpoint: the failures it has left
    before it is disabled, less those in flight. Sending more at once would let a failing
    receiver pass `webhook_disable_after_failures`. Disabled endpoints get only test events and
    are never disabled again, so they have no entry (no cap)."""
    room = {e.id: disable_after - e.failure_count for e in endpoints if e.status == ACTIVE}
    for delivery in pending:
        if delivery.in_flight and delivery.endpoint_id in room:
            room[delivery.endpoint_id] -= 1
    return room


__all__ = ["MAX_ACTIVE_ENDPOINTS", "check_room_for_active", "room_in_flight"]
