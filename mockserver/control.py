"""Control operations over one fake: reset, accounts and keys, time, outcomes, faults and the journal.

Plain Python, no HTTP: the `/_mock` routes and `MockServer` both call these methods, so the two
share one meaning. Every method returns JSON-ready data and raises the API's errors on bad input.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from .accounts import KEY_PATTERN, ApiKey, bearer_token
from .backend import Backend, ForcedOutcome
from .clock import Clock
from .control_views import account_json, clock_json, file_json, forced_json, key_json, task_json
from .errors import ApiError, NotFound, ValidationFailed
from .faults import FaultRule, Faults, parse_rule
from .generations import FAILED, FAILURE_MESSAGE, SUCCEEDED, Task
from .journal import Journal
from .profile import ALL_SCOPES, AccountSpec, Profile
from .webhooks.control import WebhookControl

PROGRESSIONS = ("time", "polls", "manual")
STATE_PAGE = 1000  # items of each list in one /_mock/state answer (the rest: ?offset=)
OUTCOMES = (SUCCEEDED, FAILED)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, rule="control_input")


def _whole(value: Any, name: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _invalid(f"{name}: must be an integer >= {low}")
    return value


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
        raise _invalid(f"{name}: must be a number of seconds, at least 0 and under 1e9")
    return float(value)


def _text(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _invalid(f"{name}: must be a string")
    return value


def _choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _invalid(f"{name}: must be one of {', '.join(choices)}")
    return value


def _scopes(value: Any) -> tuple[str, ...]:
    if value is None:
        return ALL_SCOPES
    if not isinstance(value, (list, tuple)) or any(s not in ALL_SCOPES for s in value):
        raise _invalid(f"scopes: must be a list of known scopes ({', '.join(ALL_SCOPES)})")
    return tuple(value)


def _page(items: Iterable[Any], offset: int, limit: int) -> list[Any]:
    return list(itertools.islice(items, offset, offset + limit))


def _with_starting_keys(backend: Backend) -> Profile:
    """The profile plus any key made outside it before the control plane took over (the CLI's
    demo key), so that a reset keeps every key the fake started with."""
    profile = backend.profile
    known = {spec.key for spec in profile.accounts}
    extra = tuple(
        AccountSpec(
            k.key,
            backend.ledger.balance(k.account_id),
            tuple(sorted(k.scopes)),
            k.revoked,
            k.expired,
        )
        for k in backend.accounts.keys.values()
        if k.key not in known
    )
    return profile.replace(accounts=profile.accounts + extra) if extra else profile


class Control:
    """The control plane of the fake whose state lives on `holder.backend` (e.g. `app.state`).

    A full reset swaps in a new backend built like the first one (same profile, seed and clock
    unless told otherwise for this reset), and clears the faults and the journal.
    """

    def __init__(self, holder: Any) -> None:
        self._holder = holder
        self.faults = Faults()
        self.journal = Journal()
        self.base_profile: Profile = _with_starting_keys(holder.backend)
        streams = holder.backend.streams
        self.base_seed: int | None = streams.seed if streams.seeded else None
        self.base_clock: Clock = holder.backend.clock
        self._opening: dict[str, int] = {}
        self.webhooks = WebhookControl(holder)

    @property
    def backend(self) -> Backend:
        return self._holder.backend

    # -- lookups -------------------------------------------------------------------------------

    def account_id(self, ref: Any) -> str:
        """An account named by its id or by one of its keys."""
        accounts = self.backend.accounts
        if isinstance(ref, str) and ref in accounts.accounts:
            return ref
        if isinstance(ref, str) and ref in accounts.keys:
            return accounts.keys[ref].account_id
        raise NotFound(f"No account or key {ref!r}.", rule="control_account_not_found")

    def account_of(self, authorization: str | None) -> str | None:
        """The account an Authorization header speaks for, if its key is known (for the journal)."""
        try:
            api_key = self.backend.accounts.keys.get(bearer_token(authorization))
        except ApiError:
            return None
        return api_key.account_id if api_key else None

    def _task(self, task_id: Any) -> Task:
        task = self.backend.tasks.get(task_id) if isinstance(task_id, str) else None
        if task is None:
            raise NotFound(f"No task {task_id!r}.", rule="control_task_not_found")
        return task

    def _key(self, key: Any) -> ApiKey:
        api_key = self.backend.accounts.keys.get(key) if isinstance(key, str) else None
        if api_key is None:
            raise NotFound(f"No key {key!r}.", rule="control_key_not_found")
        return api_key

    # -- reset and state -----------------------------------------------------------------------

    def reset(
        self,
        account: str | None = None,
        *,
        profile: Profile | None = None,
        seed: int | None = None,
        clock: Clock | None = None,
    ) -> dict[str, Any]:
        """Everything (a new backend; faults and journal cleared), or one account's data."""
        if account is not None:
            account_id = self.account_id(account)
            self._reset_account(account_id)
            return {"reset": account_id}
        old, self._holder.backend = (
            self._holder.backend,
            Backend(
                profile or self.base_profile,
                clock=clock or self.base_clock,
                seed=self.base_seed if seed is None else seed,
            ),
        )
        old.close()  # its uploads' directory goes now, not whenever the collector gets to it
        self.faults.clear()
        self.journal.clear()
        self._opening.clear()
        return {"reset": "all"}

    def _reset_account(self, account_id: str) -> None:
        """Back to its opening balance, with no tasks, files, idempotency keys or rate-limit debt."""
        self.backend.forget_account(account_id, self._opening_credits(account_id))

    def _opening_credits(self, account_id: str) -> int:
        if account_id in self._opening:
            return self._opening[account_id]
        keys = set(self.backend.accounts.accounts[account_id].keys)
        configured = [spec.credits for spec in self.backend.profile.accounts if spec.key in keys]
        return configured[0] if configured else self.backend.profile.starting_credits

    def state(self, limit: int = STATE_PAGE, offset: int = 0) -> dict[str, Any]:
        """Switches and settings, with one page (`offset`, `limit`) of accounts, tasks and files
        in creation order, and `totals` of each: cheap however many tasks there are."""
        limit = min(_whole(limit, "limit", 1), STATE_PAGE)
        offset = _whole(offset, "offset")
        backend = self.backend
        with backend.lock:
            now = backend.clock.now()
            accounts, tasks, files = backend.accounts.accounts, backend.tasks, backend.files
            return {
                "clock": clock_json(backend.clock),
                "seed": backend.streams.seed if backend.streams.seeded else None,
                "public_api_enabled": backend.public_api_enabled,
                "progression": backend.profile.progression,
                "polls_per_state": backend.polls_per_state,
                "chaos": self.faults.chaos,
                "accounts": [
                    account_json(backend, a) for a in _page(list(accounts), offset, limit)
                ],  # a list first: keys may be provisioned meanwhile on another thread
                "tasks": [task_json(t, now) for t in _page(tasks.values(), offset, limit)],
                "files": [file_json(f) for f in _page(files.values(), offset, limit)],
                "forced_outcomes": [forced_json(f) for f in backend.forced_outcomes if f.count],
                "faults": [rule.to_json() for rule in self.faults.rules],
                "page": {"offset": offset, "limit": limit},
                "totals": {"accounts": len(accounts), "tasks": len(tasks), "files": len(files)},
            }

    def task(self, task_id: str) -> dict[str, Any]:
        with self.backend.lock:
            return task_json(self._task(task_id), self.backend.clock.now())

    # -- accounts and keys ---------------------------------------------------------------------

    def create_account(
        self, credits: int | None = None, key: str | None = None, scopes: Any = None
    ) -> dict[str, Any]:
        """A new account with `credits` (default: starting_credits) and one key."""
        backend = self.backend
        credits = (
            backend.profile.starting_credits if credits is None else _whole(credits, "credits")
        )
        scopes = _scopes(scopes)
        with backend.lock:
            key = self._new_key(key)
            account = backend.accounts.create_account(credits)
            self._opening[account.id] = credits
            backend.accounts.add_key(account.id, key, scopes)
            return account_json(self.backend, account.id)

    def add_key(self, account: str, key: str | None = None, scopes: Any = None) -> dict[str, Any]:
        backend = self.backend
        account_id, scopes = self.account_id(account), _scopes(scopes)
        with backend.lock:
            return key_json(backend.accounts.add_key(account_id, self._new_key(key), scopes))

    def _new_key(self, key: Any) -> str:
        if key is None:
            return "rvya_sk_mock_" + self.backend.streams.new_id("k").removeprefix("k_")
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise _invalid("key: must match rvya_sk_[A-Za-z0-9_-]{8,}")
        if key in self.backend.accounts.keys:
            raise _invalid(f"key: {key} already exists")
        return key

    def update_key(
        self,
        key: str,
        *,
        revoked: bool | None = None,
        expired: bool | None = None,
        scopes: Any = None,
    ) -> dict[str, Any]:
        """Revoke, expire (or undo either), or change the scopes of a key."""
        api_key = self._key(key)
        for name, flag in (("revoked", revoked), ("expired", expired)):
            if flag is not None and not isinstance(flag, bool):
                raise _invalid(f"{name}: must be true or false")
        if revoked is not None:
            api_key.revoked = revoked
        if expired is not None:
            api_key.expired = expired
        if scopes is not None:
            api_key.scopes = frozenset(_scopes(scopes))
        return key_json(api_key)

    def revoke_key(self, key: str) -> dict[str, Any]:
        return self.update_key(key, revoked=True)

    def expire_key(self, key: str) -> dict[str, Any]:
        return self.update_key(key, expired=True)

    def set_balance(self, account: str, credits: int) -> dict[str, Any]:
        account_id, credits = self.account_id(account), _whole(credits, "credits")
        with self.backend.lock:
            self.backend.get_credits(account_id)  # settle due refunds first, or they land on top
            self.backend.ledger.set(account_id, credits)
            return account_json(self.backend, account_id)

    def set_rate_limit(self, account: str, enabled: Any) -> dict[str, Any]:
        """Put one account under the profile's rate limit (the default) or let it off."""
        account_id = self.account_id(account)
        if not isinstance(enabled, bool):
            raise _invalid("enabled: must be true or false")
        exempt = self.backend.limiter.exempt
        (exempt.discard if enabled else exempt.add)(account_id)
        return {"account": account_id, "rate_limited": enabled}

    # -- time and progression ------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        return clock_json(self.backend.clock)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the clock, then make every webhook attempt due by the new time (once each)."""
        seconds = _seconds(seconds, "seconds")
        advance = getattr(self.backend.clock, "advance", None)
        if advance is None:
            raise _invalid("seconds: this fake's clock cannot be moved")
        try:
            advance(seconds)
        except ValueError as exc:  # past the last time a timestamp can show
            raise _invalid(f"seconds: {exc}") from None
        self.backend.idempotency.sweep()  # keys whose 24 h have now passed go at once
        self.deliver_due()
        return clock_json(self.backend.clock)

    def deliver_due(self) -> None:
        """Every webhook attempt due now is made once before this returns."""
        dispatcher = getattr(self._holder, "dispatcher", None)
        if dispatcher is not None:
            dispatcher.drain()

    def set_progression(
        self, mode: str, *, polls_per_state: int | None = None, task: str | None = None
    ) -> dict[str, Any]:
        """Switch progression for tasks created from now on, or for one task (`task`)."""
        mode = _choice(mode, "mode", PROGRESSIONS)
        every = None if polls_per_state is None else _whole(polls_per_state, "polls_per_state", 1)
        backend = self.backend
        with backend.lock:
            if task is not None:
                return self._reschedule(self._task(task), mode, every)
            backend.profile = backend.profile.replace(progression=mode)
            if every is not None:
                backend.polls_per_state = every
            return {"progression": mode, "polls_per_state": backend.polls_per_state}

    def _reschedule(self, task: Task, mode: str, every: int | None) -> dict[str, Any]:
        backend, now = self.backend, self.backend.clock.now()
        profile = backend.profile
        task.reschedule(now, mode, profile.queued_seconds, profile.processing_seconds)
        if every is not None:
            task.polls_per_state, task.polls = every, 0
        backend.track_outcome(task)
        return task_json(task, now)

    # -- outcomes ------------------------------------------------------------------------------

    def force_outcomes(
        self,
        outcome: str,
        count: int = 1,
        *,
        message: str | None = None,
        model: str | None = None,
        prompt_contains: str | None = None,
        processing_seconds: float | None = None,
    ) -> dict[str, Any]:
        """The next `count` new tasks (matching model / prompt substring) end in `outcome`."""
        forced = ForcedOutcome(
            outcome=_choice(outcome, "outcome", OUTCOMES),
            count=_whole(count, "count", 1),
            message=_text(message, "message"),
            model=_text(model, "model"),
            prompt_contains=_text(prompt_contains, "prompt_contains"),
            processing_seconds=(
                None
                if processing_seconds is None
                else _seconds(processing_seconds, "processing_seconds")
            ),
        )
        with self.backend.lock:
            self.backend.forced_outcomes.append(forced)
        return forced_json(forced)

    def forced_outcomes(self) -> list[dict[str, Any]]:
        return [forced_json(f) for f in self.backend.forced_outcomes if f.count]

    def set_task_outcome(
        self, task_id: str, outcome: str, message: str | None = None
    ) -> dict[str, Any]:
        """Decide how an unfinished task will end (it keeps its schedule)."""
        outcome, message = _choice(outcome, "outcome", OUTCOMES), _text(message, "message")
        backend = self.backend
        with backend.lock:
            task, now = self._task(task_id), backend.clock.now()
            if task.changes_by(now) >= 2:
                raise _invalid(f"task: {task.id} has already {task.status_at(now)}")
            task.outcome = outcome
            task.failure_message = message or FAILURE_MESSAGE
            backend.track_outcome(task)
            return task_json(task, now)

    def complete_task(
        self, task_id: str, outcome: str | None = None, message: str | None = None
    ) -> dict[str, Any]:
        """Finish a task now, with its own outcome or the one given."""
        if outcome is not None:
            outcome = _choice(outcome, "outcome", OUTCOMES)
        message = _text(message, "message")
        backend = self.backend
        with backend.lock:
            task, now = self._task(task_id), backend.clock.now()
            finished = task.changes_by(now) >= 2
            if finished and outcome is not None and outcome != task.outcome:
                raise _invalid(f"task: {task.id} has already {task.status_at(now)}")
            if message is not None and not finished:
                task.failure_message = message
            task.complete(now, outcome)
            backend.track_outcome(task)
            return task_json(task, now)

    # -- the public switch ---------------------------------------------------------------------

    def set_public_api(self, enabled: bool) -> dict[str, Any]:
        if not isinstance(enabled, bool):
            raise _invalid("enabled: must be true or false")
        self.backend.public_api_enabled = enabled
        return {"public_api_enabled": enabled}

    # -- journal and faults --------------------------------------------------------------------

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries, oldest first, filtered (method, path, status, error_code, rule,
        account — an id or a key —, since, limit)."""
        unknown = set(filters) - {
            "method",
            "path",
            "status",
            "error_code",
            "rule",
            "account",
            "since",
            "limit",
        }
        if unknown:
            raise _invalid(f"filter: unknown filter(s) {', '.join(sorted(unknown))}")
        if filters.get("account") is not None:
            filters["account"] = self.account_id(filters["account"])
        for name in ("status", "since", "limit"):
            if filters.get(name) is not None:
                _whole(filters[name], name)
        return self.journal.entries(**filters)

    def clear_requests(self) -> dict[str, Any]:
        self.journal.clear()
        return {"cleared": True}

    def add_fault(self, rule: dict[str, Any] | FaultRule) -> dict[str, Any]:
        """Add a fault rule (its JSON form, or a FaultRule)."""
        parsed = rule if isinstance(rule, FaultRule) else parse_rule(rule)
        return self.faults.add(parsed).to_json()

    def fault_rules(self) -> list[dict[str, Any]]:
        return [rule.to_json() for rule in self.faults.rules]

    def clear_faults(self) -> dict[str, Any]:
        self.faults.clear()
        return {"faults": [], "chaos": 0.0}

    def set_chaos(self, level: float) -> dict[str, Any]:
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 <= level <= 1:
            raise _invalid("level: must be a probability from 0 to 1")
        self.faults.chaos = float(level)
        return {"chaos": self.faults.chaos}
