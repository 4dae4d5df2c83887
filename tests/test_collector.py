"""The served fake's collector policy: only what exists at start-up is frozen (spec §15)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from mockserver.server import FULL_PASS_EVERY

SCRIPT = textwrap.dedent(
    """
    import gc
    from mockserver import create_app, in_process_client
    from mockserver.server import keep_full_collections_short

    app = create_app()
    keep_full_collections_short()
    frozen = gc.get_freeze_count()
    client = in_process_client(app)
    key = {"Authorization": "Bearer rvya_sk_collector_0001"}
    for n in range(300):
        client.post("/api/v1/generations", json={"model": "z-image", "prompt": f"p{n}"}, headers=key)
        client.post("/api/v1/generations", content=b'{"model": ', headers=key)
        gc.collect()
    print(frozen, gc.get_freeze_count(), gc.get_threshold()[2])
    """
)


def test_requests_never_make_the_collector_freeze_more():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after, full_every = map(int, done.stdout.split())
    assert before > 0 and after <= before  # frozen objects may die (by refcount), none join
    assert full_every == FULL_PASS_EVERY  # full passes over every stored task stay rare
