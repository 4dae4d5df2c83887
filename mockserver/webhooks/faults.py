"""Webhook fault rules: seeded misbehaviour of the sender, to break receivers on purpose.

Actions: `duplicate` (send the same request twice), `hold_back` (keep the attempt until the next
attempt to that endpoint has been made: out of order), `delay` (`seconds` later on the fake's
clock), `bad_signature` (signed with a wrong secret), `receiver_down` (not sent: connection
refused). A rule matches attempts by `endpoint` id and `event_type`, fires after `skip` matches,
at most `count` times, each time with `probability` drawn from the seed's webhook-faults stream.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationFailed
from .endpoints import Delivery

ACTIONS = ("duplicate", "hold_back", "delay", "bad_signature", "receiver_down")
FIELDS = {"action", "match", "probability", "count", "skip", "seconds"}


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, rule="control_webhook_fault")


@dataclass
class WebhookFaultRule:
    action: str
    id: int = 0
    endpoint: str | None = None
    event_type: str | None = None
    probability: float = 1.0
    count: int | None = None
    skip: int = 0
    seconds: float = 0.0
    seen: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)

    def matches(self, delivery: Delivery) -> bool:
        return self.endpoint in (None, delivery.endpoint_id) and self.event_type in (
            None,
            delivery.event_type,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "match": {"endpoint": self.endpoint, "event_type": self.event_type},
            "probability": self.probability,
            "count": self.count,
            "skip": self.skip,
            "seconds": self.seconds,
            "seen": self.seen,
            "fired": self.fired,
        }


def _number(raw: dict[str, Any], name: str, default: float, high: float) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= high:
        raise _invalid(f"{name}: must be a number from 0 to {high:g}")
    return float(value)


def _whole(raw: dict[str, Any], name: str, default: int | None) -> int | None:
    value = raw.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(f"{name}: must be an integer >= 0")
    return value


def parse_webhook_rule(raw: Any) -> WebhookFaultRule:
    """A rule from its JSON form: {action, match: {endpoint, event_type}, probability, count,
    skip, seconds}."""
    if not isinstance(raw, dict):
        raise _invalid("body: must be a JSON object")
    unknown = set(raw) - FIELDS
    if unknown:
        raise _invalid(f"body: unknown field(s) {', '.join(sorted(unknown))}")
    if raw.get("action") not in ACTIONS:
        raise _invalid(f"action: must be one of {', '.join(ACTIONS)}")
    match = raw.get("match") or {}
    if not isinstance(match, dict) or set(match) - {"endpoint", "event_type"}:
        raise _invalid("match: must be an object with endpoint and/or event_type")
    for name in ("endpoint", "event_type"):
        if match.get(name) is not None and not isinstance(match[name], str):
            raise _invalid(f"match.{name}: must be a string")
    return WebhookFaultRule(
        action=raw["action"],
        endpoint=match.get("endpoint"),
        event_type=match.get("event_type"),
        probability=_number(raw, "probability", 1.0, 1.0),
        count=_whole(raw, "count", None),
        skip=_whole(raw, "skip", 0) or 0,
        seconds=_number(raw, "seconds", 0.0, 1e9),
    )


class WebhookFaults:
    """The rules in force and the seeded stream they draw from."""

    def __init__(self, seed: int) -> None:
        self.rules: list[WebhookFaultRule] = []
        self._rng = random.Random(f"{seed}:webhook-faults")
        self._ids = 0
        self._lock = threading.Lock()

    def add(self, rule: WebhookFaultRule) -> WebhookFaultRule:
        with self._lock:
            self._ids += 1
            rule.id = self._ids
            self.rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def draw(self, delivery: Delivery) -> WebhookFaultRule | None:
        """The first rule that fires on this attempt, if any. Every matching rule counts the
        attempt, so `skip` is an index among matching attempts whatever other rules do."""
        fired = None
        with self._lock:
            for rule in self.rules:
                if not rule.matches(delivery) or (
                    rule.count is not None and rule.fired >= rule.count
                ):
                    continue
                rule.seen += 1
                if fired is not None or rule.seen <= rule.skip:
                    continue
                if rule.probability >= 1.0 or self._rng.random() < rule.probability:
                    rule.fired += 1
                    fired = rule
            return fired
