"""Webhook endpoints, events and delivery attempts as plain data (spec §14), and their secrets.

An endpoint signs with its current secret and, for 24 hours after a rotation, its previous one.
A delivery is one attempt to send one event to one endpoint; a retry is a new attempt.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ..generations import Task
from ..randomness import IdStream

ACTIVE, DISABLED, REVOKED = "active", "disabled", "revoked"
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
EVENT_TYPES = ("generation.succeeded", "generation.failed")
TEST_EVENT = "webhook.test"
ROTATION_OVERLAP = 24 * 3600.0
SECRET_PREFIX = "whsec_"


class IdMaker(IdStream):
    """Ids and secrets for webhooks. Seeded, from their own stream, so that events created in the
    background never shift the ids of tasks and files; unseeded, from `secrets` (spec §15), so
    that no id seen gives away a signing secret."""

    def __init__(self, seed: int, seeded: bool = True) -> None:
        super().__init__(seed if seeded else None, "webhooks")

    def new_secret(self) -> str:
        """`whsec_` + base64 of 24 random bytes: the Standard Webhooks secret format."""
        return SECRET_PREFIX + base64.b64encode(self.token_bytes(24)).decode("ascii")


def secret_preview(secret: str) -> str:
    """`whsec_12...abc123`: the first 8 and the last 6 characters."""
    return f"{secret[:8]}...{secret[-6:]}"


@dataclass(slots=True)
class Endpoint:
    id: str
    account_id: str
    name: str
    url: str
    event_types: tuple[str, ...]
    secret: str
    created_at: float
    updated_at: float
    status: str = ACTIVE
    previous_secret: str | None = None
    rotated_at: float | None = None
    failure_count: int = 0
    last_success_at: float | None = None
    last_failure_at: float | None = None
    disabled_at: float | None = None
    revoked_at: float | None = None

    def signing_secrets(self, now: float) -> list[str]:
        """The secrets a delivery at `now` is signed with: the current one first."""
        in_force = [self.secret]
        if (
            self.previous_secret is not None
            and self.rotated_at is not None
            and now < self.rotated_at + ROTATION_OVERLAP
        ):
            in_force.append(self.previous_secret)
        return in_force

    def subscribed(self, event_type: str) -> bool:
        return self.status == ACTIVE and event_type in self.event_types


@dataclass(slots=True)
class Event:
    """A terminal task (`generation.*`, `task` set) or a test (`webhook.test`, `endpoint_id` set)."""

    id: str
    account_id: str
    type: str
    created_at: float
    task: Task | None = None
    endpoint_id: str | None = None


@dataclass(slots=True)
class Delivery:
    """One attempt. Pending until made; `due_at` is when it should be made (fake's clock)."""

    id: str
    endpoint_id: str
    event: Event
    attempt: int
    created_at: float
    due_at: float
    status: str = PENDING
    response_status: int | None = None
    error: str | None = None
    next_attempt_at: float | None = None
    in_flight: bool = False
    held: bool = False
    retries: bool = True
    faulted: bool = False  # a seeded fault already acted on this attempt (at most one does)
    seq: int = 0  # creation order: attempts due together are made in this order

    @property
    def event_id(self) -> str:
        return self.event.id

    @property
    def event_type(self) -> str:
        return self.event.type
