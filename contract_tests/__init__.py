"""The Rivya contract kit: checks any server against the documented API, or the built-in fake.

`rivya-contract` and `pytest --pyargs contract_tests` run it from the command line; `run()` runs it
in-process, optionally against a wrapped fake (that is how the kit's own meta-tests break rules).
"""

from __future__ import annotations

from .cli import main
from .runner import RunResult, run

__all__ = ["RunResult", "main", "run"]
