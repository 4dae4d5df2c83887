"""The kit's options: one table of flags, their environment variables and defaults, read once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

GROUP = "rivya-contract"

# (flag, dest, environment variable, help)
OPTIONS = (
    (
        "--base-url",
        "rivya_base_url",
        "RIVYA_BASE_URL",
        "target API; without it the built-in fake runs in-process",
    ),
    (
        "--api-key",
        "rivya_api_key",
        "RIVYA_API_KEY",
        "key of the account the paid checks spend from",
    ),
    (
        "--second-api-key",
        "rivya_second_api_key",
        "RIVYA_SECOND_API_KEY",
        "key of another account (isolation checks)",
    ),
    (
        "--empty-api-key",
        "rivya_empty_api_key",
        "RIVYA_EMPTY_API_KEY",
        "key of an account with fewer credits than the cheapest task",
    ),
    ("--revoked-api-key", "rivya_revoked_api_key", "RIVYA_REVOKED_API_KEY", "a revoked key"),
    (
        "--max-credits",
        "rivya_max_credits",
        "RIVYA_MAX_CREDITS",
        "credits the run may spend (default 0 against a base URL, unlimited in-process)",
    ),
    ("--seed", "rivya_seed", "RIVYA_SEED", "Hypothesis seed (random and reported when absent)"),
    ("--examples", "rivya_examples", "RIVYA_EXAMPLES", "Hypothesis max_examples per check"),
    ("--report", "rivya_report", "RIVYA_REPORT", "write a JSON report of every check to this file"),
    (
        "--profile-out",
        "rivya_profile_out",
        "RIVYA_PROFILE_OUT",
        "write the observed [decision] behaviours as a rivya-mock profile",
    ),
    (
        "--poll-timeout",
        "rivya_poll_timeout",
        "RIVYA_POLL_TIMEOUT",
        "seconds a task may take to finish (default 600)",
    ),
    (
        "--poll-interval",
        "rivya_poll_interval",
        "RIVYA_POLL_INTERVAL",
        "seconds between polls of a target without a control plane (default: as the docs "
        "advise, 2.5 s then 5 s)",
    ),
    (
        "--control-token",
        "rivya_control_token",
        "RIVYA_MOCK_CONTROL_TOKEN",
        "token of a rivya-mock's control plane (sent as Authorization: Bearer on /_mock)",
    ),
    (
        "--webhook-receiver-url",
        "rivya_webhook_receiver_url",
        "RIVYA_WEBHOOK_RECEIVER_URL",
        "public https URL of a tunnel to the kit's webhook receiver (delivery checks)",
    ),
    (
        "--webhook-receiver-port",
        "rivya_webhook_receiver_port",
        "RIVYA_WEBHOOK_RECEIVER_PORT",
        "local port of the kit's webhook receiver, where the tunnel points (default 8787)",
    ),
    (
        "--hypothesis-db",
        "rivya_hypothesis_db",
        "RIVYA_HYPOTHESIS_DB",
        "folder of Hypothesis' example database (default: a user cache folder)",
    ),
)


def _registered(parser: pytest.Parser) -> set[str]:
    """Every flag any plugin has registered so far (pytest only checks within one group)."""
    groups = [*getattr(parser, "_groups", []), getattr(parser, "_anonymous", None)]
    return {
        name for group in groups if group for option in group.options for name in option.names()
    }


def add_options(parser: pytest.Parser) -> None:
    """Register the options once, whether from the pytest11 entry point or the package conftest.

    The entry point loads into every pytest run where rivya-mock is installed, so a flag that
    another plugin already owns (pytest-base-url's --base-url, say) is left to it and read back
    under that plugin's name (`_flag_dest`) rather than registered twice, which argparse refuses.
    """
    group = parser.getgroup(GROUP, "Rivya contract kit")
    known = _registered(parser)
    for flag, dest, env, text in OPTIONS:
        if flag not in known:
            group.addoption(flag, dest=dest, default=None, help=f"{text} [env {env}]")


def _flag_dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _float(value: str | None, flag: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except ValueError:
        raise pytest.UsageError(f"{flag} expects a number of seconds, got {value!r}") from None
    if not number >= 0:
        raise pytest.UsageError(f"{flag} must not be negative, got {value!r}")
    return number


def _int(value: str | None, flag: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise pytest.UsageError(f"{flag} expects an integer, got {value!r}") from None


@dataclass(frozen=True)
class Settings:
    """What the user asked for: the target, its keys and the limits of this run."""

    base_url: str | None = None
    api_key: str | None = None
    second_api_key: str | None = None
    empty_api_key: str | None = None
    revoked_api_key: str | None = None
    max_credits: int | None = None
    seed: int | None = None
    examples: int | None = None
    report: str | None = None
    profile_out: str | None = None
    poll_timeout: float = 600.0
    poll_interval: float | None = None
    control_token: str | None = None
    hypothesis_db: str | None = None
    webhook_receiver_url: str | None = None
    webhook_receiver_port: int = 8787

    @property
    def in_process(self) -> bool:
        return not self.base_url


def read_settings(config: pytest.Config) -> Settings:
    """Flags win over environment variables; environment variables are read only here."""
    raw: dict[str, Any] = {}
    for flag, dest, env, _ in OPTIONS:
        value = config.getoption(dest, default=None)
        if value is None:  # the flag may belong to another plugin (see add_options)
            value = config.getoption(_flag_dest(flag), default=None)
        raw[flag] = value if value is not None else os.environ.get(env) or None
    base_url = raw["--base-url"]
    if base_url and not raw["--api-key"]:
        raise pytest.UsageError("--base-url needs --api-key (or RIVYA_API_KEY)")
    max_credits = _int(raw["--max-credits"], "--max-credits")
    if base_url and max_credits is None:
        max_credits = 0  # a real target spends real money: nothing unless asked
    timeout = _float(raw["--poll-timeout"], "--poll-timeout")
    if max_credits is not None and max_credits < 0:
        raise pytest.UsageError(f"--max-credits must not be negative, got {max_credits}")
    return Settings(
        base_url=base_url.rstrip("/") if base_url else None,
        api_key=raw["--api-key"],
        second_api_key=raw["--second-api-key"],
        empty_api_key=raw["--empty-api-key"],
        revoked_api_key=raw["--revoked-api-key"],
        max_credits=max_credits,
        seed=_int(raw["--seed"], "--seed"),
        examples=_int(raw["--examples"], "--examples"),
        report=raw["--report"],
        profile_out=raw["--profile-out"],
        poll_timeout=timeout if timeout else Settings.poll_timeout,
        poll_interval=_float(raw["--poll-interval"], "--poll-interval"),
        control_token=raw["--control-token"],
        hypothesis_db=raw["--hypothesis-db"],
        webhook_receiver_url=raw["--webhook-receiver-url"],
        webhook_receiver_port=_int(raw["--webhook-receiver-port"], "--webhook-receiver-port")
        or Settings.webhook_receiver_port,
    )
