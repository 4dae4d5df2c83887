"""The fast path (jsonschema-rs) and jsonschema agree on every schema, so speed changes no verdict."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.schemas import is_valid, load_schemas, validator

REQUEST_SCHEMAS = [
    "generation_request.json",
    *(n for n in load_schemas() if n.startswith("models/")),
]

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["1K", "4K", "image", "video", "gpt-image-2", "16:9"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "model",
                    "prompt",
                    "params",
                    "client_request_id",
                    "resolution",
                    "aspect_ratio",
                    "referenceMediaItems",
                    "url",
                    "kind",
                    "mimeType",
                    "durationToken",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("name", sorted(load_schemas()))
@given(instance=JSON)
def test_fast_and_reference_validators_agree_on_any_json(name, instance):
    assert is_valid(name, instance) == validator(name).is_valid(instance)


@pytest.mark.parametrize("name", REQUEST_SCHEMAS)
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "resolution",
                "aspect_ratio",
                "size",
                "imageSize",
                "quality",
                "output_format",
                "google_search",
            ]
        ),
        st.sampled_from(["1K", "2K", "8K", "1:1", "auto", "png", "high", "false"]),
        max_size=4,
    ),
    items=st.lists(
        st.fixed_dictionaries(
            {
                "url": st.just("http://h/cdn/files/x/a.png"),
                "kind": st.sampled_from(["image", "video"]),
            },
            optional={
                "mimeType": st.sampled_from(["image/png", "image/gif"]),
                "durationToken": st.just("t"),
                "durationSeconds": st.floats(0, 10),
            },
        ),
        max_size=18,
    ),
)
def test_they_agree_on_near_valid_params(name, params, items):
    instance = params | {"referenceMediaItems": items} if items else params
    assert is_valid(name, instance) == validator(name).is_valid(instance)
