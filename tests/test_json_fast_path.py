"""The orjson fast path of `parse_json` answers exactly what the strict standard-library parser
answers: the same value for every body it accepts, the same rejection for every other body."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.errors import ValidationFailed
from mockserver.validation import parse_json, parse_json_exactly

# orjson reads integers beyond 64 bits as floats (harmless: no valid body has an integer field),
# so the generated integers stay within 64 bits; longer ones are the exact path's own test below.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20
)


def outcome(parse, raw: bytes):
    try:
        return ("accepted", parse(raw))
    except ValidationFailed as error:
        return ("rejected", error.message, error.rule)


def same(raw: bytes) -> None:
    fast, exact = outcome(parse_json, raw), outcome(parse_json_exactly, raw)
    assert fast == exact
    if fast[0] == "accepted":  # == says 1 == 1.0 == True: the types must agree too
        assert json.dumps(fast[1], sort_keys=True) == json.dumps(exact[1], sort_keys=True)


@given(values, st.booleans(), st.sampled_from([None, 0, 2]))
def test_fast_and_exact_parsers_agree_on_any_json(value, ascii_only, indent):
    same(json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode("utf-8"))


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "é", "model"]), scalars), max_size=6))
def test_fast_and_exact_parsers_agree_on_objects_with_repeated_keys(pairs):
    members = ",".join(f"{json.dumps(k, ensure_ascii=False)}:{json.dumps(v)}" for k, v in pairs)
    same(("{" + members + "}").encode("utf-8"))


@given(st.binary(max_size=64))
def test_fast_and_exact_parsers_agree_on_any_bytes(raw):
    same(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"prompt": "\\ud800"}',
        b'{"prompt": "\xed\xa0\x80"}',
        b'{"a": NaN}',
        b'{"a": -Infinity}',
        b'{"a": 1e999}',
        b'{"a": ' + b"9" * 5001 + b"}",
        b'{"a": ' + b"9" * 400 + b"}",
        b"[" * 65 + b"]" * 65,
        b"[" * 64 + b"]" * 64,
        b'{"a": 1, "a": 1}',
        b'{"a": {"b": "x", "b": "x"}}',
        b'{"a": "x\\"", "a": "y"}',
        b"\xef\xbb\xbf{}",
    ],
)
def test_fast_and_exact_parsers_agree_on_the_spec_s_hard_cases(raw):
    same(raw)
