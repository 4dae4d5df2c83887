"""Routes as the fake serves them: no automatic HEAD, and one route per path.

Starlette adds HEAD to every GET route and, when two routes share a path, stops at the first one
whose method does not match, so a wrong method's 405 would name only that route's methods in
`Allow`. `route` makes a route with exactly its methods; `one_route_per_path` merges the routes of
a path into one that hands each request to the route of its method.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send


def route(path: str, endpoint: Any, *methods: str) -> Route:
    """A route for `endpoint` (a request handler or an ASGI app) that answers only `methods`."""
    made = Route(path, endpoint, methods=list(methods))
    made.methods = set(methods)  # no automatic HEAD: the API does not serve it
    return made


class _ByMethod:
    """An ASGI app that hands each request to the app of its method's route."""

    def __init__(self, apps: dict[str, ASGIApp]) -> None:
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.apps[scope["method"]](scope, receive, send)


def one_route_per_path(routes: list[Route]) -> list[Route]:
    """The routes, those sharing a path merged into one (in the order each path first appears)."""
    by_path: dict[str, list[Route]] = {}
    for each in routes:
        by_path.setdefault(each.path, []).append(each)
    merged = []
    for path, group in by_path.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        apps = {method: each.app for each in group for method in each.methods or ()}
        merged.append(route(path, _ByMethod(apps), *apps))
    return merged
