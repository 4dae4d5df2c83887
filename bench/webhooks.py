"""`python -m bench.webhooks`: how late webhook deliveries arrive after their task ends.

A served rivya-mock (real clock) and a receiver on 127.0.0.1 (the standard library's
http.server); each task's lateness is the receiver's arrival time minus the task's `updated_at`.
The goal (spec §14): within 100 ms. Prints the median, p95 and worst of `--tasks` tasks.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mockserver import MockServer


def _receiver() -> tuple[
    ThreadingHTTPServer, list[tuple[float, dict[str, Any]]], threading.Condition
]:
    arrivals: list[tuple[float, dict[str, Any]]] = []
    arrived = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers["content-length"]))
            with arrived:
                arrivals.append((time.time(), json.loads(body)))
                arrived.notify_all()
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, arrivals, arrived


def lateness_ms(tasks: int = 50, processing_seconds: float = 0.2) -> list[float]:
    """Milliseconds between each task's end and its delivery's arrival."""
    server, arrivals, arrived = _receiver()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        # no rate limit: the default (a burst of 30) would refuse creates sent this fast
        fake = MockServer(
            queued_seconds=0, processing_seconds=processing_seconds, rate_limit_per_minute=0
        )
        with fake as mock:
            client = mock.client()
            body = {"name": "bench", "url": url, "event_types": ["generation.succeeded"]}
            client.post("/api/v1/webhooks", json=body).raise_for_status()
            for _ in range(tasks):
                task = {"model": "z-image", "prompt": "bench"}
                client.post("/api/v1/generations", json=task).raise_for_status()
                time.sleep(processing_seconds / 5)  # spread the ends over time
            with arrived:
                arrived.wait_for(lambda: len(arrivals) >= tasks, 30)
    finally:
        server.shutdown()
        server.server_close()
    late = []
    for when, event in arrivals:
        ended = datetime.fromisoformat(event["data"]["updated_at"].replace("Z", "+00:00"))
        late.append((when - ended.timestamp()) * 1000)
    return late


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--tasks", type=int, default=50)
    args = parser.parse_args(argv)
    late = sorted(lateness_ms(args.tasks))
    p95 = late[max(0, round(0.95 * len(late)) - 1)]
    print(
        f"webhook lateness over {len(late)} tasks: median {statistics.median(late):.1f} ms, "
        f"p95 {p95:.1f} ms, worst {late[-1]:.1f} ms (goal: within 100 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
