"""Webhooks (spec §14): endpoints, events and signed deliveries, and the tools to test a receiver.

Domain: `urls` (the URL rules), `endpoints` (plain data), `faults` (seeded misbehaviour), `limits`
(what may be live at once), `store` (the backend's `Webhooks`). Contract: `signing`, `views`.
Delivery: `delivery` (the dispatcher), `control` and `control_routes` (`/_mock/webhooks`), `routes`
(`/api/v1/webhooks…`), `receiver` (the `rivya_webhooks` fixture's receiver). Names load on first
use, as in `mockserver`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .delivery import Dispatcher
    from .receiver import WebhookReceiver
    from .store import Webhooks
    from .urls import check_webhook_url

_HOMES = {
    "Dispatcher": "delivery",
    "WebhookReceiver": "receiver",
    "Webhooks": "store",
    "check_webhook_url": "urls",
}

__all__ = ["Dispatcher", "WebhookReceiver", "Webhooks", "check_webhook_url"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value
