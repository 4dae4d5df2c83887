"""ASGI wrappers that rewrite what the fake receives or sends: the tools of the broken servers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from mockserver.app import create_app

Json = Any
TASK_PATH = re.compile(r"^/api/v1/generations/([^/]+)$")


class Rewrite:
    """ASGI middleware: `on_request(scope, body)` may replace scope and body before the fake sees
    them; `on_response(scope, status, body)` may replace status and body on the way back."""

    def __init__(
        self, app: Any, on_request: Callable | None = None, on_response: Callable | None = None
    ) -> None:
        self.app = app
        self.state = app.state
        self.on_request = on_request
        self.on_response = on_response

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if self.on_request:
            scope, body = self.on_request(scope, body)
        sent: dict[str, Any] = {"chunks": []}

        async def replay() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                sent["start"] = message
            elif message["type"] == "http.response.body":
                sent["chunks"].append(message.get("body", b""))

        await self.app(scope, replay, capture)
        start, content = sent["start"], b"".join(sent["chunks"])
        status = start["status"]
        if self.on_response:
            status, content = self.on_response(scope, status, content)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def read_body(receive: Callable) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def header(scope: dict, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def set_header(scope: dict, name: bytes, value: str | None) -> dict:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != name]
    if value is not None:
        headers.append((name, value.encode("latin-1")))
    return {**scope, "headers": headers}


def json_body(rewrite: Callable[[dict, int, Json], tuple[int, Json]]) -> Callable:
    """Lift a rewrite of parsed JSON to one of raw response bytes (non-JSON bodies pass as they are)."""

    def on_response(scope: dict, status: int, content: bytes) -> tuple[int, bytes]:
        try:
            body = json.loads(content)
        except ValueError:
            return status, content
        status, body = rewrite(scope, status, body)
        return status, json.dumps(body).encode()

    return on_response


def is_task(body: Json) -> bool:
    return isinstance(body, dict) and str(body.get("id", "")).startswith("task_")


def task_rewriter(change: Callable[[dict, dict], None]) -> Callable:
    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if is_task(body):
            change(scope, body)
        return status, body

    return json_body(rewrite)


def error_rewriter(change: Callable[[dict, int, dict], int]) -> Callable:
    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            status = change(scope, status, body)
        return status, body

    return json_body(rewrite)


def request_json(change: Callable[[dict, Json], tuple[dict, Json]]) -> Callable:
    """Rewrite the JSON body of POST /generations before the fake reads it."""

    def on_request(scope: dict, body: bytes) -> tuple[dict, bytes]:
        if scope["method"] != "POST" or scope["path"] != "/api/v1/generations":
            return scope, body
        try:
            data = json.loads(body)
        except ValueError:
            return scope, body
        scope, data = change(scope, data)
        return scope, json.dumps(data).encode()

    return on_request


def wrap(**hooks: Callable) -> Callable:
    return lambda profile, clock: Rewrite(create_app(profile, clock=clock), **hooks)
