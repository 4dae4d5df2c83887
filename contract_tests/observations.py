"""What the target did where the docs are silent ([decision] rules): observed, reported, never asserted."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

# Observations that are knobs of the fake's profile (spec §12), so `rivya-mock --profile` can mimic them.
PROFILE_KNOBS = (
    "create_status",
    "file_create_status",
    "insufficient_credits_status",
    "prompt_length_unit",
    "reference_urls",
)


class Observations:
    """Values seen per behaviour; the most frequent one is reported."""

    def __init__(self) -> None:
        self._seen: dict[str, Counter[str]] = {}
        self._lock = threading.Lock()

    def record(self, name: str, value: Any) -> None:
        with self._lock:
            self._seen.setdefault(name, Counter())[json.dumps(value)] += 1

    def value(self, name: str) -> Any:
        counts = self._seen.get(name)
        return json.loads(counts.most_common(1)[0][0]) if counts else None

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                name: {
                    "value": json.loads(c.most_common(1)[0][0]),
                    "seen": {k: n for k, n in c.items()},
                }
                for name, c in sorted(self._seen.items())
            }

    def profile(self) -> dict[str, Any]:
        """The observed knobs in the flat profile format of `mockserver.profile.load_profile_file`."""
        return {name: self.value(name) for name in PROFILE_KNOBS if self.value(name) is not None}

    def write_profile(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.profile(), indent=2, sort_keys=True) + "\n", "utf-8")
