"""Hypothesis strategies for request bodies, built from the target's own catalog."""

from __future__ import annotations

import re
import string
import uuid
from typing import Any

from hypothesis import strategies as st

from .catalog import Catalog, ModelInfo

RATIO = re.compile(r"\d+:\d+")
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
    # Params the kit cannot read (a [decision] shape) are left to their defaults.
    return st.fixed_dictionaries(
        {}, optional={k: st.sampled_from(v) for k, v in (model.params or {}).items()}
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
    return st.sampled_from(models or catalog.sorted()).flatmap(bodies_for)


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def _over_long_prompt(model: ModelInfo) -> st.SearchStrategy[dict[str, Any]]:
    # ASCII, so code points and UTF-16 units agree: over the limit whichever unit the target counts.
    extra = st.integers(1, 50)
    return extra.map(lambda n: {"model": model.id, "prompt": "x" * (model.max_prompt_length + n)})


def _bad_param_value(model: ModelInfo) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(sorted(model.params or {})).flatmap(
        lambda key: _bad_value_of(model, key)
    )


def _with_param(model: ModelInfo, key: str, value: Any) -> dict[str, Any]:
    return {"model": model.id, "prompt": PROMPT_PREFIX + "bad param", "params": {key: value}}


def _bad_value_of(model: ModelInfo, key: str) -> st.SearchStrategy[dict[str, Any]]:
    options = (model.params or {})[key]
    value = st.one_of(st.text(max_size=8).filter(lambda v: v not in options), NOT_STRINGS)
    return value.map(lambda v: _with_param(model, key, v))


def _ratios(catalog: Catalog, model: ModelInfo, key: str) -> list[str]:
    options = (model.params or {})[key]
    if not any(RATIO.fullmatch(v) for v in options):
        return []
    ratios = (f"{a}:{b}" for a in range(1, 22) for b in (1, 2, 3, 5, 7, 9, 11, 21))
    return [v for v in ratios if v not in options]


def _other_models_options(catalog: Catalog, model: ModelInfo, key: str) -> list[str]:
    options = (model.params or {})[key]
    others = {v for m in catalog.models.values() for vs in (m.params or {}).values() for v in vs}
    return sorted(v for v in others if v not in options)


def _case_variants_of_options(catalog: Catalog, model: ModelInfo, key: str) -> list[str]:
    options = (model.params or {})[key]
    variants = {f(v) for v in options for f in (str.swapcase, str.lower, str.upper)}
    return sorted(v for v in variants if v not in options)


# Well-formed values that are not among a param's options (spec §5: "every value a string from
# the model's options"), each kind its own rule, so a target accepting one kind is always caught.
WELL_FORMED = {
    "params values: a ratio N:M that is not an option": _ratios,
    "params values: another model's option": _other_models_options,
    "params values: a case variant of an option": _case_variants_of_options,
}


def _well_formed_rule(catalog: Catalog, values: Any) -> st.SearchStrategy[Any] | str:
    places = [
        (m, k, vs)
        for m in catalog.with_params()
        for k in sorted(m.params or {})
        if (vs := values(catalog, m, k))
    ]
    if not places:
        return "no listed model's params offer such a value (or their shape is a [decision])"
    return st.sampled_from(places).flatmap(
        lambda place: st.sampled_from(place[2]).map(lambda v: _with_param(place[0], place[1], v))
    )


def _too_many_references(model: ModelInfo, url: str) -> st.SearchStrategy[dict[str, Any]]:
    assert model.references is not None and model.references.max_files is not None
    # Repeated items are allowed ([decision]), so the count is the only rule broken.
    item = {"url": url, "kind": "image"}
    limit = model.references.max_files
    return st.integers(limit + 1, limit + 3).map(
        lambda n: {
            "model": model.id,
            "prompt": PROMPT_PREFIX + "references",
            "params": {"referenceMediaItems": [item] * n},
        }
    )


def _case_variants(catalog: Catalog) -> list[str]:
    variants = {f(i) for i in catalog.models for f in (str.upper, str.title, str.capitalize)}
    return sorted(v for v in variants if v not in catalog.models)


# Each documented body rule of POST /generations, by the name the report shows.
INVALID_BODY_RULES = (
    "model is required",
    "model must be a string",
    "model must be a catalog id",
    "model ids are exact (no case variants)",
    "prompt is required",
    "prompt must be a string",
    "prompt at most the model's limit",
    "params must be an object",
    "params values come from the model's options",
    *WELL_FORMED,
    "no other top-level key",
    "at most the model's number of references",
    "the body must be an object",
)


def invalid_bodies(
    catalog: Catalog, reference_url: str | None = None
) -> dict[str, st.SearchStrategy[Any] | str]:
    """Bodies that each break exactly one documented rule, by rule; where the target's catalog
    offers no way to break a rule, the reason instead of a strategy."""
    models = catalog.sorted()
    valid = valid_bodies(catalog)
    unknown_ids = st.text(
        string.ascii_lowercase + string.digits + "-", min_size=1, max_size=20
    ).map(lambda s: "no-such-model-" + s)
    unknown_keys = st.one_of(
        st.just("files"), st.text(string.ascii_letters + "_", min_size=1, max_size=12)
    ).filter(lambda k: k not in TOP_LEVEL_KEYS)
    rules: dict[str, st.SearchStrategy[Any] | str] = {
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
    variants = _case_variants(catalog)
    rules["model ids are exact (no case variants)"] = (
        st.tuples(valid, st.sampled_from(variants)).map(lambda t: {**t[0], "model": t[1]})
        if variants
        else "no listed model id has a case variant"
    )
    with_params = catalog.with_params()
    unreadable = "no listed model's params could be read (their shape is a [decision])"
    rules["params values come from the model's options"] = (
        st.sampled_from(with_params).flatmap(_bad_param_value) if with_params else unreadable
    )
    for rule, values in WELL_FORMED.items():
        rules[rule] = _well_formed_rule(catalog, values)
    rules["at most the model's number of references"] = _reference_rule(catalog, reference_url)
    return rules


def _reference_rule(catalog: Catalog, url: str | None) -> st.SearchStrategy[Any] | str:
    with_refs = catalog.with_references()
    if not with_refs:
        return "no listed model takes image references"
    limited = [m for m in with_refs if m.references and m.references.max_files is not None]
    if not limited:
        return "no reference limit could be read from reference_media (its shape is a [decision])"
    if url is None:
        return "no uploaded image URL to reference (the file object's url field is a [decision])"
    return st.sampled_from(sorted(limited, key=lambda m: m.id)).flatmap(
        lambda m: _too_many_references(m, url)
    )


def fresh_idempotency_key() -> str:
    """A new key per use, never drawn from the seed: a rerun must not replay a real earlier create."""
    return f"contract-kit-{uuid.uuid4()}"
