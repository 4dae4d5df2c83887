"""The report's `reproduce` entry: the whole command line that reruns the same examples.

Keys and the control token never appear in it: they are read back from the environment
variables the kit already takes (`"$RIVYA_API_KEY"`), so the line can be pasted as it is.
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from .options import Settings

SECRETS = {
    "api_key": ("--api-key", "RIVYA_API_KEY"),
    "second_api_key": ("--second-api-key", "RIVYA_SECOND_API_KEY"),
    "empty_api_key": ("--empty-api-key", "RIVYA_EMPTY_API_KEY"),
    "revoked_api_key": ("--revoked-api-key", "RIVYA_REVOKED_API_KEY"),
    "control_token": ("--control-token", "RIVYA_MOCK_CONTROL_TOKEN"),
}
PLAIN = {
    "base_url": "--base-url",
    "max_credits": "--max-credits",
    "examples": "--examples",
    "poll_timeout": "--poll-timeout",
    "poll_interval": "--poll-interval",
    "hypothesis_db": "--hypothesis-db",
    "webhook_receiver_url": "--webhook-receiver-url",
    "webhook_receiver_port": "--webhook-receiver-port",
}
DEFAULTS: dict[str, Any] = {"poll_timeout": 600.0, "webhook_receiver_port": 8787}


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def command_line(settings: Settings, seed: int, config: pytest.Config) -> str:
    words = ["rivya-contract"]
    for name, flag in PLAIN.items():
        value = getattr(settings, name)
        if value is not None and value != DEFAULTS.get(name):
            words += [flag, shlex.quote(_text(value))]
    for name, (flag, env) in SECRETS.items():
        if getattr(settings, name):
            words += [flag, f'"${env}"']
    words += ["--seed", str(seed)]
    profile = config.getoption("hypothesis_profile", default=None)
    if profile:
        words += ["--hypothesis-profile", shlex.quote(profile)]
    for option, flag in (("keyword", "-k"), ("markexpr", "-m")):
        expression = getattr(config.option, option, "")
        if expression:
            words += [flag, shlex.quote(expression)]
    return " ".join(words)
