"""Bad input of any shape, on any route, gets a 4xx in the envelope: never a 5xx or a crash."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PATHS = st.sampled_from(
    [
        "/api/v1/generations",
        "/api/v1/files",
        "/api/v1/credits",
        "/api/v1/models",
        "/api/v1/generations/task_x",
        "/api/v1/files/file_x",
        "/api/v1/openapi.json",
        "/cdn/results/task_x/0.png",
        "/cdn/files/file_x/a.png",
        "/api/v1/webhooks",
        "/api/v1/webhooks/whend_x",
        "/api/v1/webhooks/whend_x/test",
        "/api/v1/webhook-events",
        "/nope",
        # The control plane too, but not /_mock/faults or /_mock/chaos: causing 5xx is their job.
        "/_mock/reset",
        "/_mock/clock/advance",
        "/_mock/accounts",
        "/_mock/outcomes",
        "/_mock/requests",
        "/_mock/progression",
        "/_mock/public-api",
        "/_mock/state",
        "/_mock/webhooks",
        "/_mock/webhooks/faults",
        "/_mock/webhooks/aliases",
        "/_mock/webhooks/deliveries",
        "/_mock/webhooks/deliveries/whdel_x/redeliver",
        "/_mock/webhooks/pause",
        "/_mock/ui",
        "/_mock/overview",
        "/_mock/tasks?offset=1&limit=2&status=queued",
        "/_mock/tasks/task_x/result.png",
        "/_mock/accounts?offset=0",
    ]
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "authorization": st.sampled_from(
            ["Bearer rvya_sk_fuzzing_key_1", "bearer  x", "Basic a", ""]
        ),
        "content-type": st.sampled_from(
            [
                "application/json",
                "multipart/form-data; boundary=b",
                "multipart/form-data",
                "text/plain",
                "application/json; charset=utf-16",
            ]
        ),
        "idempotency-key": st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=5),
    },
)
KEYS = st.sampled_from(
    [
        "model",
        "prompt",
        "params",
        "seconds",
        "account",
        "credits",
        "outcome",
        "count",
        "mode",
        "enabled",
        "kind",
        "file",
        "referenceMediaItems",
        "name",
        "url",
        "event_types",
        "status",
        "action",
        "match",
        "host",
        "to",
    ]
)
JSON_BODIES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=8,
).map(lambda value: json.dumps(value).encode())


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=PATHS,
    headers=HEADERS,
    body=st.binary(max_size=200) | JSON_BODIES,
)
def test_any_request_is_answered_without_a_server_error(client, method, path, headers, body):
    encoded = {name: value.encode("latin-1") for name, value in headers.items()}
    response = client.request(method, path, headers=encoded, content=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400 and response.headers.get("content-type") == "application/json":
        assert set(response.json()) == {"error"}
