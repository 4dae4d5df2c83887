"""Free checks: every documented body rule of POST /generations, broken one at a time."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from .catalog import Catalog
from .spending import create_refused, is_refused_as_invalid, refused_settings
from .strategies import INVALID_BODY_RULES, PROMPT_PREFIX, invalid_bodies
from .target import Target


@pytest.mark.parametrize("rule", INVALID_BODY_RULES)
def test_invalid_body_is_validation_failed(
    target: Target, catalog: Catalog, reference_url: str | None, rule: str
) -> None:
    strategy = invalid_bodies(catalog, reference_url)[rule]
    if isinstance(strategy, str):
        pytest.skip(f"{rule}: {strategy}")

    @refused_settings(target)
    @given(body=strategy)
    def check(body: Any) -> None:
        is_refused_as_invalid(create_refused(target, catalog, body))

    check()


def test_top_level_files_key_is_refused(target: Target, catalog: Catalog) -> None:
    model = catalog.cheapest()
    body: dict[str, Any] = {"model": model.id, "prompt": PROMPT_PREFIX + "files", "files": []}
    is_refused_as_invalid(create_refused(target, catalog, body))


def test_prompt_one_over_the_limit_is_refused(target: Target, catalog: Catalog) -> None:
    model = catalog.cheapest()
    body = {"model": model.id, "prompt": "x" * (model.max_prompt_length + 1)}
    is_refused_as_invalid(create_refused(target, catalog, body))
