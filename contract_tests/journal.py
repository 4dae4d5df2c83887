"""The exchanges of each check, kept so a failure can show its request and response (keys redacted)."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from typing import Any

import httpx

BODY_LIMIT = 2000
PER_CHECK = 6


def _text(data: bytes | str | None) -> str | None:
    if data is None:
        return None
    if isinstance(data, bytes):
        if not data:
            return ""
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(data)} bytes of binary data>"
    return data if len(data) <= BODY_LIMIT else data[:BODY_LIMIT] + f"... <{len(data)} characters>"


def redact(headers: httpx.Headers) -> dict[str, str]:
    shown = dict(headers.items())
    if "authorization" in shown:
        scheme, _, token = shown["authorization"].partition(" ")
        shown["authorization"] = f"{scheme} {token[:8]}…" if token else scheme
    return shown


def _request_body(request: httpx.Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/"):
        return f"<multipart body, {request.headers.get('content-length', '?')} bytes>"
    return _text(request.content)


def describe(response: httpx.Response) -> dict[str, Any]:
    """A JSON-able record of one exchange."""
    request = response.request
    return {
        "request": {
            "method": request.method,
            "url": str(request.url),
            "headers": redact(request.headers),
            "body": _request_body(request),
        },
        "response": {
            "status": response.status_code,
            "headers": dict(response.headers.items()),
            "body": _text(response.content),
        },
    }


def show(response: httpx.Response) -> str:
    """The exchange as text for an assertion message."""
    record = describe(response)
    req, res = record["request"], record["response"]
    return (
        f"\n  request:  {req['method']} {req['url']}\n            body {req['body']}"
        f"\n  response: {res['status']} {res['body']}"
    )


class Journal:
    """The last few exchanges of each check, by the check's node id."""

    def __init__(self) -> None:
        self.current = "<session>"
        self._by_check: dict[str, deque[dict[str, Any]]] = defaultdict(
            lambda: deque(maxlen=PER_CHECK)
        )

    def record(self, response: httpx.Response) -> None:
        self._by_check[self.current].append(describe(response))

    def exchanges(self, nodeid: str) -> list[dict[str, Any]]:
        return list(self._by_check.get(nodeid, ()))


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
