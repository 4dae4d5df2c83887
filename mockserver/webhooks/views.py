"""Wire shapes of the webhook objects (spec §14): endpoints, events, delivery attempts, lists."""

from __future__ import annotations

import json
from typing import Any

from ..clock import format_timestamp
from ..serializers import task_json
from .endpoints import Delivery, Endpoint, Event, secret_preview


def _time(value: float | None) -> str | None:
    return None if value is None else format_timestamp(value)


def endpoint_json(endpoint: Endpoint, *, with_secret: bool = False) -> dict[str, Any]:
    """The endpoint object; `signing_secret` only in the create and rotate-secret answers."""
    body: dict[str, Any] = {
        "id": endpoint.id,
        "object": "webhook_endpoint",
        "name": endpoint.name,
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "status": endpoint.status,
        "secret_preview": secret_preview(endpoint.secret),
    }
    if with_secret:
        body["signing_secret"] = endpoint.secret
    return body | {
        "last_success_at": _time(endpoint.last_success_at),
        "last_failure_at": _time(endpoint.last_failure_at),
        "failure_count": endpoint.failure_count,
        "created_at": format_timestamp(endpoint.created_at),
        "updated_at": format_timestamp(endpoint.updated_at),
        "disabled_at": _time(endpoint.disabled_at),
        "revoked_at": _time(endpoint.revoked_at),
    }


def event_json(event: Event) -> dict[str, Any]:
    """The event, its `data` the task exactly as GET /api/v1/generations/{id} shows it."""
    if event.task is not None:
        data = task_json(event.task, event.type.removeprefix("generation."), event.created_at)
    else:
        data = {"endpoint_id": event.endpoint_id}
    return {
        "id": event.id,
        "object": "event",
        "type": event.type,
        "created_at": format_timestamp(event.created_at),
        "data": data,
    }


def event_body(event: Event) -> bytes:
    """The bytes of a delivery's body: compact JSON, the same on every attempt."""
    return json.dumps(event_json(event), separators=(",", ":"), ensure_ascii=False).encode()


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "object": "webhook_delivery",
        "endpoint_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "attempt": delivery.attempt,
        "status": delivery.status,
        "response_status": delivery.response_status,
        "error": delivery.error,
        "created_at": format_timestamp(delivery.created_at),
        "next_attempt_at": _time(delivery.next_attempt_at),
    }


def list_json(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": items}
