"""The cluster test's processes: start, kill and clean up, and wait for them.

``Cluster`` owns every process and folder of the run; ``Addresses`` says where
each part listens once the ports are reserved.
"""

# A test harness like tests/: its own commands.
# ruff: noqa: S603

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PORTS = range(8100, 8200)
CDN_NAMES = ("cdn-a", "cdn-b")


def log(message: str) -> None:
    """One timestamped progress line on stdout."""
    print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Cluster:
    """Every process and folder of the run; ``close()`` ends and removes them."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="vod-cluster-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.pair = None
        self._ports = iter(PORTS)

    def port(self) -> int:
        """The next port in 8100-8199 nothing listens on."""
        for port in self._ports:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) != 0:
                    return port
        raise RuntimeError("no free port left in 8100-8199")

    def start(self, name: str, command: list[str], env=None, cwd=ROOT):
        """Start ``command`` as ``name``, its output in the run's folder."""
        logfile = (self.folder / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own group: a kill takes its children (workers, ffmpeg) too.
            start_new_session=True,
        )
        logfile.close()
        return self.processes[name]

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        """Send ``sig`` to the process group of ``name`` and wait for it."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)

    def logs(self, name: str, tail: int = 3000) -> str:
        """The end of the output of ``name``."""
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def close(self) -> None:
        """End every process (SIGTERM, then SIGKILL) and remove the folder."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if self.pair is not None:
            self.pair.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Addresses:
    """The port of each part of the run, and the URLs the others reach it on."""

    ports: dict[str, int]

    @property
    def lb(self) -> str:
        return f"http://localhost:{self.ports['lb']}"

    @property
    def cdn(self) -> dict[str, str]:
        return {name: f"http://127.0.0.1:{self.ports[name]}" for name in CDN_NAMES}

    @property
    def s3(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def redis(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}"


def wait_until(check, what: str, timeout: float = 60, every: float = 0.3):
    """The first true result of ``check()``; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = check()
            if result:
                return result
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def answers(port: int) -> bool:
    """Whether something accepts connections on ``port``."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
