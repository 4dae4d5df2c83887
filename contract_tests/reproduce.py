"""The report's `reproduce` entry: the whole command line that reruns the same examples.

Keys and the control token never appear in it: they are read back from the environment
variables the kit already takes (`"$RIVYA_API_KEY"`), so the line can be pasted as it is.
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from .options import OPTIONS, Settings

# Settings fields in the order the line shows them; each flag is `--` + the name with dashes.
PLAIN = (
    "base_url",
    "max_credits",
    "examples",
    "poll_timeout",
    "poll_interval",
    "hypothesis_db",
    "webhook_receiver_url",
    "webhook_receiver_port",
)
# Read back from the environment variable the kit takes for the flag.
SECRETS = ("api_key", "second_api_key", "empty_api_key", "revoked_api_key", "control_token")
ENV = {flag: env for flag, _, env, _ in OPTIONS}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def command_line(settings: Settings, seed: int, config: pytest.Config) -> str:
    words = ["rivya-contract"]
    for name in PLAIN:
        value = getattr(settings, name)
        if value is not None and value != getattr(Settings, name):
            words += [_flag(name), shlex.quote(_text(value))]
    for name in SECRETS:
        if getattr(settings, name):
            words += [_flag(name), f'"${ENV[_flag(name)]}"']
    words += ["--seed", str(seed)]
    profile = config.getoption("hypothesis_profile", default=None)
    if profile:
        words += ["--hypothesis-profile", shlex.quote(profile)]
    for option, flag in (("keyword", "-k"), ("markexpr", "-m")):
        expression = getattr(config.option, option, "")
        if expression:
            words += [flag, shlex.quote(expression)]
    return " ".join(words)
