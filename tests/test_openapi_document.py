"""The served OpenAPI document's shape: what client generators, linters and fuzzers rely on (§10)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from support import auth

import mockserver.catalog
import mockserver.schemas
from mockserver.catalog import catalog
from mockserver.errors import ValidationFailed
from mockserver.idempotency import check_key_syntax
from mockserver.openapi import openapi_dict
from mockserver.openapi.components import def_component, file_component
from mockserver.routes import public_routes
from mockserver.schemas import BASE_URI, load_schemas, schema_dir
from mockserver.webhooks.routes import webhook_routes

REF = "#/components/schemas/"


def document(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON tree."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_every_ref_names_a_top_level_component(client: httpx.Client) -> None:
    doc = document(client)
    components = doc["components"]["schemas"]
    refs = [node["$ref"] for node in walk(doc) if isinstance(node.get("$ref"), str)]
    assert refs
    for ref in refs:
        assert ref.startswith(REF) and "/" not in ref.removeprefix(REF), ref
        assert ref.removeprefix(REF) in components, ref
    assert not [node for node in walk(doc) if "$defs" in node]


def test_every_component_is_used(client: httpx.Client) -> None:
    doc = document(client)
    used = {node["$ref"].removeprefix(REF) for node in walk(doc) if "$ref" in node}
    assert set(doc["components"]["schemas"]) - used == set()


def test_every_schema_file_and_each_of_its_defs_is_a_component(client: httpx.Client) -> None:
    components = document(client)["components"]["schemas"]
    assert (
        components["Timestamp"]["pattern"]
        == load_schemas()["common.json"]["$defs"]["timestamp"]["pattern"]
    )
    assert {"Task", "TaskResult", "TaskError", "Model", "ModelParam", "ModelReferenceMedia"} <= set(
        components
    )
    assert components["Task"]["properties"]["created_at"] == {"$ref": REF + "Timestamp"}
    assert components["Model"]["properties"]["params"]["items"] == {"$ref": REF + "ModelParam"}
    for model in catalog().values():
        assert f"Params_{model.id}" in components


def test_every_array_has_items(client: httpx.Client) -> None:
    for node in walk(document(client)):
        kinds = node.get("type")
        if kinds == "array" or (isinstance(kinds, list) and "array" in kinds):
            assert "items" in node, node


def test_create_body_is_one_request_per_model_told_apart_by_model(client: httpx.Client) -> None:
    doc = document(client)
    body = doc["paths"]["/api/v1/generations"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": REF + "GenerationRequest"}
    union = doc["components"]["schemas"]["GenerationRequest"]
    assert union["discriminator"]["propertyName"] == "model"
    mapping = union["discriminator"]["mapping"]
    assert list(mapping) == list(catalog())
    assert sorted(r["$ref"] for r in union["oneOf"]) == sorted(mapping.values())
    for model_id, ref in mapping.items():
        variant = doc["components"]["schemas"][ref.removeprefix(REF)]
        assert variant["properties"]["model"]["const"] == model_id
        assert variant["additionalProperties"] is False
        assert variant["properties"]["params"] == {"$ref": REF + f"Params_{model_id}"}


def test_each_model_has_typed_params_and_references_only_if_it_takes_them(
    client: httpx.Client,
) -> None:
    components = document(client)["components"]["schemas"]
    for model in catalog().values():
        params = components[f"Params_{model.id}"]["properties"]
        for param in model.params:
            assert params[param.key]["enum"] == list(param.options)
        references = params.get("referenceMediaItems")
        assert (references is not None) == model.takes_references
        if references:
            assert references["maxItems"] == model.max_references
            assert references["items"]["$ref"] == REF + "ReferenceMediaItem"


@pytest.fixture
def extra_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy of schemas/ with one more model file, in force for the test only."""
    root = tmp_path / "schemas"
    shutil.copytree(schema_dir(), root)
    name = "models/tiny-image.params.json"
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE_URI + name,
        "title": "Params of tiny-image",
        "x-rivya-model": {
            "order": 99,
            "display_name": "Tiny Image",
            "base_credits": 1,
            "max_prompt_length": 50,
        },
        "type": "object",
        "properties": {"style": {"type": "string", "enum": ["flat", "round"], "default": "flat"}},
        "additionalProperties": False,
    }
    (root / name).write_text(json.dumps(schema))
    monkeypatch.setattr(mockserver.schemas, "schema_dir", lambda: root)
    caches = (mockserver.schemas.load_schemas, mockserver.catalog.catalog)
    for cache in caches:
        cache.cache_clear()
    yield "tiny-image"
    for cache in caches:
        cache.cache_clear()


def test_a_model_added_as_data_appears_with_no_code_change(extra_model: str) -> None:
    doc = openapi_dict()
    schemas = doc["components"]["schemas"]
    ref = schemas["GenerationRequest"]["discriminator"]["mapping"][extra_model]
    variant = schemas[ref.removeprefix(REF)]
    assert variant["properties"]["prompt"]["maxLength"] == 50
    assert schemas[f"Params_{extra_model}"]["properties"]["style"]["enum"] == ["flat", "round"]
    assert extra_model not in schemas["FileUpload"]["properties"]["model"]["enum"]


def test_the_prompt_limit_is_shown_only_when_counted_in_code_points(
    make_client: Any,
) -> None:
    def prompt(unit: str) -> dict[str, Any]:
        doc = document(make_client(prompt_length_unit=unit))
        return doc["components"]["schemas"]["GenerationRequest_z-image"]["properties"]["prompt"]

    assert prompt("codepoints")["maxLength"] == 1000
    assert "maxLength" not in prompt("utf16")  # JSON Schema cannot count UTF-16 units


def test_upload_form_has_a_binary_file_and_typed_parts(client: httpx.Client) -> None:
    doc = document(client)
    body = doc["paths"]["/api/v1/files"]["post"]["requestBody"]["content"]
    assert body["multipart/form-data"]["schema"] == {"$ref": REF + "FileUpload"}
    form = doc["components"]["schemas"]["FileUpload"]
    assert form["properties"]["file"] == form["properties"]["file"] | {
        "type": "string",
        "format": "binary",
    }
    assert form["properties"]["kind"]["enum"] == ["image", "video", "audio"]
    takers = [m.id for m in catalog().values() if m.takes_references]
    assert form["properties"]["model"]["enum"] == takers
    assert form["required"] == ["file", "kind"]


def test_every_operation_lists_the_statuses_it_can_answer(client: httpx.Client) -> None:
    for path, _method, op in operations(document(client)):
        statuses = set(op["responses"])
        assert {"405", "431", "500", "503"} <= statuses, path
        if op["security"]:
            assert {"401", "403", "429"} <= statuses, path
        if "{" in path:
            assert "404" in statuses, path
        assert op["responses"]["405"]["headers"]["Allow"]["required"] is True
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": REF + "Error"}, (path, status)


def test_rate_limited_answers_carry_retry_after(client: httpx.Client) -> None:
    for _path, _method, op in operations(document(client)):
        if "429" in op["responses"]:
            header = op["responses"]["429"]["headers"]["Retry-After"]
            assert header["required"] is True
            assert header["schema"] == {"type": "integer", "minimum": 1}


def test_create_lists_its_own_errors(client: httpx.Client) -> None:
    create = document(client)["paths"]["/api/v1/generations"]["post"]
    assert {"202", "400", "402", "409", "413"} <= set(create["responses"])
    upload = document(client)["paths"]["/api/v1/files"]["post"]
    assert {"201", "400", "409"} <= set(upload["responses"])


def test_idempotency_key_pattern_is_the_servers_rule(client: httpx.Client) -> None:
    create = document(client)["paths"]["/api/v1/generations"]["post"]
    (header,) = [p for p in create["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and header["required"] is False
    validator = Draft202012Validator(header["schema"])
    for key in ["", "a", "!~", "a" * 255, "a" * 256, "with space", "caf\u00e9", "tab\t", "\x7f"]:
        try:
            check_key_syntax(key)
            accepted = True
        except ValidationFailed:
            accepted = False
        assert validator.is_valid(key) == accepted, repr(key)


def test_the_document_follows_the_status_knobs(make_client: Any) -> None:
    knobs = {"create_status": 201, "file_create_status": 200, "insufficient_credits_status": 429}
    doc = document(make_client(**knobs))
    validate(doc)  # still a valid OpenAPI 3.1 document
    paths = doc["paths"]
    create = paths["/api/v1/generations"]["post"]["responses"]
    assert "201" in create and "202" not in create and "402" not in create
    assert create["201"]["content"]["application/json"]["schema"] == {"$ref": REF + "Task"}
    assert "insufficient_credits" in create["429"]["description"]
    assert create["429"]["headers"]["Retry-After"]["required"] is False  # not on that answer
    upload = paths["/api/v1/files"]["post"]["responses"]
    assert "200" in upload and "201" not in upload


def test_servers_is_the_requests_base_url(client: httpx.Client) -> None:
    assert document(client)["servers"][0]["url"] == "http://testserver"


def test_servers_is_public_base_url_when_set(make_client: Any) -> None:
    doc = document(make_client(public_base_url="https://rivya.example.test/mock"))
    assert doc["servers"][0]["url"] == "https://rivya.example.test/mock"


def test_only_servers_differs_between_hosts(make_client: Any) -> None:
    first = make_client().get("/api/v1/openapi.json", headers={"host": "a.test"}).content
    second = make_client().get("/api/v1/openapi.json", headers={"host": "b.test"}).content
    assert first.replace(b"http://a.test", b"http://b.test") == second


def test_every_public_api_route_is_a_documented_operation(client: httpx.Client) -> None:
    doc = document(client)
    documented = {(path, method.upper()) for path, method, _ in operations(doc)}
    served = {
        (route.path, method)
        for route in [*public_routes(), *webhook_routes()]
        if route.path.startswith("/api/v1/")
        for method in route.methods or ()
    }

    def shape(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(re.sub(r"\{[^}]+\}", "{}", p), m) for p, m in pairs}

    assert shape(documented) == shape(served)


def test_operations_have_ids_summaries_tags_and_a_license(client: httpx.Client) -> None:
    doc = document(client)
    assert doc["info"]["license"]["identifier"] == "MIT"
    tags = {t["name"] for t in doc["tags"]}
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    for _path, _method, op in operations(doc):
        assert op["summary"] and set(op["tags"]) <= tags


def test_public_operations_need_no_key_and_others_a_bearer_key(client: httpx.Client) -> None:
    doc = document(client)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    public = {p for p, _, op in operations(doc) if op["security"] == []}
    assert public == {"/api/v1/models", "/api/v1/openapi.json"}
    assert client.get("/api/v1/openapi.json", headers=auth()).status_code == 200


def test_file_components_keep_the_files_shape_and_annotations(client: httpx.Client) -> None:
    """One shape, two readers: the components are the files (refs rewritten), `x-` keys kept."""
    components = document(client)["components"]["schemas"]
    derived = {"GenerationRequest"}  # replaced by its per-model variants
    for name, schema in load_schemas().items():
        component = file_component(name)
        if component in derived or component not in components:
            continue
        shown = components[component]
        own = {k for k in schema if k not in ("$id", "$schema", "$defs")}
        assert set(shown) == own, name
        assert shown.get("required") == schema.get("required"), name
        assert set(shown.get("properties", {})) == set(schema.get("properties", {})), name

    def annotations(tree: Any) -> int:
        return sum("x-rivya-decision" in node for node in walk(tree))

    files = {n: s for n, s in load_schemas().items() if file_component(n) not in derived}
    hoisted = [def_component(n, d) for n, s in files.items() for d in s.get("$defs", {})]
    shown = [components.get(file_component(n)) for n in files] + [components[h] for h in hoisted]
    assert annotations(shown) == annotations(list(files.values())) > 0
