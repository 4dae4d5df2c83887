"""rivya-mock: a faithful fake of the Rivya Public API v1."""

from .app import create_app
from .backend import Backend
from .clock import ManualClock, SystemClock
from .mock import MockServer
from .profile import AccountSpec, Profile
from .transport import InProcessTransport, in_process_client

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
