"""Free checks: the models list and the credit balance have their documented shapes."""

from __future__ import annotations

import pytest

from .catalog import Catalog
from .checks import body_of, finding, is_success
from .target import Target

# The documented entry of z-image (spec §10), checked when the target lists it.
Z_IMAGE = {
    "id": "z-image",
    "display_name": "Z-Image",
    "category": "image",
    "runtime": "async_task",
    "base_credits": 1,
    "billing_type": "FIXED",
    "supported_modes": ["text-to-image"],
    "max_prompt_length": 1000,
    "reference_media": None,
    "api_status": "available",
    "api_input_status": "available_text",
    "supported_api_inputs": ["text"],
    "requires_files_api": False,
    "requires_upload_for_modes": [],
    "url_input_supported": False,
    "file_kinds": [],
    "chat_capabilities": None,
    "notices": [],
}


def test_models_list_has_the_documented_shape(target: Target) -> None:
    response = target.api.list_models()
    is_success(response)
    body = body_of(response)
    ids = [m["id"] for m in body["data"]]
    assert ids, finding("the models list is empty", response)
    assert len(ids) == len(set(ids)), finding("model ids repeat", response)


def test_models_list_needs_no_key(target: Target) -> None:
    is_success(target.api.send("GET", "/api/v1/models", schema="models_list.json"))


def test_every_param_default_is_one_of_its_options(catalog: Catalog) -> None:
    # The params items' shape is a [decision]: only the models whose items the kit can read.
    readable = catalog.with_params()
    if not readable:
        pytest.skip("no listed model's params could be read (their shape is a [decision])")
    for model in readable:
        for key, default in model.defaults.items():
            assert default in (model.params or {})[key], f"{model.id}.{key}: default not an option"


def test_z_image_is_listed_as_documented(target: Target) -> None:
    models = {m["id"]: m for m in body_of(target.api.list_models())["data"]}
    if "z-image" in models:
        entry = models["z-image"]
        wrong = {k: entry.get(k) for k, v in Z_IMAGE.items() if entry.get(k) != v}
        assert not wrong, f"z-image differs from the documented entry: {wrong}"


def test_credits_have_the_documented_shape(target: Target) -> None:
    # The shape itself ({"current_credits": <integer>}) is checked as the response arrives.
    is_success(target.api.get_credits(target.keys.main))
