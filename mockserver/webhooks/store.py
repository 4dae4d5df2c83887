"""The webhook state of one backend: endpoints, events and attempts, named after the API's operations.

Events are computed from the clock like everything else: a task that has become terminal by now
is turned into its event (and its first attempts) the next time anything looks — the dispatcher
on its tick, a request that lists events, a change to an endpoint. No HTTP here.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..clock import Clock
from ..control_input import invalid
from ..errors import NotFound
from ..generations import Task
from ..profile import Profile
from .endpoints import (
    ACTIVE,
    DISABLED,
    FAILED,
    REVOKED,
    SUCCEEDED,
    TEST_EVENT,
    Delivery,
    Endpoint,
    Event,
    IdMaker,
)
from .faults import WebhookFaults
from .limits import check_room_for_active, room_in_flight

MAX_KEPT_REVOKED = 100  # revoked endpoints stay listed; beyond this many, the oldest are forgotten
MAX_EVENTS = 10_000  # per account, newest kept
MAX_ATTEMPTS_KEPT = 1_000  # per endpoint, newest kept (pending attempts are never dropped)
MAX_SENDS_KEPT = 1_000  # requests sent, with their responses, for the control plane


def _not_found(endpoint_id: str) -> NotFound:
    return NotFound(
        f"No webhook endpoint {endpoint_id!r} for this account.", rule="endpoint_not_found"
    )


class Webhooks:
    def __init__(self, profile: Profile, clock: Clock, seed: int, seeded: bool = True) -> None:
        self.profile = profile
        self.clock = clock
        self.ids = IdMaker(seed, seeded)
        self.endpoints: dict[str, Endpoint] = {}
        self.events: dict[str, deque[Event]] = {}
        self.attempts: dict[str, deque[Delivery]] = {}
        self.pending: dict[str, Delivery] = {}
        self.open_tasks: dict[str, dict[str, Task]] = {}
        # control plane: misbehaviour, a pause switch and every request sent (plain data)
        self.faults = WebhookFaults(seed)
        self.paused = False
        self.sends: deque[dict[str, Any]] = deque(maxlen=MAX_SENDS_KEPT)
        # control plane: deliveries to these hosts go to another base URL (like /etc/hosts)
        self.aliases: dict[str, str] = {}
        self._seq = itertools.count()
        self.lock = threading.RLock()

    # -- hooks from the backend ----------------------------------------------------------------

    def watch(self, task: Task) -> None:
        """A new task: it becomes an event once terminal."""
        with self.lock:
            self.open_tasks.setdefault(task.account_id, {})[task.id] = task

    def forget_account(self, account_id: str) -> None:
        with self.lock:
            self.open_tasks.pop(account_id, None)
            self.events.pop(account_id, None)
            for endpoint in self._endpoints_of(account_id):
                del self.endpoints[endpoint.id]
                self.attempts.pop(endpoint.id, None)
            self.pending = {
                k: d for k, d in self.pending.items() if d.endpoint_id in self.endpoints
            }

    # -- operations ----------------------------------------------------------------------------

    def create_endpoint(
        self, account_id: str, name: str, url: str, event_types: Iterable[str]
    ) -> Endpoint:
        with self.lock:
            now = self.clock.now()
            self._settle_account(account_id, now)
            check_room_for_active(self._endpoints_of(account_id), "body")
            endpoint = Endpoint(
                self.ids.new_id("whend"),
                account_id,
                name,
                url,
                tuple(event_types),
                self.ids.new_secret(),
                now,
                now,
            )
            self.endpoints[endpoint.id] = endpoint
            self.attempts[endpoint.id] = deque(maxlen=MAX_ATTEMPTS_KEPT)
            self._forget_old_revoked(account_id)
            return endpoint

    def list_endpoints(self, account_id: str) -> list[Endpoint]:
        with self.lock:
            # newest first; endpoints made at the same instant (manual clock): the last made first
            made = reversed(self._endpoints_of(account_id))  # dict order is creation order
            return sorted(made, key=lambda e: -e.created_at)

    def get_endpoint(self, account_id: str, endpoint_id: str) -> Endpoint:
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None or endpoint.account_id != account_id:
            raise _not_found(endpoint_id)
        return endpoint

    def update_endpoint(
        self,
        account_id: str,
        endpoint_id: str,
        *,
        name: str | None = None,
        url: str | None = None,
        event_types: Iterable[str] | None = None,
        status: str | None = None,
    ) -> Endpoint:
        with self.lock:
            endpoint = self._live(account_id, endpoint_id)
            now = self.clock.now()
            self._settle_account(account_id, now)  # events up to now follow the old settings
            if status == ACTIVE and endpoint.status == DISABLED:
                check_room_for_active(self._endpoints_of(account_id), "status")
            if name is not None:
                endpoint.name = name
            if url is not None:
                endpoint.url = url
            if event_types is not None:
                endpoint.event_types = tuple(event_types)
            if status == ACTIVE and endpoint.status == DISABLED:
                endpoint.status, endpoint.disabled_at, endpoint.failure_count = ACTIVE, None, 0
            elif status == DISABLED and endpoint.status == ACTIVE:
                self._disable(endpoint, now)
            endpoint.updated_at = now
            return endpoint

    def revoke_endpoint(self, account_id: str, endpoint_id: str) -> Endpoint:
        with self.lock:
            endpoint = self._live(account_id, endpoint_id)
            now = self.clock.now()
            self._settle_account(account_id, now)
            endpoint.status, endpoint.revoked_at, endpoint.updated_at = REVOKED, now, now
            self._abandon_pending(endpoint, "abandoned: the endpoint was revoked")
            return endpoint

    def rotate_secret(self, account_id: str, endpoint_id: str) -> Endpoint:
        with self.lock:
            endpoint = self._live(account_id, endpoint_id)
            now = self.clock.now()
            endpoint.previous_secret, endpoint.secret = endpoint.secret, self.ids.new_secret()
            endpoint.rotated_at = endpoint.updated_at = now
            return endpoint

    def list_deliveries(self, account_id: str, endpoint_id: str) -> list[Delivery]:
        with self.lock:
            self._settle_account(account_id, self.clock.now())
            endpoint = self.get_endpoint(account_id, endpoint_id)
            return list(reversed(self.attempts.get(endpoint.id, ())))

    def send_test_event(self, account_id: str, endpoint_id: str) -> Event:
        """A `webhook.test` event for this endpoint only, due at once (even if disabled). A failed
        attempt is retried like any event's, while the endpoint is active (`finish` checks)."""
        with self.lock:
            endpoint = self._live(account_id, endpoint_id)
            now = self.clock.now()
            self._settle_account(account_id, now)  # tasks that ended before are older events
            event = Event(
                self.ids.new_id("evt"), account_id, TEST_EVENT, now, endpoint_id=endpoint.id
            )
            self._add_event(event)
            self._schedule(endpoint, event, 1, now)
            return event

    def list_events(self, account_id: str) -> list[Event]:
        with self.lock:
            self._settle_account(account_id, self.clock.now())
            return list(reversed(self.events.get(account_id, ())))

    # -- what the dispatcher asks --------------------------------------------------------------

    def settle(self, now: float) -> None:
        """Turn every task terminal by `now` into its event, for accounts that have endpoints."""
        with self.lock:
            for account_id in {e.account_id for e in self.endpoints.values() if e.status == ACTIVE}:
                self._settle_account(account_id, now)

    def take_due(self, now: float) -> list[Delivery]:
        """Every attempt due by `now` that is not held or already being made, marked in flight,
        except those beyond their endpoint's room (they stay due for a later wake)."""
        with self.lock:
            self.settle(now)
            due = [
                d
                for d in self.pending.values()
                if d.due_at <= now and not d.in_flight and not d.held
            ]
            due.sort(key=lambda d: (d.due_at, d.seq))
            room = self._room_in_flight()
            taken = []
            for delivery in due:
                left = room.get(delivery.endpoint_id)
                if left is not None:
                    if left <= 0:
                        continue
                    room[delivery.endpoint_id] = left - 1
                delivery.in_flight = True
                taken.append(delivery)
            return taken

    def next_due(self) -> float | None:
        """The earliest time something may become due: an attempt, or a task's end. An attempt
        waiting for room counts only once there is room (a finished attempt wakes the loop)."""
        with self.lock:
            room = self._room_in_flight()
            times = [
                d.due_at
                for d in self.pending.values()
                if not d.in_flight and not d.held and room.get(d.endpoint_id, 1) > 0
            ]
            subscribed = {e.account_id for e in self.endpoints.values() if e.status == ACTIVE}
            for account_id in subscribed:
                for task in self.open_tasks.get(account_id, {}).values():
                    done = task.finished_at()
                    if done is not None:
                        times.append(done)
            return min(times) if times else None

    def finish(
        self, delivery: Delivery, now: float, response_status: int | None, error: str | None
    ) -> None:
        """Record an attempt's outcome: counters, retry or abandon, auto-disable."""
        with self.lock:
            self.pending.pop(delivery.id, None)
            delivery.in_flight = False
            delivery.response_status, delivery.error = response_status, error
            delivery.next_attempt_at = None
            endpoint = self.endpoints.get(delivery.endpoint_id)
            ok = error is None and response_status is not None and 200 <= response_status < 300
            delivery.status = SUCCEEDED if ok else FAILED
            if endpoint is None:
                return
            if ok:
                endpoint.failure_count, endpoint.last_success_at = 0, now
                return
            endpoint.failure_count += 1
            endpoint.last_failure_at = now
            if (
                endpoint.status == ACTIVE
                and endpoint.failure_count >= self.profile.webhook_disable_after_failures
            ):
                self._disable(endpoint, now)
                return
            delays = self.profile.webhook_retry_delays
            if delivery.retries and endpoint.status == ACTIVE and delivery.attempt <= len(delays):
                due = now + delays[delivery.attempt - 1]
                delivery.next_attempt_at = due
                self._schedule(endpoint, delivery.event, delivery.attempt + 1, due, now=now)

    def postpone(self, delivery: Delivery, due: float) -> None:
        with self.lock:
            delivery.in_flight = False
            delivery.due_at = delivery.next_attempt_at = due

    def hold(self, delivery: Delivery) -> None:
        with self.lock:
            delivery.in_flight, delivery.held = False, True

    def redeliver(self, delivery: Delivery) -> Delivery:
        """A new attempt of the same event to the same endpoint, due now (control plane)."""
        with self.lock:
            endpoint = self.endpoints[delivery.endpoint_id]
            if endpoint.status == REVOKED:  # §14: a revoked endpoint gets no deliveries
                raise invalid(
                    f"delivery {delivery.id!r}: its endpoint {endpoint.id!r} is revoked "
                    "and gets no deliveries"
                )
            attempts = [d for d in self.attempts[endpoint.id] if d.event is delivery.event]
            number = max((d.attempt for d in attempts), default=0) + 1
            now = self.clock.now()
            return self._schedule(endpoint, delivery.event, number, now, retries=False)

    def find_delivery(self, delivery_id: str) -> Delivery | None:
        with self.lock:
            for attempts in self.attempts.values():
                for delivery in attempts:
                    if delivery.id == delivery_id:
                        return delivery
            return None

    def route(self, url: str) -> str:
        """Where a delivery to `url` is sent: the endpoint's URL, or its host's alias."""
        parts = urlsplit(url)
        to = self.aliases.get((parts.hostname or "").lower())
        if to is None:
            return url
        base = urlsplit(to)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    def release_held(self, endpoint_id: str | None = None) -> None:
        """Let held attempts go (after another attempt to their endpoint, or on request)."""
        with self.lock:
            for delivery in self.pending.values():
                if delivery.held and endpoint_id in (None, delivery.endpoint_id):
                    delivery.held = False

    # -- internals -----------------------------------------------------------------------------

    def _endpoints_of(self, account_id: str) -> list[Endpoint]:
        return [e for e in self.endpoints.values() if e.account_id == account_id]

    def _room_in_flight(self) -> dict[str, int]:
        limit = self.profile.webhook_disable_after_failures
        return room_in_flight(self.endpoints.values(), self.pending.values(), limit)

    def _live(self, account_id: str, endpoint_id: str) -> Endpoint:
        """An endpoint that may still be changed: revoked ones answer only GET."""
        endpoint = self.get_endpoint(account_id, endpoint_id)
        if endpoint.status == REVOKED:
            raise NotFound(f"Webhook endpoint {endpoint_id!r} is revoked.", rule="endpoint_revoked")
        return endpoint

    def _settle_account(self, account_id: str, now: float) -> None:
        tasks = self.open_tasks.get(account_id)
        if not tasks:
            return
        done = [(t.finished_at(), t) for t in tasks.values()]
        ready = sorted(
            ((when, task) for when, task in done if when is not None and when <= now),
            key=lambda pair: pair[0],
        )
        for when, task in ready:
            del tasks[task.id]
            event_type = f"generation.{task.status_at(now)}"
            event = Event(self.ids.new_id("evt"), account_id, event_type, when, task=task)
            self._add_event(event)
            for endpoint in self._endpoints_of(account_id):
                if endpoint.subscribed(event_type):
                    self._schedule(endpoint, event, 1, when, now=now)

    def _add_event(self, event: Event) -> None:
        self.events.setdefault(event.account_id, deque(maxlen=MAX_EVENTS)).append(event)

    def _schedule(
        self,
        endpoint: Endpoint,
        event: Event,
        attempt: int,
        due: float,
        *,
        now: float | None = None,
        retries: bool = True,
    ) -> Delivery:
        created = self.clock.now() if now is None else now
        delivery = Delivery(
            self.ids.new_id("whdel"),
            endpoint.id,
            event,
            attempt,
            created_at=created,
            due_at=due,
            next_attempt_at=due,
            retries=retries,
            seq=next(self._seq),
        )
        self.attempts.setdefault(endpoint.id, deque(maxlen=MAX_ATTEMPTS_KEPT)).append(delivery)
        self.pending[delivery.id] = delivery
        return delivery

    def _disable(self, endpoint: Endpoint, now: float) -> None:
        endpoint.status, endpoint.disabled_at, endpoint.updated_at = DISABLED, now, now
        self._abandon_pending(endpoint, "abandoned: the endpoint was disabled")

    def _abandon_pending(self, endpoint: Endpoint, reason: str) -> None:
        abandoned = set()
        for delivery in list(self.pending.values()):
            if delivery.endpoint_id == endpoint.id and not delivery.in_flight:
                del self.pending[delivery.id]
                delivery.status, delivery.error, delivery.next_attempt_at = FAILED, reason, None
                abandoned.add((delivery.event_id, delivery.attempt - 1))
        for earlier in self.attempts.get(endpoint.id, ()):  # they no longer promise a retry
            if (earlier.event_id, earlier.attempt) in abandoned:
                earlier.next_attempt_at = None

    def _forget_old_revoked(self, account_id: str) -> None:
        revoked = [e for e in self._endpoints_of(account_id) if e.status == REVOKED]
        for endpoint in sorted(revoked, key=lambda e: e.created_at)[:-MAX_KEPT_REVOKED]:
            del self.endpoints[endpoint.id]
            self.attempts.pop(endpoint.id, None)


__all__ = ["Webhooks"]
