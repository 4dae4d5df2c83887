"""The behaviour profile: every knob of spec §12 in one frozen dataclass, plus its loaders.

Configuration flows in from here as an argument; only the CLI reads files and flags.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# an API key as Rivya issues them (§3); anything else is api_key_invalid
KEY_PATTERN = re.compile(r"rvya_sk_[A-Za-z0-9_-]{8,}")

ALL_SCOPES = (
    "models:read",
    "generations:create",
    "generations:read",
    "files:create",
    "files:read",
    "credits:read",
    "webhooks:manage",
    "chat:create",
    "chat:read",
)


class ProfileError(ValueError):
    """A knob name or value that the profile does not accept."""


@dataclass(frozen=True)
class AccountSpec:
    """An account declared in a profile: one key, its credits, scopes and state."""

    key: str
    credits: int = 1000
    scopes: tuple[str, ...] = ALL_SCOPES
    revoked: bool = False
    expired: bool = False


@dataclass(frozen=True)
class Profile:
    """The knobs in force for one fake server (spec §12). Defaults are the spec's."""

    create_status: int = 202
    file_create_status: int = 201
    insufficient_credits_status: int = 402
    prompt_length_unit: str = "codepoints"
    reference_urls: str = "uploaded"
    megabyte: int = 1_000_000
    progression: str = "time"
    queued_seconds: float = 1.0
    processing_seconds: float = 3.0
    failure_rate: float = 0.0
    rate_limit_per_minute: int = 120
    rate_limit_burst: int = 30
    starting_credits: int = 1000
    auto_provision_keys: bool = True
    public_api_enabled: bool = True
    public_base_url: str = ""
    prompt_markers: bool = True
    webhook_urls: str = "public"
    webhook_timeout_seconds: float = 5.0
    webhook_retry_schedule: str = "5,30,120,600,3600"
    webhook_disable_after_failures: int = 50
    cors_origins: str = ""  # browser origins allowed to call the public API (comma-separated)
    accounts: tuple[AccountSpec, ...] = field(default=())

    def replace(self, **changes: Any) -> Profile:
        return dataclasses.replace(self, **changes)

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        """`webhook_retry_schedule` as seconds: the delay before each retry."""
        return retry_delays(self.webhook_retry_schedule)


_CHOICES = {
    "prompt_length_unit": ("codepoints", "utf16"),
    "reference_urls": ("uploaded", "any_https"),
    "progression": ("time", "polls"),
    "webhook_urls": ("public", "local"),
}
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
KNOBS = {f.name: f for f in dataclasses.fields(Profile) if f.name != "accounts"}


def retry_delays(schedule: str) -> tuple[float, ...]:
    """`"5,30,120"` as (5.0, 30.0, 120.0); empty = no retries. Raises ValueError when malformed."""
    parts = [part.strip() for part in schedule.split(",")] if schedule.strip() else []
    delays = tuple(float(part) for part in parts)
    if len(delays) > 100 or any(not 0 <= d < 1e9 for d in delays):
        raise ValueError(schedule)
    return delays


def _coerce(name: str, value: Any) -> Any:
    kind = KNOBS[name].type
    if name == "webhook_retry_schedule" and isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, (str, int)) and str(value).strip().lower() in _BOOLS:
            return _BOOLS[str(value).strip().lower()]
        raise ProfileError(f"{name}: expected a boolean (true/false/1/0/yes/no), got {value!r}")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ProfileError(f"{name}: expected an integer, got {value!r}")
        try:
            return int(value)
        except ValueError:
            raise ProfileError(f"{name}: expected an integer, got {value!r}") from None
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ProfileError(f"{name}: expected a number of seconds, got {value!r}")
        try:
            return float(value)
        except ValueError:
            raise ProfileError(f"{name}: expected a number, got {value!r}") from None
    if not isinstance(value, str):
        raise ProfileError(f"{name}: expected a string, got {value!r}")
    return value


def _check(name: str, value: Any) -> None:
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ProfileError(f"{name}: must be one of {', '.join(_CHOICES[name])}, got {value!r}")
    if name.endswith("_status") and not 200 <= value <= 599:
        raise ProfileError(f"{name}: must be an HTTP status (200-599), got {value}")
    if name in ("queued_seconds", "processing_seconds") and not 0 <= value < 1e9:
        raise ProfileError(f"{name}: must be >= 0, got {value}")
    if name == "failure_rate" and not 0.0 <= value <= 1.0:
        raise ProfileError(f"{name}: must be between 0 and 1, got {value}")
    if name in ("rate_limit_per_minute", "starting_credits") and value < 0:
        raise ProfileError(f"{name}: must be >= 0, got {value}")
    if name in ("rate_limit_burst", "megabyte") and value < 1:
        raise ProfileError(f"{name}: must be >= 1, got {value}")
    if name == "webhook_timeout_seconds" and not 0 < value <= 600:
        raise ProfileError(f"{name}: must be > 0 and at most 600 seconds, got {value}")
    if name == "webhook_disable_after_failures" and value < 1:
        raise ProfileError(f"{name}: must be >= 1, got {value}")
    if name == "webhook_retry_schedule":
        try:
            retry_delays(value)
        except ValueError:
            raise ProfileError(
                f"{name}: must be comma-separated seconds >= 0 (at most 100), got {value!r}"
            ) from None
    if name == "public_base_url" and value:
        parts = urlsplit(value)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.query
            or parts.fragment
        ):
            raise ProfileError(f"{name}: must be an absolute http(s) URL, got {value!r}")
    if name == "cors_origins":
        cors_origin_list(value)


def cors_origin_list(value: str) -> tuple[str, ...]:
    """The origins of the `cors_origins` knob: `*`, or `scheme://host[:port]` each (no path)."""
    origins = tuple(part.strip().rstrip("/") for part in value.replace(" ", ",").split(","))
    origins = tuple(origin for origin in origins if origin)
    for origin in origins:
        parts = urlsplit(origin)
        if origin != "*" and (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username is not None
        ):
            raise ProfileError(
                f"cors_origins: {origin!r} is not an origin (scheme://host[:port], or *)"
            )
    return origins


def _accounts(raw: list[Any]) -> tuple[AccountSpec, ...]:
    accounts = tuple(_account(item, i) for i, item in enumerate(raw))
    seen: set[str] = set()
    for index, account in enumerate(accounts):
        if account.key in seen:
            raise ProfileError(f"accounts[{index}].key: {account.key} is given twice")
        seen.add(account.key)
    return accounts


def _account(raw: Any, index: int) -> AccountSpec:
    where = f"accounts[{index}]"
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: must be an object")
    unknown = set(raw) - {"key", "credits", "scopes", "revoked", "expired"}
    if unknown:
        raise ProfileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ProfileError(f"{where}.key: must match {KEY_PATTERN.pattern}")
    credits = raw.get("credits", 1000)
    if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
        raise ProfileError(f"{where}.credits: must be an integer >= 0")
    scopes = raw.get("scopes", list(ALL_SCOPES))
    if not isinstance(scopes, list) or any(s not in ALL_SCOPES for s in scopes):
        raise ProfileError(
            f"{where}.scopes: must be a list of known scopes ({', '.join(ALL_SCOPES)})"
        )
    flags = {name: raw.get(name, False) for name in ("revoked", "expired")}
    for name, flag in flags.items():
        if not isinstance(flag, bool):
            raise ProfileError(f"{where}.{name}: must be true or false")
    return AccountSpec(key=key, credits=credits, scopes=tuple(scopes), **flags)


def apply_knobs(profile: Profile, values: dict[str, Any]) -> Profile:
    """Return `profile` with `values` applied; raises ProfileError naming any bad knob."""
    changes: dict[str, Any] = {}
    for name, raw in values.items():
        if name == "accounts":
            if not isinstance(raw, list):
                raise ProfileError("accounts: must be a list")
            changes["accounts"] = _accounts(raw)
            continue
        if name not in KNOBS:
            raise ProfileError(f"unknown knob {name!r} (known: {', '.join(sorted(KNOBS))})")
        value = _coerce(name, raw)
        _check(name, value)
        changes[name] = value
    return profile.replace(**changes)


def parse_assignment(text: str) -> tuple[str, str]:
    """Split a `--set knob=value` argument."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ProfileError(f"--set expects KNOB=VALUE, got {text!r}")
    return name.strip(), value.strip()


def load_profile_file(path: str | Path, base: Profile | None = None) -> Profile:
    """Read a JSON or TOML profile file (flat knobs plus an optional `accounts` list)."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read profile {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(text.decode("utf-8"))
        else:
            data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProfileError(
            f"profile {path} is not valid {path.suffix[1:] or 'JSON'}: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise ProfileError(f"profile {path} must hold an object of knobs")
    return apply_knobs(base or Profile(), data)


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """The profile in its file format (the inverse of load_profile_file)."""
    data = {name: getattr(profile, name) for name in KNOBS}
    data["accounts"] = [
        dataclasses.asdict(a) | {"scopes": list(a.scopes)} for a in profile.accounts
    ]
    return data
