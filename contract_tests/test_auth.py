"""Free checks: authentication errors and their documented codes."""

from __future__ import annotations

import string

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .checks import is_error
from .media import tiny_png
from .target import Target

UNKNOWN_TASK = "/api/v1/generations/task_contractkitunknown0000"
UNKNOWN_FILE = "/api/v1/files/file_contractkitunknown0000"


def _send(target: Target, method: str, path: str, authorization: str | None) -> httpx.Response:
    """Each route with a body it would accept, so only the credentials can be wrong."""
    headers = {} if authorization is None else {"Authorization": authorization}
    if path == "/api/v1/generations":
        body = {"model": _cheapest_model(target), "prompt": "contract kit: auth check"}
        return target.api.create_generation(body, None, headers=headers)
    kwargs: dict = {}
    if path == "/api/v1/files":
        kwargs["files"] = [
            ("kind", (None, "image")),
            ("file", ("auth.png", tiny_png(), "image/png")),
        ]
    return target.api.send(method, path, schema=None, headers=headers, **kwargs)


def _cheapest_model(target: Target) -> str:
    models = target.api.list_models().json()["data"]
    return min(models, key=lambda m: (m["base_credits"], m["id"]))["id"]


ROUTES = [
    ("GET", "/api/v1/credits"),
    ("GET", UNKNOWN_TASK),
    ("POST", "/api/v1/generations"),
    ("POST", "/api/v1/files"),
    ("GET", UNKNOWN_FILE),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_key_is_api_key_missing(target: Target, method: str, path: str) -> None:
    is_error(_send(target, method, path, None), "api_key_missing", 401)


@pytest.mark.parametrize(
    "authorization", ["Basic cnZ5YV9za190ZXN0", "Token rvya_sk_contractkit", "Bearer"]
)
def test_other_scheme_or_empty_token_is_api_key_missing(target: Target, authorization: str) -> None:
    is_error(_send(target, "GET", "/api/v1/credits", authorization), "api_key_missing", 401)


MALFORMED = st.text(
    string.ascii_letters + string.digits + "-._~+/", min_size=1, max_size=40
).filter(lambda token: not token.startswith("rvya_sk_"))


@given(token=MALFORMED)
def test_malformed_key_is_api_key_invalid(target: Target, token: str) -> None:
    is_error(_send(target, "GET", "/api/v1/credits", f"Bearer {token}"), "api_key_invalid", 401)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_revoked_key_is_api_key_revoked(
    target: Target, revoked_key: str, method: str, path: str
) -> None:
    is_error(_send(target, method, path, f"Bearer {revoked_key}"), "api_key_revoked", 401)
