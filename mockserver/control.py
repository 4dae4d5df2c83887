"""Control operations over one fake: reset and state, the public switch, faults and the journal;
accounts and keys (`control_accounts`), time and outcomes (`control_tasks`) are its parts.

Plain Python, no HTTP: the `/_mock` routes and `MockServer` both call these methods, so the two
share one meaning. Every method returns JSON-ready data and raises the API's errors on bad input.
"""

from __future__ import annotations

from typing import Any

from .accounts import ApiKey, bearer_token
from .backend import Backend
from .clock import Clock
from .control_accounts import AccountControls
from .control_input import invalid, page, whole
from .control_tasks import TaskControls
from .control_views import account_json, clock_json, file_json, forced_json, task_json
from .errors import ApiError, NotFound
from .faults import FaultRule, Faults, parse_rule
from .generations import Task
from .journal import Journal
from .profile import AccountSpec, Profile
from .webhooks.control import WebhookControl

STATE_PAGE = 1000  # items of each list in one /_mock/state answer (the rest: ?offset=)


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


class Control(AccountControls, TaskControls):
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
        limit = min(whole(limit, "limit", 1), STATE_PAGE)
        offset = whole(offset, "offset")
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
                    account_json(backend, a) for a in page(list(accounts), offset, limit)
                ],  # a list first: keys may be provisioned meanwhile on another thread
                "tasks": [task_json(t, now) for t in page(tasks.values(), offset, limit)],
                "files": [file_json(f) for f in page(files.values(), offset, limit)],
                "forced_outcomes": [forced_json(f) for f in backend.forced_outcomes if f.count],
                "faults": [rule.to_json() for rule in self.faults.rules],
                "page": {"offset": offset, "limit": limit},
                "totals": {"accounts": len(accounts), "tasks": len(tasks), "files": len(files)},
            }

    def task(self, task_id: str) -> dict[str, Any]:
        with self.backend.lock:
            return task_json(self._task(task_id), self.backend.clock.now())

    # -- the public switch ---------------------------------------------------------------------

    def set_public_api(self, enabled: bool) -> dict[str, Any]:
        if not isinstance(enabled, bool):
            raise invalid("enabled: must be true or false")
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
            raise invalid(f"filter: unknown filter(s) {', '.join(sorted(unknown))}")
        if filters.get("account") is not None:
            filters["account"] = self.account_id(filters["account"])
        for name in ("status", "since", "limit"):
            if filters.get(name) is not None:
                whole(filters[name], name)
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
            raise invalid("level: must be a probability from 0 to 1")
        self.faults.chaos = float(level)
        return {"chaos": self.faults.chaos}
