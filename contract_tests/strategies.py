"""Hypothesis strategies for request bodies, built from the target's own catalog."""

from __future__ import annotations

import string
import uuid
from typing import Any

from hypothesis import strategies as st

from .catalog import Catalog, ModelInfo

TOP_LEVEL_KEYS = frozenset({"model", "prompt", "params", "client_request_id"})
PROMPT_PREFIX = "contract kit: "
# Text a prompt may hold: printable, no lone surrogates (a [decision] rule), no control characters.
PROMPT_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
# Anything JSON that is not a string, for "wrong type" bodies (null is a [decision] case: left out).
NOT_STRINGS = st.one_of(
    st.integers(-10, 10**6),
    st.booleans(),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(st.text(string.ascii_lowercase, max_size=4), st.integers(0, 9), max_size=2),
)
NOT_OBJECTS = st.one_of(
    st.integers(), st.booleans(), st.text(max_size=5), st.lists(st.integers(), max_size=2)
)


def prompts(model: ModelInfo) -> st.SearchStrategy[str]:
    limit = model.max_prompt_length - len(PROMPT_PREFIX)
    return PROMPT_TEXT.map(lambda text: PROMPT_PREFIX + text[:limit]).filter(
        lambda p: "[mock:" not in p
    )


def params_for(model: ModelInfo) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {}, optional={k: st.sampled_from(v) for k, v in model.params.items()}
    )


def bodies_for(model: ModelInfo) -> st.SearchStrategy[dict[str, Any]]:
    """Valid bodies for one model: every key but model and prompt optional."""
    return st.fixed_dictionaries(
        {"model": st.just(model.id), "prompt": prompts(model)},
        optional={
            "params": params_for(model),
            "client_request_id": st.text(
                string.ascii_letters + string.digits + "-", min_size=1, max_size=36
            ),
        },
    )


def valid_bodies(
    catalog: Catalog, models: list[ModelInfo] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(models or sorted(catalog.models.values(), key=lambda m: m.id)).flatmap(
        bodies_for
    )


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def _over_long_prompt(model: ModelInfo) -> st.SearchStrategy[dict[str, Any]]:
    # ASCII, so code points and UTF-16 units agree: over the limit whichever unit the target counts.
    extra = st.integers(1, 50)
    return extra.map(lambda n: {"model": model.id, "prompt": "x" * (model.max_prompt_length + n)})


def _bad_param_value(model: ModelInfo) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(sorted(model.params)).flatmap(lambda key: _bad_value_of(model, key))


def _bad_value_of(model: ModelInfo, key: str) -> st.SearchStrategy[dict[str, Any]]:
    options = model.params[key]
    value = st.one_of(st.text(max_size=8).filter(lambda v: v not in options), NOT_STRINGS)
    prompt = PROMPT_PREFIX + "bad param"
    return value.map(lambda v: {"model": model.id, "prompt": prompt, "params": {key: v}})


def _too_many_references(model: ModelInfo) -> st.SearchStrategy[dict[str, Any]]:
    assert model.references is not None
    item = {"url": "https://example.com/contract-kit.png", "kind": "image"}
    count = st.integers(model.references.max_files + 1, model.references.max_files + 3)
    return count.map(
        lambda n: {
            "model": model.id,
            "prompt": PROMPT_PREFIX + "references",
            "params": {"referenceMediaItems": [item] * n},
        }
    )


# Each documented body rule of POST /generations, by the name the report shows.
INVALID_BODY_RULES = (
    "model is required",
    "model must be a string",
    "model must be a catalog id",
    "prompt is required",
    "prompt must be a string",
    "prompt at most the model's limit",
    "params must be an object",
    "params values come from the model's options",
    "no other top-level key",
    "at most the model's number of references",
    "the body must be an object",
)


def invalid_bodies(catalog: Catalog) -> dict[str, st.SearchStrategy[Any]]:
    """Bodies that each break exactly one documented rule, by rule (absent: no listed model has it)."""
    models = sorted(catalog.models.values(), key=lambda m: m.id)
    valid = valid_bodies(catalog)
    unknown_ids = st.text(
        string.ascii_lowercase + string.digits + "-", min_size=1, max_size=20
    ).map(lambda s: "no-such-model-" + s)
    unknown_keys = st.one_of(
        st.just("files"), st.text(string.ascii_letters + "_", min_size=1, max_size=12)
    ).filter(lambda k: k not in TOP_LEVEL_KEYS)
    rules: dict[str, st.SearchStrategy[Any]] = {
        "model is required": valid.map(lambda b: _without(b, "model")),
        "model must be a string": st.tuples(valid, NOT_STRINGS).map(
            lambda t: {**t[0], "model": t[1]}
        ),
        "model must be a catalog id": st.tuples(valid, unknown_ids).map(
            lambda t: {**t[0], "model": t[1]}
        ),
        "prompt is required": valid.map(lambda b: _without(b, "prompt")),
        "prompt must be a string": st.tuples(valid, NOT_STRINGS).map(
            lambda t: {**t[0], "prompt": t[1]}
        ),
        "prompt at most the model's limit": st.sampled_from(models).flatmap(_over_long_prompt),
        "params must be an object": st.tuples(valid, NOT_OBJECTS).map(
            lambda t: {**t[0], "params": t[1]}
        ),
        "no other top-level key": st.tuples(valid, unknown_keys, st.integers()).map(
            lambda t: {**t[0], t[1]: t[2]}
        ),
        "the body must be an object": NOT_OBJECTS,
    }
    with_params = [m for m in models if m.params]
    if with_params:
        rules["params values come from the model's options"] = st.sampled_from(with_params).flatmap(
            _bad_param_value
        )
    with_refs = catalog.with_references()
    if with_refs:
        rules["at most the model's number of references"] = st.sampled_from(with_refs).flatmap(
            _too_many_references
        )
    return rules


def fresh_idempotency_key() -> str:
    """A new key per use, never drawn from the seed: a rerun must not replay a real earlier create."""
    return f"contract-kit-{uuid.uuid4()}"
