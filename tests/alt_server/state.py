"""Accounts, credits, tasks, files and idempotency keys of the alternative server (no HTTP here).

Every method runs without awaiting, so on the server's one event loop each is atomic.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .catalog import Model

QUEUED_FOR = 0.05
PROCESSING_FOR = 0.15
PER_MINUTE, BURST = 3000, 200


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def invalid(message: str) -> ApiError:
    return ApiError(400, "validation_failed", message)


def stamp(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Task:
    id: str
    owner: str
    model: Model
    created: float
    fails: bool
    refunded: bool = False

    def status(self, now: float) -> str:
        if now < self.created + QUEUED_FOR:
            return "queued"
        if now < self.ended:
            return "processing"
        return "failed" if self.fails else "succeeded"

    @property
    def ended(self) -> float:
        return self.created + QUEUED_FOR + PROCESSING_FOR

    def view(self, now: float) -> dict[str, Any]:
        status = self.status(now)
        changed = {
            "queued": self.created,
            "processing": self.created + QUEUED_FOR,
        }.get(status, self.ended)
        url = f"https://media.alt-rivya.test/results/{self.id}.png"
        return {
            "id": self.id,
            "status": status,
            "model": self.model.id,
            "reserved_credits": self.model.cost,
            "final_credits": self.model.cost if status == "succeeded" else 0,
            "created_at": stamp(self.created),
            "updated_at": stamp(changed),
            "result": {"primary_url": url, "urls": [url]} if status == "succeeded" else None,
            "error": {"code": "generation_failed", "message": "The generation did not succeed."}
            if status == "failed"
            else None,
        }


@dataclass
class StoredFile:
    id: str
    owner: str
    kind: str
    filename: str
    content_type: str
    data: bytes
    created: float
    url: str

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "url": self.url,
            "kind": self.kind,
            "filename": self.filename,
            "content_type": self.content_type,
            "bytes": len(self.data),
            "created": int(self.created),
        }


@dataclass
class State:
    balances: dict[str, int]
    revoked: set[str]
    tasks: dict[str, Task] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    # (account, route, key) -> (fingerprint of the request, id of what it made)
    keys: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def authorize(self, token: str) -> str:
        if token in self.revoked:
            raise ApiError(401, "api_key_revoked", "This API key was revoked.")
        if token not in self.balances:
            raise ApiError(401, "api_key_invalid", "This API key is not known.")
        return token

    def take_token(self, account: str) -> None:
        now = time.monotonic()
        tokens, last = self.buckets.get(account, (float(BURST), now))
        tokens = min(float(BURST), tokens + (now - last) * PER_MINUTE / 60)
        if tokens < 1:
            self.buckets[account] = (tokens, now)
            wait = max(1, int((1 - tokens) * 60 / PER_MINUTE) + 1)
            raise ApiError(429, "rate_limited", "Slow down.", {"Retry-After": str(wait)})
        self.buckets[account] = (tokens - 1, now)

    def settle(self, account: str) -> None:
        """Refund every failed task of the account whose end has come, whoever polls."""
        now = time.time()
        for task in self.tasks.values():
            if task.owner == account and task.fails and not task.refunded and task.ended <= now:
                task.refunded = True
                self.balances[account] += task.model.cost

    def credits(self, account: str) -> int:
        self.settle(account)
        return self.balances[account]

    def can_pay(self, account: str, model: Model) -> None:
        self.settle(account)
        if self.balances[account] < model.cost:
            raise ApiError(403, "insufficient_credits", "Not enough credits for this model.")

    def create(self, account: str, model: Model) -> Task:
        self.can_pay(account, model)
        self.balances[account] -= model.cost
        task_id = "gen_" + uuid.uuid4().hex
        fails = hashlib.sha256(task_id.encode()).digest()[0] < 37
        task = Task(task_id, account, model, time.time(), fails)
        self.tasks[task_id] = task
        return task

    def task(self, account: str, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None or task.owner != account:
            raise ApiError(404, "not_found", "No such generation.")
        self.settle(account)
        return task

    def store(
        self, account: str, kind: str, name: str, mime: str, data: bytes, base: str
    ) -> StoredFile:
        file_id = "upl_" + uuid.uuid4().hex
        stored = StoredFile(
            file_id, account, kind, name, mime, data, time.time(), f"{base}blobs/{file_id}"
        )
        self.files[file_id] = stored
        return stored

    def file(self, account: str, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None or stored.owner != account:
            raise ApiError(404, "not_found", "No such file.")
        return stored
