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


def foreign_page(scope: Scope) -> str | None:
    """Why a `/_mock` request served on a loopback socket without a token may come from a web
    page rather than from this machine's tools, or None. A page elsewhere can make a browser
    send a form's POST here (its Origin is not local), and a page on a domain re-pointed at
    127.0.0.1 can read the answers (its Host is that domain): both are refused."""
    server = scope.get("server")
    if not server or not is_loopback(str(server[0])):
        return None  # in process (no socket), or served off loopback (a token is then required)
    host = header(scope, b"host")
    if host is not None and not is_loopback(_host_part(host)):
        return f"Host {host!r} is not this machine: /_mock answers only loopback host names"
    origin = header(scope, b"origin")
    if origin is not None and not is_loopback(_host_part(origin.partition("://")[2])):
        return f"Origin {origin!r} is another site: /_mock answers only pages of this machine"
    return None


def _host_part(authority: str) -> str:
    """`example.com` of `example.com:8000`, `::1` of `[::1]:8000`."""
    if authority.startswith("["):
        return authority[1:].partition("]")[0]
    return authority.rpartition(":")[0] if authority.count(":") == 1 else authority


class ControlGate:
    """ASGI wrapper of the `/_mock` router: checks the control token before any route, and
    without one, that a served request does not come from a foreign web page."""

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
        if scope["type"] == "http" and not expected:
            problem = foreign_page(scope)
            if problem is not None:
                raise ApiKeyInvalid(problem, rule="control_foreign_page")
        await self.app(scope, receive, send)
