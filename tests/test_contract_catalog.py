"""The kit reads a target's catalog whatever shape its [decision] parts take (spec §10)."""

from __future__ import annotations

import pytest

from contract_tests.catalog import model_info

ENTRY = {"id": "m", "base_credits": 2, "max_prompt_length": 100, "params": []}


@pytest.mark.parametrize("limits", [None, 3, "image", ["image"]])
def test_a_reference_media_object_with_odd_limits_is_read_without_error(limits):
    info = model_info(ENTRY | {"reference_media": {"max_files": 4, "limits": limits}})
    assert info.references is not None and info.references.max_files == 4


def test_kinds_named_as_keys_of_limits_are_read():
    info = model_info(ENTRY | {"reference_media": {"limits": {"image": {"max_bytes": 1}}}})
    assert info.references is not None and info.references.kinds == ("image",)
