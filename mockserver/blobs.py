"""Uploaded bytes, kept in a temporary directory of the fake rather than in memory (spec §15).

An upload streams into a `Spool` (a file in the directory, with its size, SHA-256 and first bytes
counted on the way); a kept upload is renamed after its file id. The directory is made on the
first upload and removed by `close()` (a full reset, the server's exit), or at the latest when
the store is garbage-collected or the interpreter exits.
"""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

HEAD_BYTES = 512  # enough for every signature the sniffer knows


class Spool:
    """An upload's bytes as they arrive: written through, with size, digest and first bytes."""

    def __init__(self, sink: IO[bytes], path: Path | None = None) -> None:
        self._sink = sink
        self.path = path
        self.size = 0
        self.head = b""
        self._digest = hashlib.sha256()

    def write(self, data: bytes | memoryview) -> None:
        self.size += len(data)
        if len(self.head) < HEAD_BYTES:
            self.head += bytes(data[: HEAD_BYTES - len(self.head)])
        self._digest.update(data)
        self._sink.write(data)

    def sha256(self) -> str:
        return self._digest.hexdigest()

    def finish(self) -> None:
        """No more bytes: a file is flushed and closed (its bytes stay until `discard`)."""
        if self.path is not None:
            self._sink.close()

    def read(self) -> bytes:
        """All the bytes (for small files and tests; the fake itself maps or streams them)."""
        if self.path is None:
            assert isinstance(self._sink, io.BytesIO)
            return self._sink.getvalue()
        return self.path.read_bytes()

    @contextmanager
    def mapped(self) -> Iterator[bytes | mmap.mmap]:
        """The bytes without copying them onto the heap (a read-only map of the file)."""
        if self.path is None or self.size == 0:
            yield self.read()
            return
        with (
            open(self.path, "rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view,
        ):
            yield view

    def discard(self) -> None:
        self._sink.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def memory_spool() -> Spool:
    return Spool(io.BytesIO())


class BlobStore:
    """Kept uploads by file id, as files in one temporary directory."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize | None = None

    def _directory(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="rivya-mock-uploads-"))
                self._finalizer = weakref.finalize(self, shutil.rmtree, self._root, True)
            return self._root

    @property
    def root(self) -> Path | None:
        """The directory, once an upload has made it."""
        return self._root

    def spool(self) -> Spool:
        """A new upload in progress, written to a file of the store."""
        descriptor, name = tempfile.mkstemp(dir=self._directory(), prefix="spool-")
        return Spool(open(descriptor, "wb"), Path(name))  # noqa: SIM115 (Spool closes it)

    def keep(self, spool: Spool, file_id: str) -> None:
        """Adopt a finished spool as the bytes of `file_id`."""
        spool.finish()
        target = self._directory() / file_id
        assert spool.path is not None  # spools of this store are files
        try:
            os.replace(spool.path, target)
        except FileNotFoundError:  # its directory went with a full reset meanwhile
            spool.discard()

    def open(self, file_id: str) -> BinaryIO:
        return open(self._directory() / file_id, "rb")

    def delete(self, file_id: str) -> None:
        if self._root is not None:
            (self._root / file_id).unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the directory and everything in it (a later upload makes a new one)."""
        with self._lock:
            finalizer, self._finalizer, self._root = self._finalizer, None, None
        if finalizer is not None:
            finalizer()
