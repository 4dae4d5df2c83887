"""A model of one account (balance, tasks, files) checked against the server after every step."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from .catalog import Catalog
from .checks import body_of, file_fields, finding, is_error, is_success
from .media import tiny_png
from .polling import TERMINAL, ended_as_documented, finish_open_tasks, follows_lifecycle
from .spending import created_as_queued
from .strategies import fresh_idempotency_key, valid_bodies
from .target import Target


def machine_for(target: Target, catalog: Catalog) -> type[RuleBasedStateMachine]:
    """The state machine class bound to one target and its catalog."""
    api, key = target.api, target.keys.main

    class AccountMachine(RuleBasedStateMachine):
        tasks = Bundle("tasks")
        keyed = Bundle("keyed")
        files = Bundle("files")

        @initialize()
        def read_balance(self) -> None:
            self.balance = api.balance(key)
            self.known: dict[str, dict[str, Any]] = {}
            self.uploads: dict[str, dict[str, Any]] = {}

        def _create(self, body: dict[str, Any], idempotency_key: str | None = None) -> str | None:
            cost = catalog.cost(body["model"])
            if not target.budget.try_reserve(cost):
                return None
            response = api.create_generation(body, key, idempotency_key=idempotency_key)
            if not response.is_success:
                target.budget.release(cost)
            task = created_as_queued(response, catalog, body)
            self.balance -= task["reserved_credits"]
            self.known[task["id"]] = task
            return task["id"]

        @rule(target=tasks, body=valid_bodies(catalog))
        def create(self, body: dict[str, Any]) -> Any:
            task_id = self._create(body)
            return multiple() if task_id is None else task_id

        @rule(target=keyed, body=valid_bodies(catalog))
        def create_with_key(self, body: dict[str, Any]) -> Any:
            idempotency_key = fresh_idempotency_key()
            task_id = self._create(body, idempotency_key)
            return multiple() if task_id is None else (idempotency_key, body, task_id)

        @rule(entry=keyed)
        def replay(self, entry: tuple[str, dict[str, Any], str]) -> None:
            idempotency_key, body, task_id = entry
            response = api.create_generation(body, key, idempotency_key=idempotency_key)
            is_success(response)
            assert body_of(response)["id"] == task_id, finding(
                "a replay must return the same task", response
            )

        @rule(task_id=tasks)
        def poll(self, task_id: str) -> None:
            response = api.get_generation(task_id, key)
            is_success(response)
            self._saw(body_of(response), response)

        def _saw(self, task: dict[str, Any], response: Any) -> None:
            before = self.known[task["id"]]
            follows_lifecycle(before, task, response)
            if task["status"] == "failed" and before["status"] != "failed":
                self.balance += task["reserved_credits"]
            if task["status"] in TERMINAL:
                ended_as_documented(task)
                api.open_tasks.pop(task["id"], None)
            self.known[task["id"]] = task

        @rule(seconds=st.sampled_from([1.0, 2.5, 5.0]))
        def wait(self, seconds: float) -> None:
            target.pacer.wait(seconds)

        @rule(target=files)
        def upload(self) -> str:
            response = api.upload_file(
                key, file=("state.png", tiny_png(), "image/png"), fields={"kind": "image"}
            )
            is_success(response)
            stored = file_fields(body_of(response), "id")
            self.uploads[stored["id"]] = stored
            return stored["id"]

        @rule(file_id=files)
        def read_file(self, file_id: str) -> None:
            response = api.get_file(file_id, key)
            is_success(response)
            assert body_of(response)["id"] == file_id, finding(
                "GET /files/{id} returned another file", response
            )

        @precondition(lambda self: target.keys.second is not None)
        @rule(task_id=tasks)
        def hidden_from_others(self, task_id: str) -> None:
            is_error(api.get_generation(task_id, target.keys.second), "not_found", 404)

        @invariant()
        def balance_matches(self) -> None:
            if not hasattr(self, "balance"):
                return
            now = api.balance(key)
            if now != self.balance:
                # A task may have failed (and been refunded) since we last looked: look, then compare.
                for task_id, task in list(self.known.items()):
                    if task["status"] not in TERMINAL:
                        self.poll(task_id)
                now = api.balance(key)
            assert now == self.balance, (
                f"balance is {now}, the model of the account expects {self.balance}"
            )

        def teardown(self) -> None:
            # Each example starts from a quiet account: a late refund would confuse the next model.
            finish_open_tasks(target)

    return AccountMachine
