"""Webhook endpoints over the API (spec §2, §14): objects exactly as documented, URL rules,
secrets shown once, rotation, revocation, scope and accounts."""

import pytest
from support import OTHER_KEY, auth, conforms_to_schema, is_error

from mockserver import AccountSpec

TYPES = ["generation.succeeded", "generation.failed"]
PUBLIC_URL = "https://hooks.example.com/rivya"


def create_endpoint(client, url=PUBLIC_URL, key=None, **fields):
    body = {"name": "orders", "url": url, "event_types": TYPES} | fields
    return client.post("/api/v1/webhooks", json=body, headers=auth(*([key] if key else [])))


def test_create_shows_the_secret_once_and_the_documented_fields(client):
    created = create_endpoint(client)
    assert created.status_code == 201
    assert conforms_to_schema(created, "webhook_endpoint_with_secret.json")
    body = created.json()
    secret = body["signing_secret"]
    assert body["id"].startswith("whend_") and secret.startswith("whsec_")
    assert body["secret_preview"] == f"{secret[:8]}...{secret[-6:]}"
    assert (body["status"], body["failure_count"], body["object"]) == (
        "active",
        0,
        "webhook_endpoint",
    )
    assert body["last_success_at"] is body["disabled_at"] is body["revoked_at"] is None
    shown = client.get(f"/api/v1/webhooks/{body['id']}", headers=auth())
    assert conforms_to_schema(shown, "webhook_endpoint.json")
    assert "signing_secret" not in shown.json()
    listed = client.get("/api/v1/webhooks", headers=auth())
    assert conforms_to_schema(listed, "webhook_endpoint_list.json")
    assert "signing_secret" not in listed.json()["data"][0]


def test_rotation_shows_a_new_secret_and_a_new_preview(client):
    first = create_endpoint(client).json()
    rotated = client.post(f"/api/v1/webhooks/{first['id']}/rotate-secret", headers=auth())
    assert rotated.status_code == 200
    assert conforms_to_schema(rotated, "webhook_endpoint_with_secret.json")
    assert rotated.json()["signing_secret"] != first["signing_secret"]
    assert rotated.json()["secret_preview"] != first["secret_preview"]


def test_lists_are_newest_first(client, clock):
    ids = []
    for _ in range(3):
        ids.append(create_endpoint(client).json()["id"])
        clock.advance(1)
    listed = client.get("/api/v1/webhooks", headers=auth()).json()
    assert [e["id"] for e in listed["data"]] == ids[::-1]


def test_lists_are_newest_first_when_made_at_the_same_instant(client):
    """On the manual clock endpoints made without an advance share `created_at`: the list still
    puts the last one made first (a stable sort on the time alone listed them oldest first)."""
    ids = [create_endpoint(client, name=f"n{i}").json()["id"] for i in range(3)]
    listed = client.get("/api/v1/webhooks", headers=auth()).json()
    assert [e["id"] for e in listed["data"]] == ids[::-1]
    client.delete(f"/api/v1/webhooks/{ids[1]}", headers=auth())
    listed = client.get("/api/v1/webhooks", headers=auth()).json()
    assert [e["id"] for e in listed["data"]] == ids[::-1]


def test_delete_revokes_but_keeps_the_endpoint_readable(client):
    endpoint = create_endpoint(client).json()
    revoked = client.delete(f"/api/v1/webhooks/{endpoint['id']}", headers=auth())
    assert revoked.status_code == 200 and conforms_to_schema(revoked, "webhook_endpoint.json")
    assert revoked.json()["status"] == "revoked" and revoked.json()["revoked_at"]
    assert client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=auth()).status_code == 200
    listed = client.get("/api/v1/webhooks", headers=auth()).json()["data"]
    assert [e["status"] for e in listed] == ["revoked"]
    for method, suffix, body in [
        ("PATCH", "", {"name": "x"}),
        ("POST", "/rotate-secret", None),
        ("POST", "/test", None),
        ("DELETE", "", None),
    ]:
        answer = client.request(
            method, f"/api/v1/webhooks/{endpoint['id']}{suffix}", json=body, headers=auth()
        )
        assert is_error(answer, "not_found", 404), (method, suffix)


def test_patch_changes_fields_and_reenabling_resets_failures(client):
    endpoint = create_endpoint(client).json()
    url = f"/api/v1/webhooks/{endpoint['id']}"
    changed = client.patch(
        url, json={"name": "renamed", "event_types": ["generation.failed"]}, headers=auth()
    )
    assert conforms_to_schema(changed, "webhook_endpoint.json")
    assert (changed.json()["name"], changed.json()["event_types"]) == (
        "renamed",
        ["generation.failed"],
    )
    disabled = client.patch(url, json={"status": "disabled"}, headers=auth()).json()
    assert disabled["status"] == "disabled" and disabled["disabled_at"]
    enabled = client.patch(url, json={"status": "active"}, headers=auth()).json()
    assert (enabled["status"], enabled["disabled_at"], enabled["failure_count"]) == (
        "active",
        None,
        0,
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "https://localhost/x",
        "https://localhost./x",
        "https://api.localhost/x",
        "https://127.0.0.1/x",
        "https://2130706433/x",
        "https://0x7f.1/x",
        "https://0177.0.0.1/x",
        "https://127.1/x",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[fe80::1]/x",
        "https://10.1.2.3/x",
        "https://172.16.0.1/x",
        "https://192.168.0.10/x",
        "https://169.254.169.254/latest",
        "https://100.64.0.1/x",
        "https://0.0.0.0/x",
        "https://240.0.0.1/x",
        "https://user:pw@hooks.example.com/x",
        "https://hooks.example.com/x#frag",
        "https://printer/x",
        "https://nas.local/x",
        "ftp://hooks.example.com/x",
        "https://[::1/x",
    ],
)
def test_urls_breaking_the_rules_are_rejected(client, url):
    answer = create_endpoint(client, url)
    assert is_error(answer, "webhook_url_rejected", 400), answer.text
    assert answer.json()["error"]["message"].startswith("url: ")
    assert conforms_to_schema(answer, "error.json")


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/x?y=1", "https://8.8.8.8/x", "https://[2606:4700::1111]:8443/x"],
)
def test_public_https_urls_are_accepted(client, url):
    assert create_endpoint(client, url).status_code == 201


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8000/hook", "http://127.0.0.1:9/x", "http://[::1]:5/", "http://receiver/"],
)
def test_local_knob_accepts_local_receivers(make_client, url):
    client = make_client(webhook_urls="local")
    assert create_endpoint(client, url).status_code == 201


def test_local_knob_still_refuses_credentials_and_fragments(make_client):
    client = make_client(webhook_urls="local")
    assert is_error(create_endpoint(client, "http://u:p@localhost/"), "webhook_url_rejected", 400)
    assert is_error(create_endpoint(client, "http://localhost/#x"), "webhook_url_rejected", 400)


def test_patch_checks_the_url_rules_too(client):
    endpoint = create_endpoint(client).json()
    answer = client.patch(
        f"/api/v1/webhooks/{endpoint['id']}", json={"url": "https://127.0.0.1/"}, headers=auth()
    )
    assert is_error(answer, "webhook_url_rejected", 400)


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["generation.succeeded", "generation.succeeded"]}, "event_types"),
        ({"event_types": ["task.done"]}, "event_types[0]"),
        ({"url": "https://example.com/" + "a" * 2048}, "url"),
        ({"url": 5}, "url"),
        ({"secret": "x"}, "secret"),
    ],
)
def test_bad_bodies_are_validation_failed_naming_the_field(client, fields, path):
    answer = create_endpoint(client, **fields)
    assert is_error(answer, "validation_failed", 400), answer.text
    assert answer.json()["error"]["message"].startswith(path + ":")


def test_at_most_twenty_active_endpoints(client):
    made = [create_endpoint(client).json()["id"] for _ in range(20)]
    assert is_error(create_endpoint(client), "validation_failed", 400)
    client.delete(f"/api/v1/webhooks/{made[0]}", headers=auth())
    assert create_endpoint(client).status_code == 201


def test_a_disabled_endpoint_does_not_count_towards_the_twenty(client):
    made = [create_endpoint(client).json()["id"] for _ in range(20)]
    client.patch(f"/api/v1/webhooks/{made[0]}", json={"status": "disabled"}, headers=auth())
    assert create_endpoint(client).status_code == 201


def test_the_twenty_first_active_endpoint_is_refused_naming_active(client):
    for _ in range(20):
        create_endpoint(client)
    refused = create_endpoint(client)
    assert is_error(refused, "validation_failed", 400)
    assert "20 active webhook endpoints" in refused.json()["error"]["message"]


def test_re_enabling_beyond_twenty_active_is_validation_failed(client):
    made = [create_endpoint(client).json()["id"] for _ in range(20)]
    client.patch(f"/api/v1/webhooks/{made[0]}", json={"status": "disabled"}, headers=auth())
    create_endpoint(client)
    again = client.patch(f"/api/v1/webhooks/{made[0]}", json={"status": "active"}, headers=auth())
    assert is_error(again, "validation_failed", 400)
    shown = client.get(f"/api/v1/webhooks/{made[0]}", headers=auth()).json()
    assert shown["status"] == "disabled"


def test_other_accounts_endpoints_are_not_found(client):
    endpoint = create_endpoint(client).json()
    for method, suffix in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/rotate-secret"),
        ("GET", "/deliveries"),
        ("POST", "/test"),
    ]:
        answer = client.request(
            method,
            f"/api/v1/webhooks/{endpoint['id']}{suffix}",
            json={} if method == "PATCH" else None,
            headers=auth(OTHER_KEY),
        )
        assert is_error(answer, "not_found", 404), (method, suffix)
    assert client.get("/api/v1/webhooks", headers=auth(OTHER_KEY)).json()["data"] == []


def test_every_webhook_route_needs_the_webhooks_manage_scope(make_client):
    client = make_client(accounts=(AccountSpec("rvya_sk_no_webhooks", scopes=("credits:read",)),))
    for method, path in [
        ("GET", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks"),
        ("GET", "/api/v1/webhooks/whend_x"),
        ("PATCH", "/api/v1/webhooks/whend_x"),
        ("DELETE", "/api/v1/webhooks/whend_x"),
        ("POST", "/api/v1/webhooks/whend_x/rotate-secret"),
        ("GET", "/api/v1/webhooks/whend_x/deliveries"),
        ("POST", "/api/v1/webhooks/whend_x/test"),
        ("GET", "/api/v1/webhook-events"),
    ]:
        answer = client.request(method, path, headers=auth("rvya_sk_no_webhooks"))
        assert is_error(answer, "api_scope_denied", 403), (method, path)
        assert is_error(client.request(method, path), "api_key_missing", 401)


def test_wrong_method_lists_every_allowed_one(client):
    answer = client.put("/api/v1/webhooks", headers=auth())
    assert is_error(answer, "validation_failed", 405)
    assert set(answer.headers["allow"].split(", ")) == {"GET", "POST"}


def test_openapi_document_has_the_webhook_operations(client):
    document = client.get("/api/v1/openapi.json").json()
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {
        "list_endpoints",
        "create_endpoint",
        "get_endpoint",
        "update_endpoint",
        "revoke_endpoint",
        "rotate_secret",
        "list_deliveries",
        "send_test_event",
        "list_events",
    } <= operations


def test_banner_says_how_to_accept_local_receivers():
    from mockserver.cli import banner

    assert "--set webhook_urls=local" in banner("http://x", "rvya_sk_k", 1)
    assert "webhook_urls=local" in banner("http://x", "rvya_sk_k", 1, webhook_urls="local")


def test_openapi_document_describes_the_requests_sent_to_a_receiver(client):
    document = client.get("/api/v1/openapi.json").json()
    assert set(document["webhooks"]) == {
        "generation.succeeded",
        "generation.failed",
        "webhook.test",
    }
    sent = document["webhooks"]["generation.succeeded"]["post"]
    schema = sent["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/WebhookEvent"}
    assert {p["name"] for p in sent["parameters"]} == {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }


def test_without_a_seed_secrets_are_not_drawn_from_a_predictable_stream():
    from mockserver.backend import Backend

    first, second = Backend(), Backend()
    assert first.webhooks.ids._rng is None  # the OS's generator, as spec §15 asks
    assert first.webhooks.ids.new_secret() != second.webhooks.ids.new_secret()
    seeded = [Backend(seed=4).webhooks.ids.new_secret() for _ in range(2)]
    assert seeded[0] == seeded[1]  # with a seed, secrets repeat as ids do
