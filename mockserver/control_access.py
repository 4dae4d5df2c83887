"""Who may use the control plane (spec §15): anyone on a loopback host, else a bearer token.

Off loopback the fake refuses to start without a control token; with one, every `/_mock` request
must carry `Authorization: Bearer TOKEN` (else 401 `api_key_invalid` in the envelope).
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from .accounts import bearer_token
from .errors import ApiError, ApiKeyInvalid
from .headers import header

TOKEN_ENV = "RIVYA_MOCK_CONTROL_TOKEN"
TOKEN_HINT = "The control plane needs Authorization: Bearer <control token>."
INSPECTOR_PAGE = "/_mock/ui"  # may also be opened with ?token= (a browser cannot add the header)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and `localhost`; any other name may resolve off this machine."""
    host = host.strip().removeprefix("[").removesuffix("]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_problem(token: str) -> str | None:
    """Why `token` cannot be a control token (it must travel in an HTTP header), or None."""
    if not token or any(not 0x21 <= ord(c) <= 0x7E for c in token):
        return "must be 1 or more visible ASCII characters (no spaces)"
    return None


def refusal(host: str, token: str | None) -> str | None:
    """Why the fake must not start on `host` with this token, or None when it may."""
    if token:
        problem = token_problem(token)
        return f"--control-token: {problem}" if problem else None
    if is_loopback(host):
        return None
    return (
        f"--host {host} is not a loopback address, so /_mock (reset, credits, every key) would be "
        f"open to the network: give --control-token TOKEN (or set {TOKEN_ENV}) to require "
        "'Authorization: Bearer TOKEN' on /_mock"
    )


def control_authorized(expected: str | None, authorization: str | None) -> bool:
    """True when no token is required, or when the Authorization header carries it."""
    if not expected:
        return True
    try:
        given = bearer_token(authorization)
    except ApiError:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class ControlGate:
    """ASGI wrapper of the `/_mock` router: checks the control token before any route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        expected = getattr(scope["app"].state, "control_token", None)
        if (
            scope["type"] == "http"
            and not scope["path"].endswith(INSPECTOR_PAGE)  # it checks the token itself
            and not control_authorized(expected, header(scope, b"authorization"))
        ):
            raise ApiKeyInvalid(TOKEN_HINT, rule="control_token")
        await self.app(scope, receive, send)
