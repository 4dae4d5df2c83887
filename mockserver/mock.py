"""`MockServer`: the fake in a thread on a free port, with the control plane as Python methods.

    with MockServer(seed=1) as mock:
        mock.fail_next()
        client = httpx.Client(base_url=mock.url, headers={"Authorization": f"Bearer {mock.api_key}"})

Each method calls the same `Control` operation as the matching `/_mock` route.
"""

from __future__ import annotations

from typing import Any

import httpx

from .app import create_app
from .clock import Clock, make_clock
from .control import Control
from .control_access import refusal
from .profile import AccountSpec, Profile, apply_knobs
from .server import ServerThread
from .transport import InProcessTransport

DEFAULT_KEY = "rvya_sk_rivya_mock_default"
IN_PROCESS_URL = "http://testserver"


def _clock(clock: str | Clock) -> Clock:
    return make_clock(clock) if isinstance(clock, str) else clock


def _with_ready_account(profile: Profile, key: str, credits: int | None) -> Profile:
    """The profile with a first account (`key`, unless it has one), holding `credits` if given."""
    if not profile.accounts:
        ready = AccountSpec(key, profile.starting_credits if credits is None else credits)
        return profile.replace(accounts=(ready,))
    if credits is None:
        return profile
    first = profile.accounts[0]
    ready = AccountSpec(first.key, credits, first.scopes, first.revoked, first.expired)
    return profile.replace(accounts=(ready, *profile.accounts[1:]))


class MockServer:
    """A fake Rivya API with a ready account (`api_key`), served by `start()` or `with`.

    Knobs may be given as keyword arguments (`MockServer(progression="polls")`); `credits` sets
    the ready account's balance, `chaos` the chance of a random fault on each API request.
    Without a `profile`, `webhook_urls` is `local` (receivers on this machine are accepted);
    `webhook_transport` (e.g. `httpx.ASGITransport(app=receiver)`) carries webhook deliveries
    instead of the network.
    A `control_token` makes `/_mock` over HTTP need `Authorization: Bearer <token>` (and is
    required off loopback); the Python methods below need none.
    """

    def __init__(
        self,
        profile: Profile | None = None,
        *,
        seed: int | None = None,
        clock: str | Clock = "real",
        credits: int | None = None,
        chaos: float = 0.0,
        api_key: str = DEFAULT_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_transport: Any = None,
        control_token: str | None = None,
        **knobs: Any,
    ) -> None:
        reason = refusal(host, control_token)
        if reason:
            raise ValueError(reason)
        self.control_token = control_token or None
        if profile is None:
            knobs.setdefault("webhook_urls", "local")  # a test's receiver runs on this machine
        profile = apply_knobs(profile or Profile(), knobs)
        self.profile = _with_ready_account(profile, api_key, credits)
        self.api_key = self.profile.accounts[0].key
        self.app = create_app(
            self.profile,
            seed=seed,
            clock=_clock(clock),
            control_token=self.control_token,
            webhook_transport=webhook_transport,
        )
        self.control: Control = self.app.state.control
        self.chaos = chaos
        self.control.set_chaos(chaos)
        self._host, self._port = host, port
        self._server: ServerThread | None = None
        self._clients: list[httpx.Client] = []

    # -- serving -------------------------------------------------------------------------------

    def start(self) -> MockServer:
        if self._server is None:
            self._server = ServerThread(self.app, self._host, self._port).start()
        return self

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.app.state.dispatcher.stop()  # in-process, it started on first need
        self.control.backend.close()  # uploaded bytes live on disk until the server stops

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL (`http://127.0.0.1:PORT`) once started."""
        if self._server is None:
            raise RuntimeError("MockServer is not started: use `with MockServer() as mock:`")
        return self._server.url

    @property
    def backend(self) -> Any:
        return self.control.backend

    def transport(self) -> InProcessTransport:
        """An httpx transport to this fake with no socket (close it, or use `client()`)."""
        return InProcessTransport(self.app)

    def client(
        self,
        *,
        in_process: bool | None = None,
        key: str | None = None,
        control: bool = False,
        **kwargs: Any,
    ) -> httpx.Client:
        """An httpx.Client sending `key` (default: `api_key`); in-process unless started.

        `control=True` sends the control token instead, for `/_mock` over HTTP.
        """
        if in_process is None:
            in_process = self._server is None
        token = self.control_token if control else (key or self.api_key)
        authorization = {"Authorization": f"Bearer {token}"} if token else {}
        headers = {**authorization, **kwargs.pop("headers", {})}
        if in_process:
            kwargs["transport"] = self.transport()
        client = httpx.Client(
            base_url=IN_PROCESS_URL if in_process else self.url, headers=headers, **kwargs
        )
        self._clients.append(client)
        return client

    # -- reset and state -----------------------------------------------------------------------

    def reset(
        self,
        account: str | None = None,
        *,
        seed: int | None = None,
        clock: str | Clock | None = None,
        credits: int | None = None,
        chaos: float | None = None,
        **knobs: Any,
    ) -> dict[str, Any]:
        """Reset everything to how this server started, with optional per-test changes."""
        if account is not None:
            return self.control.reset(account)
        profile = _with_ready_account(apply_knobs(self.profile, knobs), self.api_key, credits)
        done = self.control.reset(
            profile=profile, seed=seed, clock=None if clock is None else _clock(clock)
        )
        self.control.set_chaos(self.chaos if chaos is None else chaos)
        return done

    def state(self) -> dict[str, Any]:
        return self.control.state()

    def credits(self, account: str | None = None) -> int:
        """The current balance of an account (id or key; default: the ready account)."""
        account_id = self.control.account_id(account or self.api_key)
        return self.backend.get_credits(account_id)

    # -- accounts and keys ---------------------------------------------------------------------

    def create_account(
        self, credits: int | None = None, key: str | None = None, scopes: Any = None
    ) -> dict[str, Any]:
        return self.control.create_account(credits, key, scopes)

    def add_key(self, account: str, key: str | None = None, scopes: Any = None) -> dict[str, Any]:
        return self.control.add_key(account, key, scopes)

    def update_key(self, key: str, **changes: Any) -> dict[str, Any]:
        return self.control.update_key(key, **changes)

    def revoke_key(self, key: str | None = None) -> dict[str, Any]:
        return self.control.revoke_key(key or self.api_key)

    def expire_key(self, key: str | None = None) -> dict[str, Any]:
        return self.control.expire_key(key or self.api_key)

    def set_balance(self, credits: int, account: str | None = None) -> dict[str, Any]:
        return self.control.set_balance(account or self.api_key, credits)

    def set_rate_limit(self, enabled: bool, account: str | None = None) -> dict[str, Any]:
        return self.control.set_rate_limit(account or self.api_key, enabled)

    # -- time and progression ------------------------------------------------------------------

    def advance(self, seconds: float) -> dict[str, Any]:
        return self.control.advance(seconds)

    def now(self) -> float:
        return self.backend.clock.now()

    def set_progression(
        self, mode: str, *, polls_per_state: int | None = None, task: str | None = None
    ) -> dict[str, Any]:
        return self.control.set_progression(mode, polls_per_state=polls_per_state, task=task)

    # -- outcomes ------------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        message: str | None = None,
        model: str | None = None,
        prompt_contains: str | None = None,
        processing_seconds: float | None = None,
    ) -> dict[str, Any]:
        return self.control.force_outcomes(
            "failed",
            count,
            message=message,
            model=model,
            prompt_contains=prompt_contains,
            processing_seconds=processing_seconds,
        )

    def succeed_next(
        self,
        count: int = 1,
        *,
        model: str | None = None,
        prompt_contains: str | None = None,
        processing_seconds: float | None = None,
    ) -> dict[str, Any]:
        return self.control.force_outcomes(
            "succeeded",
            count,
            model=model,
            prompt_contains=prompt_contains,
            processing_seconds=processing_seconds,
        )

    def fail_task(self, task_id: str, message: str | None = None) -> dict[str, Any]:
        return self.control.set_task_outcome(task_id, "failed", message)

    def succeed_task(self, task_id: str) -> dict[str, Any]:
        return self.control.set_task_outcome(task_id, "succeeded")

    def complete(
        self, task_id: str, outcome: str | None = None, message: str | None = None
    ) -> dict[str, Any]:
        return self.control.complete_task(task_id, outcome, message)

    def task(self, task_id: str) -> dict[str, Any]:
        return self.control.task(task_id)

    # -- the public switch ---------------------------------------------------------------------

    def disable_public_api(self) -> dict[str, Any]:
        return self.control.set_public_api(False)

    def enable_public_api(self) -> dict[str, Any]:
        return self.control.set_public_api(True)

    # -- journal and faults --------------------------------------------------------------------

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return self.control.requests(**filters)

    def clear_requests(self) -> dict[str, Any]:
        return self.control.clear_requests()

    def add_fault(
        self,
        action: str,
        *,
        method: str | None = None,
        path: str | None = None,
        model: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A fault rule: `action` on requests matching method, path glob and model.

        Fields: probability, count, skip, retry_after, latency_ms (see docs/control-plane.md).
        """
        match = {k: v for k, v in {"method": method, "path": path, "model": model}.items() if v}
        return self.control.add_fault({"action": action, "match": match, **fields})

    def rate_limit(
        self,
        count: int = 1,
        *,
        retry_after: int = 1,
        path: str | None = None,
        method: str | None = None,
        skip: int = 0,
    ) -> dict[str, Any]:
        """The next `count` matching requests get 429 with `Retry-After: retry_after`."""
        return self.add_fault(
            "rate_limited",
            method=method,
            path=path,
            count=count,
            retry_after=retry_after,
            skip=skip,
        )

    def faults(self) -> list[dict[str, Any]]:
        return self.control.fault_rules()

    def clear_faults(self) -> dict[str, Any]:
        return self.control.clear_faults()

    def set_chaos(self, level: float) -> dict[str, Any]:
        return self.control.set_chaos(level)

    # -- webhooks ------------------------------------------------------------------------------

    def webhook_endpoints(self) -> list[dict[str, Any]]:
        """Every endpoint with its account and the signing secrets in force."""
        return self.control.webhooks.endpoints()

    def webhook_deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        """Every webhook request sent, oldest first, with its response (filters: endpoint,
        event, delivery, limit)."""
        return self.control.webhooks.deliveries(**filters)

    def deliver_due(self) -> None:
        """Make every webhook attempt due now (advance(0) does the same)."""
        self.control.deliver_due()

    def redeliver(self, delivery_id: str) -> dict[str, Any]:
        return self.control.webhooks.redeliver(delivery_id)

    def pause_webhooks(self) -> dict[str, Any]:
        return self.control.webhooks.pause()

    def resume_webhooks(self) -> dict[str, Any]:
        return self.control.webhooks.resume()

    def release_webhooks(self) -> dict[str, Any]:
        """Let attempts held back by a `hold_back` fault go."""
        return self.control.webhooks.release()

    def add_webhook_fault(
        self,
        action: str,
        *,
        endpoint: str | None = None,
        event_type: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A webhook fault rule: duplicate, hold_back, delay (seconds=…), bad_signature or
        receiver_down, on attempts matching endpoint and event_type (probability, count, skip)."""
        match = {k: v for k, v in {"endpoint": endpoint, "event_type": event_type}.items() if v}
        return self.control.webhooks.add_fault({"action": action, "match": match, **fields})

    def alias_webhook_host(self, host: str, to: str) -> dict[str, Any]:
        """Deliveries to endpoints on `host` go to the base URL `to` (e.g. a local receiver)."""
        return self.control.webhooks.add_alias(host, to)

    def webhook_faults(self) -> list[dict[str, Any]]:
        return self.control.webhooks.faults()

    def clear_webhook_faults(self) -> dict[str, Any]:
        return self.control.webhooks.clear_faults()
