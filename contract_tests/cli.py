"""`rivya-contract`: the kit's command line, a thin wrapper over pytest (every pytest flag works too)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
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


def main(argv: Sequence[str] | None = None) -> int:
    """The kit's own --help and --version; --help-pytest is pytest's; anything else runs it."""
    from .usage import usage, version_line

    args = list(sys.argv[1:] if argv is None else argv)
    if "--help" in args or "-h" in args:
        print(usage())
        return 0
    if "--version" in args:
        print(version_line())
        return 0
    args = ["--help" if a == "--help-pytest" else a for a in args]
    return int(pytest.main(pytest_args(args)))


if __name__ == "__main__":
    raise SystemExit(main())
