"""The sample media files (one of every recognised type, and a spoofed one) for users of the wheel.

A wheel carries them as `mockserver/samples/` (copied from `fixtures/media/` at build time); a
source tree reads `fixtures/media/` itself. `rivya-mock samples DIR` copies them where curl can.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path


def samples_dir() -> Path:
    """`samples/` inside the installed package, or `fixtures/media/` of a source tree."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "samples", package.parent / "fixtures" / "media"):
        if (candidate / "sample.png").is_file():
            return candidate
    raise FileNotFoundError("rivya-mock cannot find its sample media")


def sample_files() -> list[Path]:
    return sorted(p for p in samples_dir().iterdir() if p.is_file())


def copy_samples(parser: argparse.ArgumentParser, directory: str | None) -> int:
    """Copy every sample into `directory` (created if needed) and name each copy."""
    if not directory:
        parser.error("samples: say where to copy them, e.g. `rivya-mock samples ./samples`")
    target = Path(directory)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for source in sample_files():
            shutil.copyfile(source, target / source.name)
            print(target / source.name)
    except OSError as exc:
        parser.exit(1, f"rivya-mock: cannot copy the samples into {target}: {exc.strerror}\n")
    return 0
