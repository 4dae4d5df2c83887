"""rivya-mock: a faithful fake of the Rivya Public API v1.

The names below load on first use, so that the pytest plugin (imported into every pytest run
where rivya-mock is installed) costs nothing until a test asks for the fake.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .backend import Backend
    from .clock import ManualClock, SystemClock
    from .mock import MockServer
    from .profile import AccountSpec, Profile
    from .transport import InProcessTransport, in_process_client

_HOMES = {
    "AccountSpec": "profile",
    "Backend": "backend",
    "InProcessTransport": "transport",
    "ManualClock": "clock",
    "MockServer": "mock",
    "Profile": "profile",
    "SystemClock": "clock",
    "create_app": "app",
    "in_process_client": "transport",
}

__all__ = [
    "AccountSpec",
    "Backend",
    "InProcessTransport",
    "ManualClock",
    "MockServer",
    "Profile",
    "SystemClock",
    "create_app",
    "in_process_client",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value
