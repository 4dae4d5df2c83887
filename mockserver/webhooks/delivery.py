"""The dispatcher: one per app, it makes every attempt the clock says is due, over httpx.

It runs its own event loop in a daemon thread, so deliveries never wait for API requests and API
requests never wait for deliveries; each attempt is its own task (at most `concurrency` at once),
so a slow receiver does not delay the others. A served fake starts and stops it in the app's
lifespan; in-process it starts on first need. `drain()` makes every attempt due now and returns
when each was made once: the manual clock's `advance` calls it, so tests need no sleeps.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import ipaddress
import logging
import socket
import threading
import time
import weakref
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..clock import format_timestamp
from .endpoints import Delivery
from .signing import signed_headers
from .store import Webhooks
from .urls import is_public_address
from .views import event_body

logger = logging.getLogger("rivya_mock.webhooks")

LONGEST_NAP = 0.05  # seconds the dispatcher sleeps at most without looking (real clock: < 100 ms)
IDLE_NAP = 1.0  # with no active endpoint there is nothing to look for; wake() cuts it short
CONCURRENCY = 64
RESPONSE_BODY_KEPT = 16_384  # bytes of each receiver's answer kept for the control plane
USER_AGENT = "rivya-mock-webhooks"


def _bad_secret(secret: str) -> str:
    """A secret of the same shape that is not the endpoint's: for `bad_signature` faults."""
    raw = bytes(b ^ 0xFF for b in base64.b64decode(secret.removeprefix("whsec_")))
    return "whsec_" + base64.b64encode(raw).decode("ascii")


class Dispatcher:
    """Sends due attempts for the backend found on `holder.backend` (it changes on reset)."""

    def __init__(
        self, holder: Any, transport: Any = None, *, concurrency: int = CONCURRENCY
    ) -> None:
        self._holder = weakref.ref(holder)
        self.transport = transport
        self.concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._drains: set[asyncio.Task[None]] = set()  # `drain` calls waiting on the loop
        self._client: httpx.AsyncClient | None = None  # made on first use (`_async_client`)
        # a sync transport given by the user: each attempt then runs in a worker thread
        self._sync_transport = transport is not None and not isinstance(
            transport, httpx.AsyncBaseTransport
        )
        self._warming: asyncio.Task[None] | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._lock = threading.Lock()

    # -- life ----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Dispatcher:
        with self._lock:
            if self.running:
                return self
            self._stopping = False
            ready = threading.Event()
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._serve, args=(ready,), daemon=True, name="rivya-mock-webhooks"
            )
            self._thread.start()
            ready.wait(5)
            return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop looking; attempts in flight are cancelled (they were not made, or are lost)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            if loop is None or thread is None or not thread.is_alive():
                return
            self._stopping = True
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._poke)
            thread.join(timeout)

    def begin_stop(self) -> None:
        """Stop as `stop` does, without waiting: the server calls it as its shutdown begins, so
        a `drain` (an `advance` request) waiting on a slow receiver returns at once."""
        self.stop(timeout=0)

    def wake(self) -> None:
        """Something may be due (a new endpoint, event or attempt): look now."""
        if not self.running:
            self.start()
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._poke)

    def drain(self) -> None:
        """Make every attempt due now, once, and return when all are made (not on the loop)."""
        backend = self._backend()
        if backend is None or (not backend.webhooks.endpoints and not self.running):
            return
        if threading.current_thread() is self._thread:
            # called from a delivery (an in-process receiver advancing the clock): waiting for
            # the loop we are on would never end, so the due attempts start and we return
            assert self._loop is not None
            self._loop.call_soon(self._launch_due)
            return
        self.start()
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._drain(), self._loop)
        with contextlib.suppress(concurrent.futures.CancelledError):  # the dispatcher stopped
            future.result()

    def use_transport(self, transport: Any) -> None:
        """Deliver through `transport` from now on (restarts the dispatcher if it runs)."""
        running = self.running
        self.stop()
        self.transport = transport
        if running:
            self.start()

    # -- the loop ------------------------------------------------------------------------------

    def _serve(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main(ready))
        finally:
            loop.close()

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _main(self, ready: threading.Event) -> None:
        self._wake = asyncio.Event()
        self._semaphore = asyncio.Semaphore(self.concurrency)
        ready.set()
        try:
            while not self._stopping and self._backend() is not None:
                self._launch_due()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._nap())
                self._wake.clear()
        finally:
            if self._warming is not None:
                self._warming.cancel()
            for task in list(self._tasks) + list(self._drains):
                task.cancel()
            await asyncio.gather(*self._tasks, *self._drains, return_exceptions=True)
            if self._client is not None:
                await self._client.aclose()

    async def _warm_up(self) -> None:
        """Make the client and load httpx's async backend (~140 ms of imports) before the first
        attempt needs them."""
        import anyio
        import httpcore._backends.anyio  # noqa: F401

        self._async_client()
        await anyio.sleep(0)

    def _async_client(self) -> httpx.AsyncClient | None:
        """The client for attempts, made on first use; None for a sync transport."""
        if self._client is None and not self._sync_transport:
            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=16)
            self._client = httpx.AsyncClient(
                transport=self.transport,
                follow_redirects=False,
                trust_env=False,  # never through an environment's proxy: receivers are often local
                limits=limits,
                headers={"user-agent": USER_AGENT},
            )
        return self._client

    def _backend(self) -> Any:
        holder = self._holder()
        return None if holder is None else holder.backend

    def _nap(self) -> float:
        backend = self._backend()
        if backend is None:
            return 0.0
        store: Webhooks = backend.webhooks
        if store.paused or not store.endpoints:
            return IDLE_NAP
        due = store.next_due()
        if due is None:
            return LONGEST_NAP
        return min(max(due - backend.clock.now(), 0.001), LONGEST_NAP)

    def _launch_due(self) -> None:
        backend = self._backend()
        if backend is None or backend.webhooks.paused:
            return
        store: Webhooks = backend.webhooks
        if self._warming is None and store.endpoints:
            # httpx's client and async backend (~140 ms of imports) load when the first endpoint
            # appears, well before its first attempt; loaded at start, they slowed the fake's
            # start-up by ~50 ms (this thread competes for the GIL) for users of no webhooks
            self._warming = asyncio.get_running_loop().create_task(self._warm_up())
        for delivery in store.take_due(backend.clock.now()):
            task = asyncio.get_running_loop().create_task(self._attempt(backend, delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        drain = asyncio.current_task()
        assert drain is not None
        self._drains.add(drain)
        try:
            await self._drain_due()
        finally:
            self._drains.discard(drain)

    async def _drain_due(self) -> None:
        while True:
            if self._stopping:
                return
            self._launch_due()
            if not self._tasks:
                return
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- one attempt ---------------------------------------------------------------------------

    async def _attempt(self, backend: Any, delivery: Delivery) -> None:
        assert self._semaphore is not None
        store: Webhooks = backend.webhooks
        async with self._semaphore:
            try:
                await self._make(backend, store, delivery)
            except Exception as exc:  # a bug must not lose the attempt or kill the loop
                logger.exception("webhook attempt %s failed inside rivya-mock", delivery.id)
                store.finish(delivery, backend.clock.now(), None, f"internal error: {exc!r}"[:200])

    async def _make(self, backend: Any, store: Webhooks, delivery: Delivery) -> None:
        endpoint = store.endpoints.get(delivery.endpoint_id)
        now = backend.clock.now()
        if endpoint is None:
            store.finish(delivery, now, None, "abandoned: the endpoint is gone")
            return
        fault = None if delivery.faulted else store.faults.draw(delivery)
        if fault is not None:
            delivery.faulted = True
            if fault.action == "delay":
                store.postpone(delivery, now + fault.seconds)
                self._poke()
                return
            if fault.action == "hold_back":
                store.hold(delivery)
                return
        timestamp = int(now)
        body = event_body(delivery.event)
        secrets = endpoint.signing_secrets(now)
        if fault is not None and fault.action == "bad_signature":
            secrets = [_bad_secret(s) for s in secrets]
        headers = signed_headers(secrets, delivery.event_id, timestamp, body)
        action = fault.action if fault is not None else None
        url = store.route(endpoint.url)
        refused = None
        if (
            url == endpoint.url
            and self.transport is None
            and store.profile.webhook_urls == "public"
        ):
            # DNS rebinding: a public name that points at this machine or its network
            refused = await _resolves_locally(url)
        status, error = await self._send(
            store, delivery, url, headers, body, now, action, refused=refused
        )
        if action == "duplicate":
            await self._send(store, delivery, url, headers, body, now, "duplicate (copy)")
        store.finish(delivery, now, status, error)
        store.release_held(endpoint.id)
        self._poke()

    async def _send(
        self,
        store: Webhooks,
        delivery: Delivery,
        url: str,
        headers: dict[str, str],
        body: bytes,
        now: float,
        fault: str | None,
        *,
        refused: str | None = None,
    ) -> tuple[int | None, str | None]:
        timeout = store.profile.webhook_timeout_seconds
        started = time.perf_counter()
        response: dict[str, Any] | None = None
        if fault == "receiver_down":
            status, error = None, "connection refused (fault: receiver down)"
        elif refused is not None:
            status, error = None, f"not sent: {refused}"
        else:
            try:
                response = await self._post(url, headers, body, timeout)
                status, error = response["status"], None
                if 300 <= status < 400:
                    error = f"redirect ({status}) not followed"
            except TimeoutError:
                status, error = None, f"timeout: no answer within {timeout:g} s"
            except httpx.ConnectError as exc:
                status, error = None, f"connection failed: {exc}"[:200] or "connection failed"
            except (httpx.HTTPError, OSError) as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"[:200]
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        self._record(store, delivery, url, headers, body, now, fault, response, error, elapsed)
        return status, error

    async def _post(
        self, url: str, headers: dict[str, str], body: bytes, timeout: float
    ) -> dict[str, Any]:
        """The receiver's answer. Its status must come within `timeout` (else TimeoutError); its
        body is kept as far as it arrived by then: a 2xx in time is a success however slowly
        the receiver writes the rest."""
        client = self._async_client()
        if client is None:  # a sync transport given by the user
            sending = asyncio.to_thread(self._post_sync, url, headers, body)
            return await asyncio.wait_for(sending, timeout)
        deadline = asyncio.get_running_loop().time() + timeout
        async with contextlib.AsyncExitStack() as stack:
            async with asyncio.timeout_at(deadline):
                request = client.stream("POST", url, content=body, headers=headers)
                answer = await stack.enter_async_context(request)
            kept = bytearray()
            with contextlib.suppress(TimeoutError, httpx.HTTPError):
                async with asyncio.timeout_at(deadline):
                    async for chunk in answer.aiter_raw():
                        kept += chunk[: RESPONSE_BODY_KEPT - len(kept)]
                        if len(kept) >= RESPONSE_BODY_KEPT:
                            break
            return _answer(answer, bytes(kept))

    def _post_sync(self, url: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        with httpx.Client(
            transport=self.transport,
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": USER_AGENT},
        ) as client:
            answer = client.post(url, content=body, headers=headers)
            return _answer(answer, answer.content[:RESPONSE_BODY_KEPT])

    def _record(
        self,
        store: Webhooks,
        delivery: Delivery,
        url: str,
        headers: dict[str, str],
        body: bytes,
        now: float,
        fault: str | None,
        response: dict[str, Any] | None,
        error: str | None,
        elapsed_ms: float,
    ) -> None:
        """One line in the log and one plain record for the control plane, per request sent."""
        sent = {
            "delivery_id": delivery.id,
            "endpoint_id": delivery.endpoint_id,
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
            "attempt": delivery.attempt,
            "attempted_at": format_timestamp(now),
            "fault": fault,
            "request": {
                "method": "POST",
                "url": url,
                "headers": {"user-agent": USER_AGENT} | headers,
                "body": body.decode("utf-8"),
            },
            "response": response,
            "error": error,
            "duration_ms": elapsed_ms,
        }
        with store.lock:
            store.sends.append(sent)
        outcome = error or f"{response['status'] if response else '?'}"
        logger.info(
            "webhook %s %s attempt %d -> %s: %s (%.0f ms)%s",
            delivery.event_type,
            delivery.event_id,
            delivery.attempt,
            url,
            outcome,
            elapsed_ms,
            f" [fault: {fault}]" if fault else "",
        )


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (a module function, so tests can stand in for DNS)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


async def _resolves_locally(url: str) -> str | None:
    """Why a public endpoint's host must not be sent to, if it resolves to a local address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
        return None  # a literal address was checked when the endpoint was made
    except ValueError:
        pass
    try:
        addresses = await asyncio.to_thread(resolve, host, parts.port or 443)
    except OSError:
        return None  # the connection attempt will report it
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not is_public_address(address):
            return f"host {host} resolves to a non-public address ({address})"
    return None


def _answer(response: httpx.Response, body: bytes) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "body": body.decode("utf-8", errors="replace"),
    }
