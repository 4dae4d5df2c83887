"""The Rivya contract kit: checks any server against the documented API, or the built-in fake.

`rivya-contract` and `pytest --pyargs contract_tests` run it from the command line; `run()` runs it
in-process, optionally against a wrapped fake (that is how the kit's own meta-tests break rules).
Names load on first use, so the kit's pytest plugin costs other projects' runs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli import main
    from .runner import RunResult, run

_HOMES = {"RunResult": "runner", "main": "cli", "run": "runner"}

__all__ = ["RunResult", "main", "run"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value
