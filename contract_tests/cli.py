"""`rivya-contract`: the kit's command line, a thin wrapper over pytest (every pytest flag works too)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent


def pytest_args(args: Sequence[str]) -> list[str]:
    """Run the package's checks and nothing else: its folder as the test path (so its conftest and
    options load), no ini file of the current directory, no cache written beside the package."""
    folder = [str(PACKAGE_DIR), "--rootdir", str(PACKAGE_DIR.parent), "-c", os.devnull]
    # This process imported the kit before pytest started, so pytest cannot rewrite its asserts
    # (the kit's own checks carry their messages); say nothing about it.
    quiet = ["-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return [*folder, *quiet, "-rfEs", *args]


def kit_version() -> str:
    try:
        return version("rivya-mock")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--version" in args:  # ours, not pytest's
        print(f"rivya-contract {kit_version()}")
        return 0
    return int(pytest.main(pytest_args(args)))


if __name__ == "__main__":
    raise SystemExit(main())
