"""Helpers for the tests: keys, requests and the checks named after what they assert."""

from __future__ import annotations

from pathlib import Path

import httpx

KEY = "rvya_sk_test_owner_0001"
OTHER_KEY = "rvya_sk_test_other_0002"


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create(
    client: httpx.Client, body: dict | None = None, key: str = KEY, **headers: str
) -> httpx.Response:
    body = {"model": "gpt-image-2", "prompt": "a lighthouse"} if body is None else body
    return client.post("/api/v1/generations", json=body, headers=auth(key) | headers)


def credits(client: httpx.Client, key: str = KEY) -> int:
    return client.get("/api/v1/credits", headers=auth(key)).json()["current_credits"]


def is_error(response: httpx.Response, code: str, status: int) -> bool:
    body = response.json()
    return (
        response.status_code == status and set(body) == {"error"} and body["error"]["code"] == code
    )


def conforms_to_schema(response: httpx.Response, schema: str) -> bool:
    """The body validates against the strict schema (exactly the documented fields)."""
    from mockserver.schemas import validator

    errors = list(validator(schema).iter_errors(response.json()))
    assert not errors, f"{response.request.method} {response.request.url} -> {errors[0].message}"
    return True


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
