"""The inspector page in a real headless Chromium (Debian's `chromium`, driven by Playwright).

It watches a task go queued → processing → succeeded and a rejection with its rule, uses controls
(advance the clock, fail the next task, switch the public API off by keyboard) and sees their effect,
and a browser app on another origin calls the fake under `cors_origins`. Screenshots are saved in
`artifacts/` (or `$RIVYA_ARTIFACTS`). Without /usr/bin/chromium the test is skipped, except where
`RIVYA_REQUIRE_BROWSER=1` (set by `.ci/run`) makes a missing browser a failure.
"""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import MockServer

CHROMIUM = os.environ.get("RIVYA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(
    os.environ.get("RIVYA_ARTIFACTS", Path(__file__).resolve().parent.parent / "artifacts")
)
WAIT_MS = 10_000  # the page polls once a second
TOKEN = "inspector-test-token"

pytestmark = pytest.mark.slow

if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
    if os.environ.get("RIVYA_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"RIVYA_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    pytest.skip(
        f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
        allow_module_level=True,
    )

if os.environ.get("RIVYA_REQUIRE_BROWSER") == "1":
    from playwright import sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(seed=1, clock="manual", rate_limit_per_minute=0) as server:
        yield server


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def row(page, task_id: str, status: str):
    return page.wait_for_selector(
        f'#task-rows tr[data-task="{task_id}"][data-status="{status}"]', timeout=WAIT_MS
    )


def test_page_shows_tasks_change_live_and_its_controls_work(mock, page):
    http = httpx.Client(base_url=mock.url, headers={"Authorization": f"Bearer {mock.api_key}"})
    page.goto(f"{mock.url}/_mock/ui")
    page.wait_for_selector("#live:has-text('live')", timeout=WAIT_MS)

    # A task created by a client appears without reloading, then moves with the fake's clock.
    body = {"model": "gpt-image-2", "prompt": "a lighthouse", "params": {"aspect_ratio": "16:9"}}
    first = http.post("/api/v1/generations", json=body).json()["id"]
    row(page, first, "queued")

    # Control 1: advance the clock from the page (its form), 1 s then 3 s.
    page.fill("#advance-seconds", "1")
    page.click("#advance")
    row(page, first, "processing")
    page.fill("#advance-seconds", "3")
    page.press("#advance-seconds", "Enter")
    done = row(page, first, "succeeded")
    thumb = done.wait_for_selector("img.thumb[src^='blob:']", timeout=WAIT_MS)
    size = page.evaluate("(img) => img.complete && [img.naturalWidth, img.naturalHeight]", thumb)
    assert size == [1024, 576]  # 1K at 16:9

    # Control 2: fail the next task; the next task created fails, and its credits come back.
    page.click("#fail-next")
    page.wait_for_selector("#forced li:has-text('failed')", timeout=WAIT_MS)
    second = http.post("/api/v1/generations", json=body).json()["id"]
    page.keyboard.press("a")  # the keyboard shortcut for Advance (still 3 s)
    page.keyboard.press("a")
    failed = row(page, second, "failed")
    assert "refunded 3" in failed.inner_text()
    assert http.get("/api/v1/credits").json() == {"current_credits": 997}

    # A rejection shows up in the journal with its code and rule, and the filter finds it.
    bad = body | {"params": {"resolution": "8K"}}
    assert http.post("/api/v1/generations", json=bad).status_code == 400
    page.check("#req-rejections")
    rejection = page.wait_for_selector("#request-rows tr[data-status='400']", timeout=WAIT_MS)
    assert "validation_failed schema params.resolution" in rejection.inner_text()
    shot(page, "inspector.png")

    # Control 3, by keyboard only: switch the public API off; clients then get 503.
    page.focus("#toggle-api")
    page.keyboard.press("Enter")
    page.wait_for_selector("#public-api:has-text('off')", timeout=WAIT_MS)
    assert http.get("/api/v1/credits").status_code == 503
    http.close()


def test_page_works_with_a_control_token_from_its_url(page):
    sent: list[str | None] = []
    page.on(
        "request",
        lambda r: sent.append(r.headers.get("authorization")) if "/_mock/" in r.url else None,
    )
    with MockServer(seed=1, clock="manual", control_token=TOKEN) as mock:
        page.goto(f"{mock.url}/_mock/ui?token={TOKEN}")
        page.wait_for_selector("#live:has-text('live')", timeout=WAIT_MS)
        page.click("#succeed-next")
        page.wait_for_selector("#forced li:has-text('succeeded')", timeout=WAIT_MS)
        # every call after the page itself carried the token, and the gate let it through
        assert sent[1:] and all(header == f"Bearer {TOKEN}" for header in sent[1:])
        assert page.goto(f"{mock.url}/_mock/ui").status == 401


class AppPage(http.server.BaseHTTPRequestHandler):
    """A browser app's page: any path answers a tiny HTML document."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><p>app</p>")

    def do_POST(self) -> None:  # a webhook receiver too: takes any delivery
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def app_origin() -> Iterator[str]:
    """An origin other than the fake's: a page served on `localhost` (the fake is on 127.0.0.1)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AppPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


CALL = """async (url) => {
    try {
        const r = await fetch(url + '/api/v1/generations', {method: 'POST',
            headers: {'Authorization': 'Bearer rvya_sk_browser_app_1',
                      'Content-Type': 'application/json', 'Idempotency-Key': 'k-1'},
            body: JSON.stringify({model: 'z-image', prompt: 'from a browser'})});
        return {status: r.status, body: await r.json()};
    } catch (e) { return {blocked: String(e)}; }
}"""


def test_a_listed_browser_origin_calls_the_fake_directly(page, app_origin):
    """cors_origins: a page on another origin POSTs with Authorization and Idempotency-Key (a
    preflighted request) and reads the answer; an unlisted origin is blocked by the browser."""
    page.goto(f"{app_origin}/")
    with MockServer(seed=1, cors_origins=app_origin) as listed:
        answer = page.evaluate(CALL, listed.url)
        assert answer.get("status") == 202, answer
        assert answer["body"]["status"] == "queued"
        assert [e["method"] for e in listed.requests()] == ["POST"]  # preflights are not journaled
    with MockServer(seed=1) as unlisted:
        assert "blocked" in page.evaluate(CALL, unlisted.url)
        assert [e["status"] for e in unlisted.requests()] == [405]  # its preflight, refused


def test_webhook_deliveries_show_up_live(page, app_origin):
    receiver = app_origin.replace("localhost", "127.0.0.1") + "/hook"
    with MockServer(seed=1, clock="manual", webhook_urls="local") as mock:
        http = httpx.Client(base_url=mock.url, headers={"Authorization": f"Bearer {mock.api_key}"})
        endpoint = {"name": "r", "url": receiver, "event_types": ["generation.succeeded"]}
        assert http.post("/api/v1/webhooks", json=endpoint).status_code == 201
        task = http.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"}).json()
        page.goto(f"{mock.url}/_mock/ui")
        row(page, task["id"], "queued")
        page.fill("#advance-seconds", "5")
        page.click("#advance")
        delivery = page.wait_for_selector("#delivery-rows tr:has-text('generation.succeeded')")
        assert "204" in delivery.inner_text() and receiver in delivery.inner_text()
        assert page.is_visible("#webhooks")
        http.close()
