"""Transcode benchmark: the project's pipeline against two bare-ffmpeg baselines.

    .venv/bin/python bench/transcode.py [--pairs 2] [--duration 30]
    .venv/bin/python bench/transcode.py --chunked [--duration 120]  (transcode_chunked.py)

The source is synthetic 1080p30 H.264 (~8 Mb/s) + AAC, made with the pipeline's
own ffmpeg (imageio-ffmpeg). Every contender encodes the same 4 rungs
(TRANSCODE_LADDER=1080:5000,720:2800,480:1400,360:800, sizes as ladder_for
picks them) with the settings' x264 preset, GOP, bitrates and segment length:

(A) pipeline: catalog.transcoding.pipeline.transcode(), claim to published, on
    local storage, in a fresh subprocess with its own temp VOD_VAR_DIR (migrated
    once). video_create + video_source_attach make the video (the Celery message
    they queue lands in the temp filesystem broker and is ignored). A thread
    polls the row every 50 ms: time-to-playable is when preview_revision (or
    revision) first becomes non-empty. The ffmpeg capability check is warmed
    first, as in a long-lived worker; the pipeline's steps are timed by wrapping
    them (no pipeline code is changed).
(b) bare one pass: exactly the video command the pipeline runs
    (encode.build_command for the same plan: split + scale, dash muxer with HLS
    playlists, storyboard thumbnail branch included; audio is its own step),
    run alone: no fetch, probe, audio, segment copying, preview, poster,
    sprite or playlists.
(a) per rung: one ffmpeg process per rung, one after another (the peers' way):
    each decodes the source and writes one rung plus its own audio as HLS fMP4;
    the figure is the sum of their wall times.

Audio, in the same rounds: (A) again on the same source without audio and
with three audio tracks (two languages and a description, each at its own
level): what the audio step (loudness measurement, encode, check, beside the
video) adds to the wall time of one stereo track (target <= 10 %), and what
three tracks cost over one (target <= 1.2x).

Runs go A, A without audio, A with three tracks, b, a for each of --pairs
rounds; each run, the medians and the
ratios against their targets are printed, for wall time and for CPU seconds
(user+sys of the contender and its ffmpeg children: on a shared, busy machine
the CPU figures say which does more work, the wall figures how long it took).
Everything lives in one temp dir, removed however the run ends.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LADDER = "1080:5000,720:2800,480:1400,360:800"
MARK = "BENCH_RESULT "
PHASES = [  # (module, function, label): the pipeline's steps, timed in the child
    ("pipeline", "_fetch_source", "fetch source"),
    ("pipeline", "probe", "probe"),
    ("ffmpeg", "ensure_capable", "capability check (warm)"),
    ("encode", "run", "ffmpeg encode"),
    ("audio_work", "finish", "audio left after the video"),
    ("stream", "sync_segments", "  of which segment sync"),
    ("stream", "maybe_preview", "  of which preview publish"),
    ("sidecars", "store_storyboard", "storyboard sprite+vtt"),
    ("sidecars", "store_poster", "poster"),
    ("services", "video_revision_publish", "publish (db)"),
]


def flags(text: str) -> list[str]:
    """ffmpeg options written as on a command line (no value contains a space)."""
    return text.split()


def cpu_seconds(*who: int) -> float:
    """User + system CPU time used so far by ``who`` (resource.RUSAGE_*)."""
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, who))


def run(cmd: list[str], *, env=None, timeout: float = 600) -> tuple[float, float, str]:
    """Run ``cmd``, bounded (its process group is killed on any failure).

    Returns (wall seconds, CPU seconds of it and its children, stdout)."""
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    pipe = subprocess.PIPE
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, text=True, start_new_session=True,
        stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if proc.returncode:
        raise SystemExit(
            f"exit {proc.returncode}: {' '.join(cmd)[:300]}\n{err[-2000:]}"
        )
    wall = time.monotonic() - start
    return wall, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu, out


def make_source(ffmpeg: str, path: Path, duration: int, tracks: int = 1) -> None:
    """The synthetic source with ``tracks`` audio tracks (0 to 3): English,
    French, an English description, each a tone at its own level."""
    audio = []
    for index in range(tracks):
        tone = f"aevalsrc={0.5 / (index * 4 + 1)}*sin(2*PI*{440 + 220 * index}*t)"
        audio += ["-f", "lavfi", "-i", f"{tone}:s=48000"]
    maps = ["-map", "0:v", *(a for i in range(tracks) for a in ("-map", f"{i + 1}:a"))]
    tags = []
    for index, language in enumerate(["eng", "fre", "eng"][:tracks]):
        tags += [f"-metadata:s:a:{index}", f"language={language}"]
    if tracks == 3:
        tags += ["-disposition:a:2", "visual_impaired"]
    run(
        [ffmpeg, *flags("-hide_banner -loglevel error -y -f lavfi -i"),
         "testsrc2=size=1920x1080:rate=30", *audio, *maps, "-t", str(duration),
         *flags("-c:v libx264 -preset fast -pix_fmt yuv420p -b:v 8M -maxrate 8M"),
         *flags("-bufsize 16M -c:a aac -b:a 128k -movflags +faststart"), *tags,
         str(path)],
        timeout=60 + duration * 20,
    )  # fmt: skip


def per_rung_commands(ffmpeg: str, plan, out: Path) -> list[list[str]]:
    """Baseline (a): one process per rung, same encoder settings, A+V HLS fMP4."""
    from django.conf import settings

    seg = settings.TRANSCODE_SEGMENT_SECONDS
    gop = max(1, round(plan.frame_rate * seg))
    commands = []
    for rung in plan.rungs:
        folder = out / rung.name
        folder.mkdir(parents=True)
        commands.append(
            [ffmpeg, *flags("-hide_banner -nostdin -loglevel error -y -i"),
             str(plan.source), "-vf", f"fps={plan.frame_rate},format=yuv420p,"
             f"scale={rung.width}:{rung.height}:flags=bicubic,setsar=1",
             *flags(f"-c:v libx264 -preset {settings.TRANSCODE_X264_PRESET} -profile:v high"
             f" -g {gop} -keyint_min {gop} -sc_threshold 0"
             f" -force_key_frames expr:gte(t,n_forced*{seg}) -b:v {rung.video_kbps}k"
             f" -maxrate {rung.maxrate_kbps}k -bufsize {rung.bufsize_kbps}k"
             f" -c:a aac -b:a {settings.TRANSCODE_AUDIO_KBPS}k -ac 2 -ar 48000"
             f" -f hls -hls_time {seg} -hls_playlist_type vod"
             " -hls_segment_type fmp4"),
             "-hls_segment_filename", str(folder / "seg-%05d.m4s"),
             str(folder / "index.m3u8")]
        )  # fmt: skip
    return commands


def child(source: str) -> None:
    """Subprocess side of (A): make the video, run transcode(), report timings."""
    import threading

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.files import File
    from django.db import connection

    from catalog import services
    from catalog.models import Rendition, Video
    from catalog.services import video_lease
    from catalog.transcoding import (
        audio_work,
        encode,
        ffmpeg,
        pipeline,
        sidecars,
        stream,
    )

    phases: dict[str, float] = {}

    def timed(owner, attr: str, label: str) -> None:
        original = getattr(owner, attr)

        def wrapper(*args, **kwargs):
            began = time.monotonic()
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] = phases.get(label, 0.0) + time.monotonic() - began

        setattr(owner, attr, wrapper)

    modules = {
        "pipeline": pipeline,
        "encode": encode,
        "ffmpeg": ffmpeg,
        "stream": stream,
        "sidecars": sidecars,
        "services": video_lease,
        "audio_work": audio_work.AudioWork,
    }
    for owner, attr, label in PHASES:
        timed(modules[owner], attr, label)

    began = time.monotonic()
    ffmpeg.missing_capabilities(ffmpeg.ffmpeg_binary())  # cached, as in a live worker
    cold_check = time.monotonic() - began
    with open(source, "rb") as handle:
        video = services.video_source_attach(
            video=services.video_create(), file=File(handle), name="source.mp4"
        )

    playable: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set() and not playable:
            row = Video.objects.values("preview_revision", "revision").get(pk=video.pk)
            if row["preview_revision"] or row["revision"]:
                playable.append(time.monotonic() - start)
            stop.wait(0.05)
        connection.close()

    both = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    cpu = cpu_seconds(*both)
    start = time.monotonic()
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    total = time.monotonic() - start
    cpu = cpu_seconds(*both) - cpu
    stop.set()
    poller.join(5)
    video.refresh_from_db()
    renditions = Rendition.objects.filter(video=video, revision=video.revision)
    sizes = list(renditions.order_by("-height").values_list("width", "height"))
    result = {"outcome": outcome, "status": video.status, "total": total, "cpu": cpu}
    result |= {"playable": playable[0] if playable else total, "phases": phases}
    result |= {"cold_check": cold_check, "sizes": sizes}
    print(MARK + json.dumps(result), flush=True)


def main() -> None:
    if "--chunked" in sys.argv[1:]:
        import transcode_chunked

        return transcode_chunked.main(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)

    tmp = Path(tempfile.mkdtemp(prefix="vod-bench-transcode-"))
    # The embedded defaults: SQLite, filesystem broker, local storage, pip's ffmpeg.
    drop = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "FFMPEG_BINARY"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env |= {"VOD_VAR_DIR": str(tmp / "var"), "DJANGO_MEDIA_ROOT": str(tmp / "media")}
    env |= {"TRANSCODE_SCRATCH_DIR": str(tmp / "scratch"), "TRANSCODE_LADDER": LADDER}
    env |= {"CELERY_TASK_ALWAYS_EAGER": "0", "DJANGO_SETTINGS_MODULE": "vod.settings"}
    try:
        os.environ.clear()
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        from catalog.transcoding import encode, ffmpeg
        from catalog.transcoding.ladder import ladder_for, output_frame_rate
        from catalog.transcoding.probe import probe

        binary = ffmpeg.ffmpeg_binary()
        source = tmp / "source.mp4"
        made = time.monotonic()
        make_source(binary, source, args.duration)
        made = time.monotonic() - made
        variants = {"no audio": tmp / "silent.mp4", "three tracks": tmp / "three.mp4"}
        make_source(binary, variants["no audio"], args.duration, tracks=0)
        make_source(binary, variants["three tracks"], args.duration, tracks=3)
        info = probe(str(source))
        rungs = ladder_for(info)
        run([sys.executable, "manage.py", "migrate", "-v", "0"], env=env, timeout=300)
        limit = 120 + info.duration * 30
        storyboard = encode.storyboard_for(
            info.duration, rungs[0].width, rungs[0].height
        )

        def plan_in(out: Path) -> encode.EncodePlan:
            return encode.EncodePlan(
                source=source, container_format=info.container_format,
                output_dir=out, rungs=rungs,
                frame_rate=output_frame_rate(info), duration=info.duration,
                storyboard=storyboard,
            )  # fmt: skip

        print(
            f"source: {info.duration:.1f} s {info.width}x{info.height} "
            f"@{info.frame_rate} fps {info.video_codec}+{info.audio_codec}, "
            f"{source.stat().st_size / 1e6:.1f} MB (made in {made:.1f} s)\nladder: "
            + ", ".join(f"{r.width}x{r.height}@{r.video_kbps}k" for r in rungs)
            + f"; x264 {settings.TRANSCODE_X264_PRESET}, "
            f"{settings.TRANSCODE_SEGMENT_SECONDS} s segments/GOP, audio "
            f"{settings.TRANSCODE_AUDIO_KBPS}k; {os.cpu_count()} cores",
            flush=True,
        )
        contenders = ["pipeline (A)", "bare one pass (b)", "per rung (a)"]
        contenders += [f"A, {name}" for name in variants]
        wall: dict[str, list[float]] = {
            n: [] for n in [*contenders, "time to playable"]
        }
        cpu: dict[str, list[float]] = {name: [] for name in contenders}
        reports = []
        expected = [[r.width, r.height] for r in rungs]

        def pipeline_run(path: Path) -> dict:
            command = [sys.executable, __file__, "--child", str(path)]
            out = run(command, env=env, timeout=limit)[2].splitlines()
            report = json.loads([x for x in out if x.startswith(MARK)][-1][len(MARK) :])
            if report["status"] != "ready" or report["sizes"] != expected:
                raise SystemExit(f"the pipeline run did not end as expected: {report}")
            return report

        for i in range(args.pairs):
            report = pipeline_run(source)
            reports.append(report)
            wall["pipeline (A)"].append(report["total"])
            wall["time to playable"].append(report["playable"])
            cpu["pipeline (A)"].append(report["cpu"])
            for name, path in variants.items():
                other = pipeline_run(path)
                wall[f"A, {name}"].append(other["total"])
                cpu[f"A, {name}"].append(other["cpu"])

            out_dir = tmp / f"bare-{i}"
            out_dir.mkdir()
            seconds, cpu_used, _ = run(
                encode.build_command(binary, plan_in(out_dir)), timeout=limit
            )
            wall["bare one pass (b)"].append(seconds)
            cpu["bare one pass (b)"].append(cpu_used)
            assert (out_dir / encode.MPD_NAME).exists()
            shutil.rmtree(out_dir)

            out_dir = tmp / f"rungs-{i}"
            commands = per_rung_commands(binary, plan_in(out_dir), out_dir)
            runs = [run(command, timeout=limit) for command in commands]
            wall["per rung (a)"].append(sum(r[0] for r in runs))
            cpu["per rung (a)"].append(sum(r[1] for r in runs))
            assert all((out_dir / r.name / "index.m3u8").exists() for r in rungs)
            shutil.rmtree(out_dir)
            print(
                f"round {i + 1}: "
                + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in wall.items())
                + f"; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        report_figures(wall, cpu, reports, info.duration)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report_figures(wall, cpu, reports, duration: float) -> None:
    for title, figures in [("wall s", wall), ("CPU s (user+sys)", cpu)]:
        med = {name: statistics.median(values) for name, values in figures.items()}
        runs = "".join(f"{'run ' + str(i + 1):>9}" for i in range(len(reports)))
        print(f"\n{title:<20}{runs}{'median':>9}")
        for name, values in figures.items():
            row = "".join(f"{t:9.2f}" for t in values)
            print(f"{name:<20}{row}{med[name]:9.2f}")
        print()
        ours, per_rung, bare = (
            med[n] for n in ("pipeline (A)", "per rung (a)", "bare one pass (b)")
        )
        checks = [("pipeline / per rung (a)", ours / per_rung, 0.85)]
        checks += [("pipeline / bare (b)", ours / bare, 1.15)]
        silent, three = med["A, no audio"], med["A, three tracks"]
        checks += [("audio share: A / no audio - 1", ours / silent - 1, 0.10)]
        checks += [("three tracks / one track", three / ours, 1.2)]
        if "time to playable" in med:
            checks += [("playable / duration", med["time to playable"] / duration, 0.2)]
        for name, value, target in checks:
            verdict = "ok" if value <= target else "MISSED"
            print(f"  {name:<26}{value:6.2f}   target <= {target:<5} {verdict}")
    print("\npipeline phases, median s (sync and preview run inside the encode):")
    for _, _, label in PHASES:
        seconds = statistics.median(r["phases"].get(label, 0) for r in reports)
        print(f"  {label:<32}{seconds:7.2f}")
    rest = statistics.median(
        r["total"] - sum(v for k, v in r["phases"].items() if not k.startswith(" "))
        for r in reports
    )
    cold = statistics.median(r["cold_check"] for r in reports)
    print(f"  {'other (claim, playlists, MPD)':<32}{rest:7.2f}")
    print(f"  (a cold worker's first capability check: {cold:.2f} s, not counted)")


if __name__ == "__main__":
    main()
