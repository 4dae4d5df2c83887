"""Validation of create-generation bodies (spec §5): every rule, and Hypothesis over the schemas."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import auth, create, credits, is_error

from mockserver.catalog import catalog

MODELS = list(catalog().values())
JSON = {"content-type": "application/json"}


def post_raw(client, content: bytes, headers=None):
    return client.post("/api/v1/generations", content=content, headers=auth() | (headers or JSON))


def message(response) -> str:
    return response.json()["error"]["message"]


def rejected(response) -> bool:
    return is_error(response, "validation_failed", 400)


def test_minimal_request_of_the_model_page_is_accepted(client):
    body = {
        "model": "gpt-image-2",
        "prompt": "A clean editorial product image",
        "params": {"aspect_ratio": "1:1", "resolution": "1K"},
    }
    assert create(client, body).status_code == 202


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "x"}, "model"),
        ({"model": "gpt-image-2"}, "prompt"),
        ({"model": "gpt-image-3", "prompt": "x"}, "model"),
        ({"model": 5, "prompt": "x"}, "model"),
        ({"model": "gpt-image-2", "prompt": 5}, "prompt"),
        ({"model": "gpt-image-2", "prompt": None}, "prompt"),
        ({"model": "gpt-image-2", "prompt": ""}, "prompt"),
        ({"model": "gpt-image-2", "prompt": " \n\t\u2003"}, "prompt"),
        ({"model": "gpt-image-2", "prompt": "x", "files": []}, "files"),
        ({"model": "gpt-image-2", "prompt": "x", "params": []}, "params"),
        ({"model": "gpt-image-2", "prompt": "x", "params": None}, "params"),
        (
            {"model": "gpt-image-2", "prompt": "x", "params": {"resolution": "8K"}},
            "params.resolution",
        ),
        ({"model": "gpt-image-2", "prompt": "x", "params": {"resolution": 1}}, "params.resolution"),
        ({"model": "gpt-image-2", "prompt": "x", "params": {"seed": "1"}}, "params.seed"),
        ({"model": "gpt-image-2", "prompt": "x", "params": {"quality": "high"}}, "params.quality"),
        (
            {"model": "z-image", "prompt": "x", "params": {"referenceMediaItems": []}},
            "params.referenceMediaItems",
        ),
        (
            {"model": "gpt-image-2", "prompt": "x", "client_request_id": "c" * 129},
            "client_request_id",
        ),
        ({"model": "gpt-image-2", "prompt": "x", "client_request_id": 7}, "client_request_id"),
    ],
)
def test_invalid_body_is_rejected_naming_the_field(client, body, field):
    response = create(client, body)
    assert rejected(response)
    assert message(response).startswith(field + ":")


def test_enum_message_lists_the_options(client):
    response = create(
        client, {"model": "gpt-image-2", "prompt": "x", "params": {"resolution": "8K"}}
    )
    assert message(response) == "params.resolution: must be one of 1K, 2K, 4K"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_prompt_at_the_model_limit_is_accepted_and_one_more_is_not(client, model):
    at_limit = {"model": model.id, "prompt": "p" * model.max_prompt_length}
    assert create(client, at_limit).status_code == 202
    over = {"model": model.id, "prompt": "p" * (model.max_prompt_length + 1)}
    assert rejected(create(client, over))


def test_prompt_length_counts_code_points_by_default(client):
    assert create(client, {"model": "z-image", "prompt": "😀" * 1000}).status_code == 202


def test_utf16_unit_counts_astral_characters_twice(make_client):
    client = make_client(prompt_length_unit="utf16")
    assert rejected(create(client, {"model": "z-image", "prompt": "😀" * 501}))
    assert create(client, {"model": "z-image", "prompt": "😀" * 500}).status_code == 202


def test_prompt_length_is_measured_untrimmed(client):
    assert rejected(create(client, {"model": "z-image", "prompt": "x" + " " * 1000}))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"model": "gpt-image-2", "prompt": ', "malformed"),
        (b"[]", "not an object"),
        (b'"text"', "not an object"),
        (b"\xff\xfe{}", "invalid utf-8"),
        (b'{"model":"gpt-image-2","prompt":"a","prompt":"b"}', "duplicate key"),
        (b'{"model":"gpt-image-2","prompt":"\\ud800"}', "lone surrogate"),
        (b'{"model":"gpt-image-2","prompt":"x","params":{"resolution":NaN}}', "NaN"),
        (b"[" * 100_000 + b"]" * 100_000, "deep nesting"),
        (b'{"a":' * 70 + b"1" + b"}" * 70, "nesting past the limit"),
        (b"", "empty body"),
        (b'{"model":"gpt-image-2","prompt":"x","n":' + b"1" * 5001 + b"}", "5,001-digit integer"),
        (b'{"model":"gpt-image-2","prompt":"x","n":1e999}', "float out of range"),
    ],
)
def test_malformed_json_is_validation_failed_never_a_500(client, raw, reason):
    assert rejected(post_raw(client, raw)), reason


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", ""],
)
def test_wrong_content_type_is_rejected(client, content_type):
    body = json.dumps({"model": "gpt-image-2", "prompt": "x"}).encode()
    assert rejected(post_raw(client, body, {"content-type": content_type}))


def test_json_content_type_with_utf8_charset_is_accepted(client):
    body = json.dumps({"model": "gpt-image-2", "prompt": "x"}).encode()
    response = post_raw(client, body, {"content-type": "Application/JSON; charset=UTF-8"})
    assert response.status_code == 202


def test_body_over_one_megabyte_is_413_and_closes_the_connection(client):
    response = post_raw(client, b" " * 1_000_001)
    assert is_error(response, "validation_failed", 413)
    assert response.headers["connection"] == "close"


def test_chunked_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(20):
            yield b" " * 100_000

    response = client.post("/api/v1/generations", content=chunks(), headers=auth() | JSON)
    assert is_error(response, "validation_failed", 413)


def test_body_of_exactly_the_limit_is_read(client):
    body = json.dumps({"model": "z-image", "prompt": "x"}).encode()
    assert post_raw(client, body + b" " * (1_000_000 - len(body))).status_code == 202


def test_rejected_request_charges_nothing(client):
    create(client, {"model": "gpt-image-2", "prompt": "x", "params": {"resolution": "8K"}})
    assert credits(client) == 1000


def test_defaults_are_applied_when_params_are_absent(client, clock):
    task_id = create(client, {"model": "nano-banana-2", "prompt": "x"}).json()["id"]
    task = client.app.state.backend.tasks[task_id]
    assert task.params == {
        "aspect_ratio": "auto",
        "resolution": "1K",
        "output_format": "jpg",
        "google_search": "false",
    }


def params_of(model):
    return st.fixed_dictionaries(
        {}, optional={p.key: st.sampled_from(p.options) for p in model.params}
    )


def valid_bodies():
    def for_model(model):
        return st.fixed_dictionaries(
            {
                "model": st.just(model.id),
                "prompt": st.text(min_size=1, max_size=50).filter(
                    lambda p: not p.isspace() and "[mock:" not in p
                ),
            },
            optional={"params": params_of(model), "client_request_id": st.text(max_size=128)},
        )

    return st.sampled_from(MODELS).flatmap(for_model)


@pytest.fixture
def rich_client(make_client):
    return make_client(starting_credits=10**9)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=valid_bodies())
def test_any_valid_body_from_the_schemas_is_accepted(rich_client, body):
    assert create(rich_client, body).status_code == 202


NOT_STRING = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def mutated_bodies(draw):
    body = draw(valid_bodies())
    model = next(m for m in MODELS if m.id == body["model"])
    mutation = draw(
        st.sampled_from(
            [
                "wrong_enum",
                "wrong_type",
                "extra_key",
                "no_model",
                "long_prompt",
                "unknown_param",
                "bad_prompt_type",
            ]
        )
    )
    if mutation == "wrong_enum":
        param = draw(st.sampled_from(model.params))
        value = draw(st.text(max_size=6).filter(lambda v: v not in param.options))
        body["params"] = dict(body.get("params", {}), **{param.key: value})
    elif mutation == "wrong_type":
        param = draw(st.sampled_from(model.params))
        body["params"] = dict(body.get("params", {}), **{param.key: draw(NOT_STRING)})
    elif mutation == "extra_key":
        key = draw(
            st.text(min_size=1, max_size=10).filter(
                lambda k: k not in ("model", "prompt", "params", "client_request_id")
            )
        )
        body[key] = draw(st.one_of(NOT_STRING, st.text(max_size=4)))
    elif mutation == "no_model":
        del body["model"]
    elif mutation == "long_prompt":
        body["prompt"] = "x" * (model.max_prompt_length + draw(st.integers(1, 100)))
    elif mutation == "unknown_param":
        key = draw(
            st.text(min_size=1, max_size=10).filter(
                lambda k: k not in {p.key for p in model.params} | {"referenceMediaItems"}
            )
        )
        body["params"] = dict(body.get("params", {}), **{key: "1"})
    else:
        body["prompt"] = draw(NOT_STRING)
    return body


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=mutated_bodies())
def test_mutated_bodies_are_rejected_as_validation_failed(client, body):
    response = create(client, body)
    assert rejected(response), response.text
    assert credits(client) == 1000


def _params_of(params: dict) -> dict:
    from mockserver.validation import validate_generation

    body = {"model": "gpt-image-2", "prompt": "a cat", "params": params}
    return validate_generation(body).params


def test_tasks_asking_for_the_same_params_share_one_dict_with_the_defaults_filled_in():
    first, again = _params_of({"resolution": "2K"}), _params_of({"resolution": "2K"})
    other = _params_of({"resolution": "4K", "aspect_ratio": "16:9"})
    assert first == {"aspect_ratio": "1:1", "resolution": "2K"}
    assert again is first
    assert other == {"aspect_ratio": "16:9", "resolution": "4K"}
    reference = {"url": "https://example.com/a.png", "kind": "image", "mimeType": "image/png"}
    with_reference = _params_of({"resolution": "2K", "referenceMediaItems": [reference]})
    assert with_reference is first  # reference items are kept apart, not in params


def test_shared_params_stay_bounded(monkeypatch):
    from mockserver import validation

    monkeypatch.setattr(validation, "_RESOLVED", {})
    monkeypatch.setattr(validation, "RESOLVED_LIMIT", 2)
    made = [_params_of({"resolution": r}) for r in ("1K", "2K", "4K", "4K")]
    assert len(validation._RESOLVED) == 2
    assert [p["resolution"] for p in made] == ["1K", "2K", "4K", "4K"]
    assert made[2] is not made[3]  # past the limit, each request gets its own
