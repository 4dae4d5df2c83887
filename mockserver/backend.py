"""The backend: the one owner of a fake's state. Methods are named after the API's operations.

It knows no HTTP: route handlers parse and serialize, the backend decides.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import BinaryIO

from .accounts import Accounts, ApiKey
from .blobs import BlobStore, Spool
from .catalog import Model, catalog
from .clock import Clock, SystemClock
from .errors import NotFound, PublicApiDisabled
from .files import (
    StoredFile,
    UploadRequest,
    check_content,
    check_reference,
    file_durations,
    referenced_file_id,
)
from .generations import FAILED, FAILURE_MESSAGE, SUCCEEDED, Task
from .idempotency import IdempotencyStore
from .ledger import Ledger
from .profile import Profile
from .randomness import Streams
from .ratelimit import RateLimiter
from .validation import GenerationRequest
from .webhooks.store import Webhooks

FAIL_MARKER, SLOW_MARKER, SLOW_FACTOR = "[mock:fail]", "[mock:slow]", 10.0


@dataclass
class ForcedOutcome:
    """Control plane: the next `count` tasks matching `model` and `prompt_contains` end so."""

    outcome: str
    count: int = 1
    message: str | None = None
    model: str | None = None
    prompt_contains: str | None = None
    processing_seconds: float | None = None

    def matches(self, request: GenerationRequest) -> bool:
        return (self.model is None or self.model == request.model.id) and (
            self.prompt_contains is None or self.prompt_contains in request.prompt
        )


class Backend:
    def __init__(
        self, profile: Profile | None = None, *, clock: Clock | None = None, seed: int | None = None
    ) -> None:
        self.profile = profile or Profile()
        self.clock = clock or SystemClock()
        self.streams = Streams(seed)
        self.ledger = Ledger(self.profile.insufficient_credits_status)
        self.accounts = Accounts(
            self.streams.new_id,
            self.ledger.open,
            auto_provision=self.profile.auto_provision_keys,
            starting_credits=self.profile.starting_credits,
        )
        self.tasks: dict[str, Task] = {}
        self.files: dict[str, StoredFile] = {}
        self.blobs = BlobStore()
        self.idempotency = IdempotencyStore(self.clock)
        self.limiter = RateLimiter(
            self.profile.rate_limit_per_minute, self.profile.rate_limit_burst
        )
        self.public_api_enabled = self.profile.public_api_enabled
        self._unrefunded_failures: dict[str, set[str]] = {}
        self.lock = threading.RLock()
        # control plane hooks: outcomes forced on the next tasks, and owner polls per state change
        self.forced_outcomes: list[ForcedOutcome] = []
        self.polls_per_state = 1
        self.webhooks = Webhooks(
            self.profile, self.clock, self.streams.seed, seeded=self.streams.seeded
        )
        for spec in self.profile.accounts:
            account = self.accounts.create_account(spec.credits)
            self.accounts.add_key(
                account.id, spec.key, spec.scopes, revoked=spec.revoked, expired=spec.expired
            )

    # -- the order of checks, steps (2) to (5) -------------------------------------------------

    def check_public_api(self) -> None:
        if not self.public_api_enabled:
            raise PublicApiDisabled()

    def authorize(self, authorization: str | None, scope: str) -> ApiKey:
        """Authenticate, check the scope, then take a rate-limit token for the account."""
        api_key = self.accounts.authenticate(authorization, scope)
        self.limiter.take(api_key.account_id)
        return api_key

    # -- operations --------------------------------------------------------------------------

    def list_models(self) -> list[Model]:
        return list(catalog().values())

    def get_credits(self, account_id: str) -> int:
        with self.lock:
            self._settle(account_id)
            return self.ledger.balance(account_id)

    def create_generation(self, account_id: str, request: GenerationRequest, base_url: str) -> Task:
        """Steps (9) and (10): reserve the cost, then create the task. Atomic per backend."""
        with self.lock:
            self._check_references(account_id, request)
            self._settle(account_id)
            self.ledger.reserve(account_id, request.model.base_credits)
            task = self._new_task(account_id, request, base_url)
            self.tasks[task.id] = task
            self.webhooks.watch(task)
            if task.outcome == FAILED:
                self._unrefunded_failures.setdefault(account_id, set()).add(task.id)
            return task

    def get_generation(self, account_id: str, task_id: str) -> Task:
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None or task.account_id != account_id:
                raise NotFound(
                    f"No generation {task_id!r} for this account.", rule="task_not_found"
                )
            task.poll(self.clock.now())
            self._settle(account_id)
            return task

    def upload_file(self, account_id: str, upload: UploadRequest, base_url: str) -> StoredFile:
        mime = check_content(upload, self.profile.megabyte)
        with self.lock:
            file_id = self.streams.new_id("file")
            seconds, token = file_durations(
                self.streams.secret, file_id, upload.kind, mime, upload.body
            )
            self.blobs.keep(upload.body, file_id)
            stored = StoredFile(
                file_id,
                account_id,
                upload.kind,
                upload.name,
                mime,
                upload.body.size,
                seconds,
                token,
                self.clock.now(),
                base_url,
                upload.model.id if upload.model else None,
                upload.client_request_id,
            )
            self.files[file_id] = stored
            return stored

    def get_file(self, account_id: str | None, file_id: str) -> StoredFile:
        """The file to its owner (or to anyone when `account_id` is None: the CDN)."""
        stored = self.files.get(file_id)
        if stored is None or (account_id is not None and stored.account_id != account_id):
            raise NotFound(f"No file {file_id!r} for this account.", rule="file_not_found")
        return stored

    def spool_upload(self) -> Spool:
        """Somewhere for an upload's bytes to stream to (a file of this fake's BlobStore)."""
        return self.blobs.spool()

    def open_file(self, stored: StoredFile) -> BinaryIO:
        """The bytes of a kept upload, as an open file."""
        try:
            return self.blobs.open(stored.id)
        except FileNotFoundError:
            raise NotFound(f"No file {stored.id!r}.", rule="file_not_found") from None

    def result_task(self, task_id: str) -> Task:
        """A succeeded task whose result image may be served (the CDN needs no key)."""
        task = self.tasks.get(task_id)
        if task is None or task.status_at(self.clock.now()) != SUCCEEDED:
            raise NotFound("No such result.", rule="result_not_found")
        return task

    # -- internals ---------------------------------------------------------------------------

    def _new_task(self, account_id: str, request: GenerationRequest, base_url: str) -> Task:
        profile = self.profile
        draw = self.streams.draw_outcome()  # always drawn, so ids never depend on the rate
        failed = draw < profile.failure_rate
        processing = profile.processing_seconds
        if profile.prompt_markers:
            failed = failed or FAIL_MARKER in request.prompt
            processing *= SLOW_FACTOR if SLOW_MARKER in request.prompt else 1.0
        forced = self._take_forced_outcome(request)
        if forced is not None:
            failed = forced.outcome == FAILED
            if forced.processing_seconds is not None:
                processing = forced.processing_seconds
        task = Task(
            id=self.streams.new_id("task"),
            account_id=account_id,
            model=request.model,
            prompt=request.prompt,
            params=request.params,
            client_request_id=request.client_request_id,
            reserved_credits=request.model.base_credits,
            created_at=self.clock.now(),
            base_url=base_url,
            progression=profile.progression,
            outcome=FAILED if failed else SUCCEEDED,
            failure_message=forced.message if forced and forced.message else FAILURE_MESSAGE,
            polls_per_state=self.polls_per_state,
        )
        return task.schedule(profile.queued_seconds, processing)

    def _take_forced_outcome(self, request: GenerationRequest) -> ForcedOutcome | None:
        for forced in self.forced_outcomes:
            if forced.count > 0 and forced.matches(request):
                forced.count -= 1
                return forced
        return None

    def _check_references(self, account_id: str, request: GenerationRequest) -> None:
        for index, item in enumerate(request.references):
            file_id = referenced_file_id(item["url"])
            stored = self.files.get(file_id) if file_id else None
            if stored is not None and stored.account_id != account_id:
                stored = None
            check_reference(
                item,
                f"params.referenceMediaItems[{index}]",
                stored,
                request.model,
                any_https=self.profile.reference_urls == "any_https",
                megabyte=self.profile.megabyte,
                secret=self.streams.secret,
            )

    def _settle(self, account_id: str) -> None:
        """Refund every failed task of the account whose failure time has come (lazily)."""
        pending = self._unrefunded_failures.get(account_id)
        if not pending:
            return
        now = self.clock.now()
        for task_id in list(pending):
            task = self.tasks[task_id]
            if task.outcome != FAILED:
                pending.discard(task_id)
            elif (done := task.finished_at()) is not None and done <= now:
                self.ledger.refund(account_id, task.reserved_credits)
                task.refunded = True
                pending.discard(task_id)

    def track_outcome(self, task: Task) -> None:
        """Keep the refund book in step after the control plane changes a task's outcome."""
        with self.lock:
            pending = self._unrefunded_failures.setdefault(task.account_id, set())
            if task.outcome == FAILED and not task.refunded:
                pending.add(task.id)
            else:
                pending.discard(task.id)

    def forget_account(self, account_id: str, credits: int) -> None:
        """Drop an account's tasks, files, idempotency keys and rate-limit debt; set its credits."""
        with self.lock:
            self.tasks = {i: t for i, t in self.tasks.items() if t.account_id != account_id}
            for file_id in [i for i, f in self.files.items() if f.account_id == account_id]:
                self.blobs.delete(file_id)
                del self.files[file_id]
            self._unrefunded_failures.pop(account_id, None)
            self.idempotency.forget_account(account_id)
            self.limiter.forget(account_id)
            self.webhooks.forget_account(account_id)
            self.ledger.set(account_id, credits)

    def close(self) -> None:
        """Free what lives outside memory: the uploads' temporary directory."""
        self.blobs.close()

    def ready_key(self) -> str:
        """The banner's key (spec §13): the first configured account's key, or with no account
        configured, a demo account made for it."""
        if self.profile.accounts:
            return self.profile.accounts[0].key
        key = "rvya_sk_demo_" + self.streams.new_id("k").removeprefix("k_")[:16]
        account = self.accounts.create_account(self.profile.starting_credits)
        self.accounts.add_key(account.id, key)
        return key
