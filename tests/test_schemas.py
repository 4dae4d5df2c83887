"""The schemas are valid, the catalog agrees with the spec, and the OpenAPI document is valid."""

import json

import pytest
from openapi_spec_validator import validate
from support import FIXTURES, auth

from mockserver.catalog import catalog
from mockserver.schemas import load_schemas, schema_dir, validator


def test_every_schema_is_valid_2020_12_with_an_id():
    schemas = load_schemas()
    assert {
        "task.json",
        "error.json",
        "credits.json",
        "model.json",
        "models_list.json",
        "file.json",
        "generation_request.json",
    } <= set(schemas)
    assert all(s["$schema"].endswith("2020-12/schema") for s in schemas.values())


def test_the_catalog_has_the_seven_documented_models_in_order():
    assert list(catalog()) == [
        "gpt-image-2",
        "gpt-image-1-5",
        "4o-image",
        "z-image",
        "nano-banana",
        "nano-banana-2",
        "nano-banana-pro",
    ]


def test_gpt_image_2_is_exactly_as_the_model_page_says():
    model = catalog()["gpt-image-2"]
    assert (model.base_credits, model.max_prompt_length, model.max_references) == (3, 20000, 16)
    assert model.defaults() == {"aspect_ratio": "1:1", "resolution": "1K"}
    assert model.params[0].options == ("auto", "1:1", "9:16", "16:9", "4:3", "3:4")
    assert model.reference_mime_types == ("image/jpeg", "image/png", "image/webp")


@pytest.mark.parametrize("model", list(catalog().values()), ids=lambda m: m.id)
def test_each_default_is_one_of_its_options(model):
    assert all(p.default in p.options for p in model.params)


def test_z_image_entry_matches_the_documented_example(client):
    data = client.get("/api/v1/models").json()["data"]
    z_image = next(m for m in data if m["id"] == "z-image")
    documented = [
        "z-image",
        "Z-Image",
        "image",
        "async_task",
        1,
        "FIXED",
        ["text-to-image"],
        1000,
        None,
        "available",
        "available_text",
        ["text"],
        False,
        [],
        False,
        [],
        None,
        [],
    ]
    keys = [
        "id",
        "display_name",
        "category",
        "runtime",
        "base_credits",
        "billing_type",
        "supported_modes",
        "max_prompt_length",
        "reference_media",
        "api_status",
        "api_input_status",
        "supported_api_inputs",
        "requires_files_api",
        "requires_upload_for_modes",
        "url_input_supported",
        "file_kinds",
        "chat_capabilities",
        "notices",
    ]
    assert [z_image[k] for k in keys] == documented
    assert z_image["params"][0]["options"] == ["1:1", "4:3", "3:4", "16:9", "9:16"]


def test_gpt_image_2_entry_matches_the_decision(client):
    data = client.get("/api/v1/models").json()["data"]
    entry = data[0]
    assert entry["reference_media"] == {
        "max_files": 16,
        "kinds": ["image"],
        "max_bytes": 10_000_000,
        "mime_types": ["image/jpeg", "image/png", "image/webp"],
    }
    assert entry["params"][1] == {
        "key": "resolution",
        "type": "select",
        "required": False,
        "default": "1K",
        "options": ["1K", "2K", "4K"],
    }
    assert entry["api_input_status"] == "partial_requires_files"
    assert entry["requires_upload_for_modes"] == ["image-to-image"]


def test_megabyte_knob_scales_reference_limits(make_client):
    data = make_client(megabyte=1024 * 1024).get("/api/v1/models").json()["data"]
    assert data[0]["reference_media"]["max_bytes"] == 10 * 1024 * 1024


def test_openapi_document_is_a_valid_openapi_3_1_document(client):
    response = client.get("/api/v1/openapi.json", headers=auth())
    document = response.json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert set(document["paths"]) >= {"/api/v1/generations", "/api/v1/credits", "/api/v1/files"}


def test_openapi_components_are_the_schema_files(client):
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    task = json.loads((schema_dir() / "task.json").read_text())
    assert components["Task"]["required"] == task["required"]
    assert "Params_gpt-image-2" in components


def test_example_payloads_validate():
    from mockserver.validation import validate_generation

    for name in ("minimal_request", "reference_request"):
        body = json.loads((FIXTURES / f"payloads/{name}.json").read_text())
        assert validate_generation(body).model.id == "gpt-image-2"
    example = json.loads((FIXTURES / "payloads/create_response.json").read_text())
    assert not list(validator("task.json").iter_errors(example))
