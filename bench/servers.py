"""Start a server process pinned to one core, time it to its first good answer, read its memory."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SERVER_CPU = "0"
LOAD_CPU = "1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(cmd: list[str], cpu: str) -> list[str]:
    """Prefix `taskset -c cpu` when the machine has taskset and more than one core."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", cpu, *cmd]
    return cmd


def pinning_available() -> bool:
    return pinned(["x"], SERVER_CPU) != ["x"]


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def answers(port: int, path: str, timeout: float = 0.5) -> bool:
    """True once GET `path` on the port gives a 2xx."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return 200 <= conn.getresponse().status < 300
    except OSError:
        return False
    finally:
        conn.close()


def read_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB (0 when it is gone)."""
    found = {"VmRSS": 0, "VmHWM": 0}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        name, _, value = line.partition(":")
        if name in found:
            found[name] = int(value.split()[0])
    return found


def read_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """One server process on 127.0.0.1:port; `startup_s` is spawn to first 2xx on `probe`."""

    name: str
    cmd: list[str]
    port: int
    probe: str
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    startup_s: float = 0.0
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        fd, log = tempfile.mkstemp(prefix=f"bench-{self.name}-", suffix=".log")
        self.log = Path(log)
        began = time.perf_counter()
        self.process = subprocess.Popen(
            pinned(self.cmd, SERVER_CPU),
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            env=os.environ | self.env,
            start_new_session=True,
        )
        os.close(fd)
        self._wait_ready(began)
        return self

    def _wait_ready(self, began: float) -> None:
        while not answers(self.port, self.probe):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            if time.perf_counter() - began > self.timeout:
                self.stop()
                raise RuntimeError(f"{self.name} did not answer in {self.timeout:.0f} s")
            time.sleep(0.002)
        self.startup_s = time.perf_counter() - began

    def memory_kib(self) -> dict[str, int]:
        """VmRSS/VmHWM summed over the process and its children (Prism's node may fork)."""
        pids = [self.process.pid, *_children(self.process.pid)]
        totals = {"VmRSS": 0, "VmHWM": 0}
        for pid in pids:
            for name, value in read_status(pid).items():
                totals[name] += value
        return totals

    def cpu_seconds(self) -> float:
        """User plus system CPU time used so far by the process and its children."""
        total = 0.0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            total += read_cpu_seconds(pid)
        return total

    def log_tail(self, lines: int = 20) -> str:
        if not self.log or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log:
            self.log.unlink(missing_ok=True)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += [int(child), *_children(int(child))]
    return found
