"""The kit's own manual for `rivya-contract --help`: its flags, what each costs, and examples."""

from __future__ import annotations

import importlib.metadata
import textwrap

from .options import OPTIONS

# What each flag costs when the target is a paid API (flags not listed cost nothing).
COSTS = {
    "--base-url": "free by itself",
    "--api-key": "spends, but never more than --max-credits",
    "--second-api-key": "free (one create of the main account is looked at from it)",
    "--empty-api-key": "free: that account cannot pay; refused bodies may be sent from it",
    "--revoked-api-key": "free",
    "--max-credits": "the hard ceiling of the run's spending (0 against a base URL)",
    "--examples": "more examples, more paid creates (always within --max-credits)",
    "--poll-timeout": "time only",
    "--poll-interval": "time only; polling faster than the docs advise suits local servers",
}

EXAMPLES = """\
examples:
  rivya-contract
      the built-in fake, in-process: free, a few seconds
  rivya-contract --base-url http://127.0.0.1:8000 --api-key rvya_sk_contract_run_1 --max-credits 100
      a local rivya-mock: its control plane moves time and makes the accounts not given
  RIVYA_API_KEY=rvya_sk_... rivya-contract --base-url https://rivya.ai --max-credits 20 \\
      --empty-api-key rvya_sk_... --report run.json --profile-out observed.json
      the real API: at most 20 credits, a JSON report, the observed [decision]s as a profile
"""

TAIL = """\
pytest's options work too (-k EXPR, -m 'not paid', -x, --junitxml FILE,
--hypothesis-profile ci|thorough): `rivya-contract --help-pytest` lists them all.
Exit status: 0 every check that ran passed, 1 a check failed, 2+ a usage or run error.
Manual: docs/contract-kit.md
"""


def version() -> str:
    try:
        return importlib.metadata.version("rivya-mock")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def version_line() -> str:
    tools = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in ("pytest", "hypothesis")
    )
    return f"rivya-contract {version()} (the contract kit of rivya-mock; {tools})"


METAVARS = {
    "--base-url": "URL",
    "--api-key": "KEY",
    "--second-api-key": "KEY",
    "--empty-api-key": "KEY",
    "--revoked-api-key": "KEY",
    "--max-credits": "N",
    "--seed": "N",
    "--examples": "N",
    "--report": "FILE",
    "--profile-out": "FILE",
    "--poll-timeout": "S",
    "--poll-interval": "S",
    "--control-token": "TOKEN",
    "--hypothesis-db": "DIR",
}


def _entry(flag: str, text: str) -> str:
    named = f"{flag} {METAVARS[flag]}" if flag in METAVARS else flag
    return textwrap.fill(
        text, width=100, initial_indent=f"  {named:<22} ", subsequent_indent=" " * 25
    )


def usage() -> str:
    lines = [
        "usage: rivya-contract [--base-url URL --api-key KEY] [--max-credits N] [options]",
        "",
        "Checks a server against the documented Rivya Public API v1: the built-in fake,",
        "a rivya-mock over HTTP, or Rivya's real API. Only [doc] rules are asserted;",
        "[decision]s are observed and reported.",
        "",
        "options (each also read from its environment variable):",
    ]
    for flag, _, env, text in OPTIONS:
        cost = f" Cost: {COSTS[flag]}." if flag in COSTS else ""
        lines.append(_entry(flag, f"{text} [{env}].{cost}"))
    lines += [
        _entry("--help-pytest", "pytest's own help (every pytest option works)"),
        _entry("--version", "the kit's version"),
        "",
        EXAMPLES,
        TAIL,
    ]
    return "\n".join(lines)
