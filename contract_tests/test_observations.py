"""Observed, never asserted: what the target does where the docs are silent ([decision] rules)."""

from __future__ import annotations

import pytest

from .catalog import Catalog
from .spending import error_code, try_create
from .strategies import PROMPT_PREFIX
from .target import Target

pytestmark = pytest.mark.paid


def _verdict(response, accepted: str, refused: str) -> str | None:
    if response.is_success:
        return accepted
    return refused if error_code(response) == "validation_failed" else None


def _record(target: Target, name: str, value: str | None) -> None:
    if value is not None:
        target.api.observations.record(name, value)


def test_prompt_length_unit_is_observed(target: Target, catalog: Catalog) -> None:
    model = catalog.cheapest()
    # The limit in code points, one over it in UTF-16 units (the emoji is a surrogate pair).
    prompt = "\N{GRINNING FACE}" + "x" * (model.max_prompt_length - 1)
    response = try_create(target, catalog, {"model": model.id, "prompt": prompt})
    _record(target, "prompt_length_unit", _verdict(response, "codepoints", "utf16"))


def test_reference_url_policy_is_observed(target: Target, catalog: Catalog) -> None:
    models = sorted(catalog.with_references(), key=lambda m: (m.cost, m.id))
    if not models:
        pytest.skip("no listed model takes image references")
    item = {"url": "https://example.com/contract-kit.png", "kind": "image"}
    body = {
        "model": models[0].id,
        "prompt": PROMPT_PREFIX + "foreign reference",
        "params": {"referenceMediaItems": [item]},
    }
    _record(
        target,
        "reference_urls",
        _verdict(try_create(target, catalog, body), "any_https", "uploaded"),
    )


def test_unknown_param_handling_is_observed(target: Target, catalog: Catalog) -> None:
    model = catalog.cheapest()
    body = {
        "model": model.id,
        "prompt": PROMPT_PREFIX + "unknown param",
        "params": {"contract_kit_unknown_param": "x"},
    }
    _record(
        target, "unknown_params", _verdict(try_create(target, catalog, body), "ignored", "rejected")
    )
