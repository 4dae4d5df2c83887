"""`x-rivya-decision` marks every [decision] part of the schemas, in the schema files only: the
fake validates strictly with the same files, the kit asserts only what is not marked."""

from __future__ import annotations

from alt_server.catalog import MODELS, entry

from contract_tests.decisions import decision_points, documented_validator, whole_shape_validator
from mockserver.schemas import validator


def _alternative_models() -> dict:
    return {"object": "list", "data": [entry(m) for m in MODELS.values()]}


def test_each_mark_gives_its_reason_and_spec_section() -> None:
    points = decision_points()
    assert points
    for name, pointer, reason in points:
        assert "[decision]" in reason and "§" in reason, (name, pointer, reason)


def test_the_spec_s_decided_shapes_are_marked() -> None:
    marked = {(name, pointer) for name, pointer, _ in decision_points()}
    assert {
        ("model.json", "/$defs/referenceMedia"),
        ("model.json", "/$defs/param"),
        ("model.json", "/properties/notices/items"),
        ("file.json", "/"),
    } <= marked


def test_kit_accepts_other_shapes_where_the_schemas_mark_a_decision() -> None:
    body = _alternative_models()
    assert not list(documented_validator("models_list.json").iter_errors(body))
    assert list(whole_shape_validator("models_list.json").iter_errors(body)), "observed departures"


def test_fake_still_validates_strictly_with_the_same_files() -> None:
    assert list(validator("models_list.json").iter_errors(_alternative_models()))


def test_documented_parts_stay_asserted() -> None:
    body = _alternative_models()
    del body["data"][0]["runtime"]
    body["data"][1]["reference_media"] = "sixteen images"
    errors = list(documented_validator("models_list.json").iter_errors(body))
    assert len(errors) == 2
    envelope = {"error": {"code": "not_found", "message": "x", "requestId": "req_1", "extra": 1}}
    assert list(documented_validator("error.json").iter_errors(envelope))


def test_no_schema_file_repeats_a_key() -> None:
    """A repeated key (two marks merged into one object, say) would silently keep the last one."""
    import json

    from mockserver.schemas import schema_dir

    def refuse_repeats(pairs: list[tuple[str, object]]) -> dict:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
        return dict(pairs)

    for path in sorted(schema_dir().rglob("*.json")):
        json.loads(path.read_text("utf-8"), object_pairs_hook=refuse_repeats)
