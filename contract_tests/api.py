"""One HTTP client for every check: each operation of the API, each response recorded and validated."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx

from .checks import conforms_to_schema, finding, is_not_server_error, schema_problems
from .decisions import SHAPE_OBSERVATIONS
from .journal import Journal
from .observations import Observations

MAX_RATE_LIMIT_RETRIES = 5
MAX_RETRY_AFTER = 60.0


def bearer(key: str | None) -> dict[str, str]:
    return {} if key is None else {"Authorization": f"Bearer {key}"}


class Api:
    """The public API as operations; every body is checked against the schemas as it arrives."""

    def __init__(self, client: httpx.Client, journal: Journal, observations: Observations) -> None:
        self.client = client
        self.journal = journal
        self.observations = observations
        # Tasks created and not yet seen to end, with the key that owns them: each check finishes
        # its own, so a late refund never moves the balance under the next check.
        self.open_tasks: dict[str, tuple[str, dict[str, Any]]] = {}
        # A violation found by a check, by the check's id: it stands for the rest of that check.
        self.findings: dict[str, str] = {}

    def send(
        self,
        method: str,
        path: str,
        *,
        schema: str | None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request; retry 429s as the docs ask; validate the body of whatever comes back."""
        all_headers = bearer(key) | (headers or {})
        for attempt in range(MAX_RATE_LIMIT_RETRIES + 1):
            response = self.client.request(method, path, headers=all_headers, **kwargs)
            self.journal.record(response)
            self._observe_headers(response)
            if response.status_code != 429 or attempt == MAX_RATE_LIMIT_RETRIES:
                break
            conforms_to_schema(response, "error.json")
            time.sleep(self._retry_after(response))
        self._conforms(response, schema)
        return response

    def _retry_after(self, response: httpx.Response) -> float:
        value = response.headers.get("retry-after", "1")
        try:
            return min(MAX_RETRY_AFTER, max(0.5, float(value)))
        except ValueError:
            return 1.0

    def _observe_headers(self, response: httpx.Response) -> None:
        names = sorted(n for n in response.headers if "ratelimit" in n or n == "retry-after")
        if names:
            self.observations.record("rate_limit_headers", names)

    def _conforms(self, response: httpx.Response, schema: str | None) -> None:
        is_not_server_error(response)
        status = response.status_code
        if status >= 400:
            conforms_to_schema(response, "error.json")
        elif 200 <= status < 300:
            if schema is not None:
                body = conforms_to_schema(response, schema)
                if schema in SHAPE_OBSERVATIONS:
                    departures = schema_problems(body, schema, decisions=True)
                    self.observations.record(
                        SHAPE_OBSERVATIONS[schema], departures or "as rivya-mock"
                    )
        else:
            raise AssertionError(finding(f"unexpected status {status}", response))

    # The operations, named as in the docs.

    def list_models(self) -> httpx.Response:
        return self.send("GET", "/api/v1/models", schema="models_list.json")

    def get_credits(self, key: str | None) -> httpx.Response:
        return self.send("GET", "/api/v1/credits", schema="credits.json", key=key)

    def create_generation(
        self,
        body: Any,
        key: str | None,
        *,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        extra = dict(headers or {})
        if idempotency_key is not None:
            extra["Idempotency-Key"] = idempotency_key
        response = self.send(
            "POST", "/api/v1/generations", schema="task.json", key=key, headers=extra, json=body
        )
        if response.is_success:
            self.observations.record("create_status", response.status_code)
            task = response.json()
            if key is not None and task["id"] not in self.open_tasks:
                self.open_tasks[task["id"]] = (key, task)
        return response

    def get_generation(self, task_id: str, key: str | None) -> httpx.Response:
        return self.send(
            "GET", f"/api/v1/generations/{quote(task_id, safe='')}", schema="task.json", key=key
        )

    def upload_file(
        self,
        key: str | None,
        *,
        file: tuple[str, bytes, str] | None,
        fields: dict[str, str],
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """POST /files as multipart; fields travel as plain form parts beside the file part."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        parts: list[tuple[str, Any]] = [(name, (None, value)) for name, value in fields.items()]
        if file is not None:
            parts.append(("file", file))
        response = self.send(
            "POST", "/api/v1/files", schema="file.json", key=key, headers=headers, files=parts
        )
        if response.is_success:
            self.observations.record("file_create_status", response.status_code)
        return response

    def get_file(self, file_id: str, key: str | None) -> httpx.Response:
        return self.send(
            "GET", f"/api/v1/files/{quote(file_id, safe='')}", schema="file.json", key=key
        )

    def balance(self, key: str) -> int:
        """The account's current credits (a successful GET /credits is required)."""
        response = self.get_credits(key)
        assert response.is_success, finding("cannot read the balance", response)
        return response.json()["current_credits"]
