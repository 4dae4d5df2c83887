"""The pytest11 entry point: registers the kit's options, so `pytest --pyargs contract_tests --base-url …`
works from any directory (pytest does not read a package's conftest early enough for its options).

Options are added once every installed plugin has added its own (at `load_initial_conftests`),
so a flag another plugin owns is left to it instead of breaking that project's pytest runs.
"""

from __future__ import annotations

import pytest

from .options import add_options


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    add_options(parser)
