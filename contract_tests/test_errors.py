"""Free checks: unknown ids are `not_found`, and every error wears the documented envelope."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from .checks import body_of, is_error
from .target import Target

BASE32 = string.ascii_lowercase + "234567"
# Characters a URL path carries as they are, so every target (and any proxy before it) sees the id.
UNRESERVED = string.ascii_letters + string.digits + "-_.~"


def unknown_ids(prefix: str) -> st.SearchStrategy[str]:
    """Well-formed ids nobody was given, and malformed ones."""
    return st.one_of(
        st.text(BASE32, min_size=24, max_size=24).map(lambda s: prefix + s),
        st.text(UNRESERVED, min_size=1, max_size=30).filter(lambda s: s.strip(".")),
    )


TASK_IDS = unknown_ids("task_")
FILE_IDS = unknown_ids("file_")


@given(task_id=TASK_IDS)
def test_unknown_task_id_is_not_found(target: Target, task_id: str) -> None:
    is_error(target.api.get_generation(task_id, target.keys.main), "not_found", 404)


@given(file_id=FILE_IDS)
def test_unknown_file_id_is_not_found(target: Target, file_id: str) -> None:
    is_error(target.api.get_file(file_id, target.keys.main), "not_found", 404)


def test_error_envelope_names_code_message_and_request_id(target: Target) -> None:
    # The envelope's exact shape is checked on every response; here, its values are meaningful.
    first = body_of(target.api.get_generation("task_contractkitunknown0000", target.keys.main))[
        "error"
    ]
    second = body_of(target.api.get_credits(None))["error"]
    assert first["code"] == "not_found" and second["code"] == "api_key_missing"
    assert first["message"].strip() and second["message"].strip()
    assert first["requestId"].startswith("req_") and second["requestId"].startswith("req_")
    assert first["requestId"] != second["requestId"], "each request must get its own requestId"
