"""Control operations on accounts and keys: create, add and change keys, balances, rate limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .control_input import invalid, scope_list, whole
from .control_views import account_json, key_json
from .profile import KEY_PATTERN

if TYPE_CHECKING:
    from .accounts import ApiKey
    from .backend import Backend


class AccountControls:
    """Part of `Control`: accounts and keys."""

    if TYPE_CHECKING:
        _opening: dict[str, int]

        @property
        def backend(self) -> Backend: ...
        def account_id(self, ref: Any) -> str: ...
        def _key(self, key: Any) -> ApiKey: ...

    def create_account(
        self, credits: int | None = None, key: str | None = None, scopes: Any = None
    ) -> dict[str, Any]:
        """A new account with `credits` (default: starting_credits) and one key."""
        backend = self.backend
        credits = backend.profile.starting_credits if credits is None else whole(credits, "credits")
        scopes = scope_list(scopes)
        with backend.lock:
            key = self._new_key(key)
            account = backend.accounts.create_account(credits)
            self._opening[account.id] = credits
            backend.accounts.add_key(account.id, key, scopes)
            return account_json(self.backend, account.id)

    def add_key(self, account: str, key: str | None = None, scopes: Any = None) -> dict[str, Any]:
        backend = self.backend
        account_id, scopes = self.account_id(account), scope_list(scopes)
        with backend.lock:
            return key_json(backend.accounts.add_key(account_id, self._new_key(key), scopes))

    def _new_key(self, key: Any) -> str:
        if key is None:
            return "rvya_sk_mock_" + self.backend.streams.new_id("k").removeprefix("k_")
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise invalid("key: must match rvya_sk_[A-Za-z0-9_-]{8,}")
        if key in self.backend.accounts.keys:
            raise invalid(f"key: {key} already exists")
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
                raise invalid(f"{name}: must be true or false")
        if revoked is not None:
            api_key.revoked = revoked
        if expired is not None:
            api_key.expired = expired
        if scopes is not None:
            api_key.scopes = frozenset(scope_list(scopes))
        return key_json(api_key)

    def revoke_key(self, key: str) -> dict[str, Any]:
        return self.update_key(key, revoked=True)

    def expire_key(self, key: str) -> dict[str, Any]:
        return self.update_key(key, expired=True)

    def set_balance(self, account: str, credits: int) -> dict[str, Any]:
        account_id, credits = self.account_id(account), whole(credits, "credits")
        with self.backend.lock:
            self.backend.get_credits(account_id)  # settle due refunds first, or they land on top
            self.backend.ledger.set(account_id, credits)
            return account_json(self.backend, account_id)

    def set_rate_limit(self, account: str, enabled: Any) -> dict[str, Any]:
        """Put one account under the profile's rate limit (the default) or let it off."""
        account_id = self.account_id(account)
        if not isinstance(enabled, bool):
            raise invalid("enabled: must be true or false")
        exempt = self.backend.limiter.exempt
        (exempt.discard if enabled else exempt.add)(account_id)
        return {"account": account_id, "rate_limited": enabled}
