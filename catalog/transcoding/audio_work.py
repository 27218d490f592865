"""Running the audio tracks' ffmpeg steps one at a time, without blocking.

Each track's steps come from ``audio.track_runs`` (a generator of commands
that is sent each run's stderr). ``advance`` collects the run that ended and
starts the next; the pipeline calls it from the video encode's progress
ticks, so audio overlaps the video on another core with no thread (a
``preexec_fn`` in a threaded parent is not safe), then ``finish`` waits for
what is left.
"""

import subprocess
import time
from collections.abc import Callable, Generator
from pathlib import Path

from . import ffmpeg as ffmpeg_runner
from .audio import AudioRendition
from .errors import SourceRejected, TranscodeError


class AudioWork:
    """Every track's runs, one ffmpeg at a time, advanced without blocking."""

    def __init__(
        self,
        runs: list[Generator[list[str], str, list[AudioRendition]]],
        *,
        home: Path,
        timeout: float,
    ):
        self._runs = list(runs)
        self._home = home
        self._timeout = timeout
        self._current: Generator | None = None
        self._process: subprocess.Popen | None = None
        self._stderr = None
        self._deadline = 0.0
        self.renditions: list[AudioRendition] = []

    @property
    def done(self) -> bool:
        return self._process is None and self._current is None and not self._runs

    def advance(self) -> bool:
        """Collect the run that ended and start the next; True once all are done."""
        while not self.done:
            if self._process is not None:
                if self._process.poll() is None:
                    if time.monotonic() > self._deadline:
                        self.stop()
                        raise TranscodeError(
                            "An audio track took longer than "
                            f"{int(self._timeout)} s to encode and was stopped."
                        )
                    return False
                self._start(self._send(self._collect()))
            elif self._current is None:
                self._current = self._runs.pop(0)
                self._start(self._send(None))
        return True

    def finish(self, *, tick: Callable[[], None] = lambda: None) -> None:
        """Advance until every run has ended, calling ``tick`` between polls."""
        while not self.advance():
            tick()
            time.sleep(0.05)

    def stop(self) -> None:
        """Kill the running ffmpeg, if any (the job failed or was taken away)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _send(self, stderr: str | None) -> list[str] | None:
        try:
            if stderr is None:
                return next(self._current)
            return self._current.send(stderr)
        except StopIteration as finished:
            self.renditions += finished.value
            self._current = None
            return None

    def _start(self, command: list[str] | None) -> None:
        if command is None:
            return
        self._stderr = open(self._home / "ffmpeg-audio-stderr.log", "w+b")  # noqa: SIM115
        self._deadline = time.monotonic() + self._timeout
        self._process = ffmpeg_runner.popen(
            command,
            home=self._home,
            timeout=self._timeout,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
        )

    def _collect(self) -> str:
        returncode = self._process.returncode
        self._process = None
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace")
        self._stderr.close()
        self._stderr = None
        limited = ffmpeg_runner.limit_reason(returncode)
        if limited:
            raise SourceRejected(f"ffmpeg was stopped: {limited}.")
        if returncode != 0:
            lines = [line.strip() for line in text.strip().splitlines()]
            errors = [line for line in lines if "rror" in line] or lines
            detail = errors[0] if errors else f"exit code {returncode}"
            raise SourceRejected(f"ffmpeg could not encode an audio track: {detail}")
        return text
