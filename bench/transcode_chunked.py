"""Chunked transcoding benchmark: one worker unchunked against two workers chunked.

    .venv/bin/python bench/transcode.py --chunked [--duration 120] [--chunk-seconds 60]
        [--timeline] [--only-chunked]

The source is the synthetic 1080p30 H.264 + AAC of ``bench/transcode.py``, at
--duration seconds. Both runs go through real Celery workers (``celery -A vod
worker --pool solo`` on the transcode queue, the embedded defaults: SQLite,
filesystem broker, local storage) with TRANSCODE_FFMPEG_THREADS=1 and each
worker (its ffmpeg and audio runs included) pinned to a core of its own, so
each worker is one core's worth of encoding:

  unchunked: one worker, TRANSCODE_CHUNK_SECONDS=0: the title is one ffmpeg run.
  chunked:   two workers, TRANSCODE_CHUNK_SECONDS=--chunk-seconds: the job's
             holder and the other worker share the chunks.

The workers are started, given a few seconds to connect, then the source is
attached; wall time runs from the attach to the title being ready, time to
playable to its preview (or revision) being set. CPU seconds are the workers'
and their ffmpeg children's user+sys, read once the workers have exited.
Printed: both runs, the wall-time speedup (target >= 1.7x), the parallel
efficiency (speedup / 2 workers, target >= 0.85) and the CPU ratio (chunked /
unchunked, target <= 1.10). On a shared, busy machine only the CPU figures
say much; the wall figures want two idle cores.

--timeline prints, for the chunked run, when each part (chunk or audio
track) was claimed, by which worker, and finished, with the workers' own log
lines (task received, a chunk's encode and store times, what the job's holder
did between parts): where a worker sat idle. --only-chunked skips the
unchunked run, to iterate on a short source.
"""

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from transcode import LADDER, ROOT, cpu_seconds, make_source, run

WORKER_BOOT_SECONDS = 8


def start_worker(env: dict, core: int, log: Path | None = None) -> subprocess.Popen:
    """A worker and its ffmpeg children on one core, as a fleet packed one
    core per task would run them (``TRANSCODE_FFMPEG_THREADS=1`` alone leaves
    ffmpeg's per-encoder threads free to spread over every core)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "vod", "worker", "--queues",
         "transcode", "--pool", "solo", "--without-gossip", "--without-mingle",
         "--loglevel", "INFO" if log else "WARNING"],
        cwd=ROOT, env=env | ({"LOG_LEVEL": "INFO"} if log else {}),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=open(log, "wb") if log else subprocess.DEVNULL,  # noqa: SIM115
        start_new_session=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {core}),
    )  # fmt: skip


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def one_run(
    env: dict, source: Path, *, workers: int, limit: float, logs: Path | None = None
) -> dict:
    """Transcode ``source`` with ``workers`` workers; wall, playable, CPU seconds.

    With ``logs`` (a folder), the workers log at INFO there and a timeline of
    every part's state and holder, and of the job's stage, is printed."""
    from django.core.files import File

    from catalog import services
    from catalog.models import Video

    cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    cores = sorted(os.sched_getaffinity(0))
    started = [
        start_worker(
            env, cores[k % len(cores)], logs / f"worker-{k}.log" if logs else None
        )
        for k in range(workers)
    ]
    seen: dict = {}
    events: list[tuple[float, str]] = []
    try:
        time.sleep(WORKER_BOOT_SECONDS)
        begin = time.monotonic()
        wall_begin = time.time()
        with open(source, "rb") as handle:
            video = services.video_source_attach(
                video=services.video_create(),
                file=File(handle, name=source.name),
                name=source.name,
            )
        playable = None
        while time.monotonic() - begin < limit:
            current = Video.objects.get(pk=video.pk)
            if playable is None and (current.preview_revision or current.revision):
                playable = time.monotonic() - begin
            if logs is not None:
                watch(current, seen, events, time.monotonic() - begin)
            if current.status in (Video.Status.READY, Video.Status.FAILED):
                break
            time.sleep(0.1)
        wall = time.monotonic() - begin
        if current.status != Video.Status.READY:
            raise SystemExit(f"the title did not end ready: {current.failure_reason}")
    finally:
        stop(started)
    if logs is not None:
        print_timeline(events, logs, wall_begin)
    return {
        "wall": wall,
        "playable": playable or wall,
        "cpu": cpu_seconds(resource.RUSAGE_CHILDREN) - cpu,
    }


def watch(video, seen: dict, events: list, now: float) -> None:
    """Note each change of the job's stage and of each part's state or holder."""
    from catalog.models import VideoChunk

    key = ("job",)
    state = f"{video.status}/{video.stage} preview={bool(video.preview_revision)}"
    if seen.get(key) != state:
        seen[key] = state
        events.append((now, f"job {state}"))
    for part in VideoChunk.objects.filter(video_id=video.pk):
        key = (part.kind, part.index)
        state = f"{part.state} by {part.worker or '-'} (try {part.attempts})"
        if seen.get(key) != state:
            seen[key] = state
            events.append((now, f"{part.kind} {part.index}: {state}"))


LOGGED = ("Task catalog", "chunk_work", "chunked", "chunk_encode", "pipeline")


def print_timeline(events: list, logs: Path, wall_begin: float) -> None:
    """The polled events and the workers' log lines, in time order."""
    import datetime

    lines = list(events)
    for log in sorted(logs.glob("worker-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if not any(word in line for word in LOGGED):
                continue
            try:
                stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            except ValueError:
                continue
            at = stamp.timestamp() - wall_begin  # the workers log local time
            lines.append((at, f"[{log.stem}] {line[24:][:160]}"))
    for at, text in sorted(lines, key=lambda item: item[0]):
        print(f"{at:8.2f}  {text}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunked", action="store_true")
    parser.add_argument("--duration", type=int, default=120)
    parser.add_argument("--chunk-seconds", type=int, default=60)
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="print when each part was claimed, by which worker, and finished",
    )
    parser.add_argument(
        "--only-chunked", action="store_true", help="skip the unchunked run"
    )
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="vod-bench-chunked-"))
    drop = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "FFMPEG_BINARY"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env |= {"VOD_VAR_DIR": str(tmp / "var"), "DJANGO_MEDIA_ROOT": str(tmp / "media")}
    env |= {"TRANSCODE_SCRATCH_DIR": str(tmp / "scratch"), "TRANSCODE_LADDER": LADDER}
    env |= {"CELERY_TASK_ALWAYS_EAGER": "0", "DJANGO_SETTINGS_MODULE": "vod.settings"}
    env |= {"TRANSCODE_FFMPEG_THREADS": "1"}
    try:
        os.environ.clear()
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from catalog.transcoding import ffmpeg

        source = tmp / "source.mp4"
        make_source(ffmpeg.ffmpeg_binary(), source, args.duration)
        run([sys.executable, "manage.py", "migrate", "-v", "0"], env=env, timeout=300)
        limit = 300 + args.duration * 60
        whole = {"wall": float("nan"), "playable": float("nan"), "cpu": float("nan")}
        if not args.only_chunked:
            whole = one_run(
                env | {"TRANSCODE_CHUNK_SECONDS": "0"}, source, workers=1, limit=limit
            )
        logs = None
        if args.timeline:
            logs = tmp / "logs"
            logs.mkdir()
        chunked = one_run(
            env | {"TRANSCODE_CHUNK_SECONDS": str(args.chunk_seconds)},
            source,
            workers=2,
            limit=limit,
            logs=logs,
        )
        print(f"source: {args.duration} s 1080p30; chunks of {args.chunk_seconds} s")
        print(f"{'':<28}{'wall s':>9}{'playable s':>12}{'CPU s':>9}")
        for name, figures in (
            ("unchunked, 1 worker", whole),
            ("chunked, 2 workers", chunked),
        ):
            print(
                f"{name:<28}{figures['wall']:9.2f}{figures['playable']:12.2f}"
                f"{figures['cpu']:9.2f}"
            )
        speedup = whole["wall"] / chunked["wall"]
        print(f"wall-time speedup   {speedup:.2f}x (target >= 1.7x)")
        print(f"parallel efficiency {speedup / 2:.2f} (target >= 0.85)")
        ratio = chunked["cpu"] / max(whole["cpu"], 1e-9)
        print(f"CPU ratio           {ratio:.2f} (target <= 1.10)")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
