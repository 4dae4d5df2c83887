"""The inspector: its page at /_mock/ui, the control token rules for it, and the paged reads."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest
from support import KEY, OTHER_KEY, auth, create, is_error

TOKEN = "s3cret-control-token"


def test_page_is_one_offline_html_document(client):
    response = client.get("/_mock/ui")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<title>Rivya mock inspector</title>" in html
    assert "{{" not in html  # every placeholder filled
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from elsewhere
    nonce = re.search(r"script-src 'nonce-([^']+)'", response.headers["content-security-policy"])
    assert nonce and f'<script nonce="{nonce[1]}">' in html
    assert response.headers["cache-control"] == "no-store"


def test_each_page_load_gets_a_fresh_nonce(client):
    policies = {client.get("/_mock/ui").headers["content-security-policy"] for _ in range(2)}
    assert len(policies) == 2


@pytest.fixture
def guarded(client):
    client.app.state.control_token = TOKEN
    return client


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/_mock/ui", {}),
        ("/_mock/ui?token=wrong", {}),
        ("/_mock/ui", {"Authorization": "Bearer wrong"}),
    ],
)
def test_with_a_control_token_the_page_needs_it(guarded, url, headers):
    assert is_error(guarded.get(url, headers=headers), "api_key_invalid", 401)


@pytest.mark.parametrize(
    ("url", "headers"),
    [(f"/_mock/ui?token={TOKEN}", {}), ("/_mock/ui", {"Authorization": f"Bearer {TOKEN}"})],
)
def test_the_page_opens_with_the_token_in_its_url_or_header(guarded, url, headers):
    assert guarded.get(url, headers=headers).status_code == 200


def test_tasks_are_listed_newest_first_in_pages(client):
    ids = [create(client, {"model": "z-image", "prompt": f"p{i}"}).json()["id"] for i in range(7)]
    page = client.get("/_mock/tasks?offset=2&limit=3").json()
    assert (page["total"], page["offset"], page["limit"]) == (7, 2, 3)
    assert [t["id"] for t in page["data"]] == ids[::-1][2:5]
    assert client.get("/_mock/tasks?offset=7").json()["data"] == []


def test_task_rows_carry_status_age_and_a_result_image_once_succeeded(client):
    task = create(client, {"model": "gpt-image-2", "prompt": "x", "params": {"resolution": "2K"}})
    client.post("/_mock/clock/advance", json={"seconds": 2})
    [row] = client.get("/_mock/tasks").json()["data"]
    assert (row["id"], row["status"], row["age_seconds"]) == (task.json()["id"], "processing", 2)
    assert row["result_path"] is None
    client.post("/_mock/clock/advance", json={"seconds": 2})
    [row] = client.get("/_mock/tasks").json()["data"]
    assert row["status"] == "succeeded"
    image = client.get(row["result_path"])
    assert image.headers["content-type"] == "image/png"
    assert image.content == client.get(f"/cdn/results/{row['id']}/0.png").content


def test_an_unfinished_tasks_result_image_is_not_found(client):
    task = create(client).json()
    assert is_error(client.get(f"/_mock/tasks/{task['id']}/result.png"), "not_found", 404)


def test_tasks_filter_by_status_account_and_model(client):
    client.post("/_mock/outcomes", json={"outcome": "failed"})
    create(client, {"model": "z-image", "prompt": "a"})
    create(client, {"model": "gpt-image-2", "prompt": "b"}, key=OTHER_KEY)
    client.post("/_mock/clock/advance", json={"seconds": 10})
    assert [t["model"] for t in client.get("/_mock/tasks?status=failed").json()["data"]] == [
        "z-image"
    ]
    mine = client.get("/_mock/tasks", params={"account": KEY}).json()
    assert mine["total"] == 1 and mine["data"][0]["model"] == "z-image"
    assert client.get("/_mock/tasks?model=gpt-image-2").json()["total"] == 1
    assert client.get("/_mock/tasks?status=succeeded&model=z-image").json()["total"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "offset=-1",
        "offset=x",
        "status=done",
        "colour=red",
        "limit=1e3",
        "limit=%C2%B2",  # a superscript two: str.isdigit() says yes, int() says no
        "offset=%D9%A3",  # an Arabic-Indic digit
    ],
)
def test_bad_page_parameters_are_refused_in_the_envelope(client, query):
    assert is_error(client.get(f"/_mock/tasks?{query}"), "validation_failed", 400)


def test_an_unknown_account_filter_is_not_found(client):
    assert is_error(client.get("/_mock/tasks?account=acct_nobody"), "not_found", 404)


def test_accounts_are_paged_with_balances(client):
    create(client)
    client.get("/api/v1/credits", headers=auth(OTHER_KEY))
    page = client.get("/_mock/accounts?limit=1").json()
    assert page["total"] == 2 and len(page["data"]) == 1
    assert page["data"][0]["credits"] == 997
    assert page["data"][0]["keys"][0]["key"] == KEY
    assert client.get("/_mock/accounts?offset=1").json()["data"][0]["credits"] == 1000


def test_overview_counts_and_names_the_newest_request(client):
    create(client)
    client.post("/_mock/chaos", json={"level": 0.25})
    client.post("/_mock/faults", json={"action": "server_error", "count": 1})
    overview = client.get("/_mock/overview").json()
    assert overview["counts"] == {"tasks": 1, "accounts": 1, "files": 0}
    assert overview["last_request"] == client.get("/_mock/requests").json()[-1]["seq"]
    assert overview["chaos"] == 0.25 and overview["faults"][0]["action"] == "server_error"
    assert overview["public_api_enabled"] is True
    assert is_error(client.get("/_mock/overview?x=1"), "validation_failed", 400)


def test_inspector_reads_are_not_journaled(client):
    client.get("/_mock/ui")
    client.get("/_mock/tasks")
    assert client.get("/_mock/requests").json() == []


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/_mock/accounts", {"GET", "POST"}), ("/_mock/outcomes", {"GET", "POST"})],
)
def test_a_wrong_method_names_every_allowed_method(client, path, allowed):
    response = client.request("PATCH", path)
    assert is_error(response, "validation_failed", 405)
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_the_token_in_a_url_opens_only_the_page(guarded):
    assert is_error(guarded.get(f"/_mock/tasks?token={TOKEN}"), "api_key_invalid", 401)
    assert is_error(guarded.get("/_mock/overview"), "api_key_invalid", 401)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert guarded.get("/_mock/tasks", headers=bearer).status_code == 200


@pytest.mark.parametrize("token", [None, "tok&en#1"])
def test_the_banner_prints_an_inspector_url_that_opens(token):
    flags = ["--control-token", token] if token else []
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--quiet", *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip()]
        while not lines[-1].startswith("Inspector: ") and len(lines) < 10:
            lines.append(process.stdout.readline().strip())
        page = lines[-1].removeprefix("Inspector: ")
        assert page.startswith(lines[0].split()[-1] + "/_mock/ui")
        assert httpx.get(page).status_code == 200
        bare = httpx.get(page.partition("?")[0])
        assert bare.status_code == (401 if token else 200)
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
