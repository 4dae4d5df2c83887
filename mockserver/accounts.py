"""Accounts and API keys: authentication, scopes and auto-provisioning of well-formed keys."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from .errors import ApiKeyExpired, ApiKeyInvalid, ApiKeyMissing, ApiKeyRevoked, ScopeDenied
from .profile import ALL_SCOPES, KEY_PATTERN

# `scheme token` around and between which HTTP whitespace (SP, HTAB) is ignored
CREDENTIALS = re.compile(r"[ \t]*(\S*)[ \t]*(.*?)[ \t]*", re.DOTALL)
# Auto-provisioned accounts are bounded: each costs ~1.6 KB with a 256-character key (account, key,
# ledger entry, rate-limit bucket; measured), so ~16 MB at most; past the bound a new key is
# api_key_invalid until a full reset. Keys longer than MAX_KEY_LENGTH are never provisioned.
MAX_PROVISIONED = 10_000
MAX_KEY_LENGTH = 256


@dataclass
class ApiKey:
    key: str
    account_id: str
    scopes: frozenset[str] = frozenset(ALL_SCOPES)
    revoked: bool = False
    expired: bool = False


@dataclass
class Account:
    id: str
    keys: list[str] = field(default_factory=list)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer …` header (scheme case-insensitive), or raise."""
    if authorization is None:
        raise ApiKeyMissing()
    match = CREDENTIALS.fullmatch(authorization)
    scheme, token = match.groups() if match else ("", "")
    if scheme.lower() != "bearer" or not token:
        raise ApiKeyMissing()
    return token


class Accounts:
    """Every account and key of one fake. `new_id` names accounts; `on_open` funds them."""

    def __init__(
        self,
        new_id,
        on_open,
        *,
        auto_provision: bool,
        starting_credits: int,
        max_provisioned: int = MAX_PROVISIONED,
    ) -> None:
        self.accounts: dict[str, Account] = {}
        self.provisioned = 0
        self.max_provisioned = max_provisioned
        self.keys: dict[str, ApiKey] = {}
        self._new_id = new_id
        self._on_open = on_open
        self.auto_provision = auto_provision
        self.starting_credits = starting_credits
        self._lock = threading.Lock()

    def create_account(self, credits: int) -> Account:
        account = Account(self._new_id("acct"))
        self.accounts[account.id] = account
        self._on_open(account.id, credits)
        return account

    def add_key(
        self,
        account_id: str,
        key: str,
        scopes=ALL_SCOPES,
        *,
        revoked: bool = False,
        expired: bool = False,
    ) -> ApiKey:
        api_key = ApiKey(key, account_id, frozenset(scopes), revoked, expired)
        self.keys[key] = api_key
        self.accounts[account_id].keys.append(key)
        return api_key

    def _provision(self, token: str) -> ApiKey:
        with self._lock:
            if token not in self.keys:  # another request may have provisioned it meanwhile
                if self.provisioned >= self.max_provisioned:
                    raise ApiKeyInvalid(
                        f"The API key is unknown, and this fake has already provisioned "
                        f"{self.max_provisioned} accounts on first use (reset it, or create "
                        "accounts through the control plane)."
                    )
                self.provisioned += 1
                account = self.create_account(self.starting_credits)
                self.add_key(account.id, token)
            return self.keys[token]

    def authenticate(self, authorization: str | None, scope: str) -> ApiKey:
        """Steps (3) and (4) of the order of checks: the key, then its scope."""
        token = bearer_token(authorization)
        api_key = self.keys.get(token)
        if api_key is None:
            well_formed = len(token) <= MAX_KEY_LENGTH and KEY_PATTERN.fullmatch(token)
            if not (self.auto_provision and well_formed):
                raise ApiKeyInvalid()
            api_key = self._provision(token)
        if api_key.revoked:
            raise ApiKeyRevoked()
        if api_key.expired:
            raise ApiKeyExpired()
        if scope not in api_key.scopes:
            raise ScopeDenied(f"The API key lacks the {scope} scope.")
        return api_key
