"""One chunk of the video: its frames through every rung, into the revision.

The chunk is decoded from its first frame with accurate seeking (ffmpeg drops
what comes before, after decoding from the keyframe ahead of it) and exactly
its frame count is encoded, with the same filters, keyframe cadence and
muxer as the unchunked encode (``encode``). Its segments are moved onto the
title's timeline (``fmp4.shift_fragment``) and stored under their final
names; what the stitch needs is stored last, as ``chunks/<index>.json``: a
chunk whose record is stored is done, and a second run of it stores nothing.
"""

import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from django.conf import settings

from . import encode, fmp4, packaging
from . import ffmpeg as ffmpeg_runner
from .chunks import Chunk, exact_rate
from .errors import SourceRejected, TranscodeError
from .layout import INIT_NAME, SEGMENT_NAME
from .publish import STORAGE_ERRORS, RevisionWriter, storage_failure

CHUNKS_FOLDER = "chunks/"
THUMBNAILS_FOLDER = CHUNKS_FOLDER + "thumbs/"
logger = logging.getLogger(__name__)
_TIMELINE = re.compile(r"<SegmentTimeline>(.*?)</SegmentTimeline>", re.S)
_S = re.compile(r'<S\s+(?:t="(\d+)"\s+)?d="(\d+)"(?:\s+r="(-?\d+)")?\s*/>')


def record_name(index: int) -> str:
    return f"{CHUNKS_FOLDER}{index:05d}.json"


def init_name(representation: int) -> str:
    return INIT_NAME.replace("$RepresentationID$", str(representation))


def segment_name(representation: int, number: int) -> str:
    return SEGMENT_NAME.replace("$RepresentationID$", str(representation)).replace(
        "$Number%05d$", f"{number:05d}"
    )


def stored_record(writer: RevisionWriter, record: str) -> dict | None:
    """The record stored as ``record`` if its part is done; None if not (yet)."""
    name = writer.path(record)
    try:
        if not writer.storage.exists(name):
            return None
        with writer.storage.open(name, "rb") as handle:
            return json.loads(handle.read().decode())
    except STORAGE_ERRORS as exc:
        raise storage_failure(exc, f"Could not read {name}") from exc


def build_command(
    ffmpeg: str, plan: encode.EncodePlan, chunk: Chunk, out: Path
) -> list[str]:
    """The chunk's ffmpeg command: its frames, every rung, its thumbnails."""
    rate = exact_rate(plan.frame_rate)
    start = Fraction(chunk.start_frame) / rate
    # Half a frame early, so the chunk's first frame is not lost to rounding;
    # setpts then puts the chunk's start (not its first frame: a variable
    # rate source may have none there) at zero, on the output's frame grid,
    # and fps starts there too, repeating the first frame over any gap.
    seek = max(Fraction(0), start - 1 / (2 * rate))
    shift = float(start - seek)
    graph = encode.rung_graph(plan, extra="sb")
    fps = f"fps={plan.frame_rate},"
    if not graph[0].startswith(f"[0:v:0]{fps}"):
        raise TranscodeError("The encode's filter graph is not the one chunks expect.")
    graph[0] = graph[0].replace(
        f"[0:v:0]{fps}",
        f"[0:v:0]setpts=PTS-{shift:.6f}/TB,fps={plan.frame_rate}:start_time=0,",
        1,
    )
    board = plan.storyboard
    step = max(1, round(board.interval * rate))
    first_thumb = -(-chunk.start_frame // step)  # ceil
    graph.append(
        f"[sb]select='not(mod(n+{chunk.start_frame % step}\\,{step}))',"
        f"scale={board.tile_width}:{board.tile_height},setsar=1[board]"
    )
    input_args = ffmpeg_runner.ffmpeg_input_args(plan.container_format, plan.source)
    command = [
        ffmpeg,
        *("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"),
        *("-progress", "pipe:1"),
        *(["-ss", f"{float(seek):.6f}"] if seek else []),
        *encode.input_thread_args(),
        *input_args,
        *("-filter_complex", ";".join(graph)),
    ]
    for i in range(len(plan.rungs)):
        command += ["-map", f"[v{i}]"]
    if chunk.frames is not None:
        command += ["-frames:v", str(chunk.frames)]
    command += encode.video_codec_args(plan)
    command += encode.dash_args(settings.TRANSCODE_SEGMENT_SECONDS)
    command += [str(out / encode.MPD_NAME), "-map", "[board]", "-q:v", "4"]
    if chunk.frames is not None:
        command += ["-frames:v", str(-(-chunk.frames // step))]
    command += ["-start_number", str(first_thumb + 1)]
    return [*command, str(out / encode.THUMBNAIL_PATTERN)]


def encode_chunk(
    binary: str,
    plan: encode.EncodePlan,
    chunk: Chunk,
    *,
    work: Path,
    writer: RevisionWriter,
    on_progress: Callable[[float], None],
    timeout: float,
) -> dict:
    """Encode and store ``chunk`` unless it is done already; its record."""
    done = stored_record(writer, record_name(chunk.index))
    if done is not None:
        return done
    out = work / f"chunk-{chunk.index:05d}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    chunk_plan = replace(plan, output_dir=out)
    began = time.monotonic()
    encode.run_command(
        build_command(binary, chunk_plan, chunk, out),
        chunk_plan,
        on_progress=on_progress,
        timeout=timeout,
    )
    encoded = time.monotonic()
    record = _store(chunk_plan, chunk, out, writer)
    shutil.rmtree(out, ignore_errors=True)
    logger.info(
        "chunk %d of %s: encoded in %.1f s, stored in %.1f s",
        chunk.index,
        writer.prefix,
        encoded - began,
        time.monotonic() - encoded,
    )
    return record


def _timelines(mpd: str) -> list[list[int]]:
    """Each representation's segment durations, in its timescale, from ffmpeg's MPD."""
    found = []
    for timeline in _TIMELINE.findall(mpd):
        durations: list[int] = []
        for _t, duration, repeat in _S.findall(timeline):
            durations += [int(duration)] * (int(repeat or 0) + 1)
        found.append(durations)
    return found


def _store(plan: encode.EncodePlan, chunk: Chunk, out: Path, writer) -> dict:
    mpd = (out / encode.MPD_NAME).read_text()
    timelines = _timelines(mpd)
    rate = exact_rate(plan.frame_rate)
    rungs = []
    for index in range(plan.stream_count):
        playlist = packaging.read_media_playlist(out / f"media_{index}.m3u8")
        if playlist is None or not playlist.ended or not playlist.segments:
            raise SourceRejected("ffmpeg ended a chunk without finishing every rung.")
        if chunk.segments is not None and len(playlist.segments) != chunk.segments:
            raise TranscodeError(
                f"Chunk {chunk.index} made {len(playlist.segments)} segments "
                f"instead of {chunk.segments}."
            )
        if len(timelines) <= index or len(timelines[index]) != len(playlist.segments):
            raise TranscodeError(f"Chunk {chunk.index}'s manifest disagrees.")
        init = (out / init_name(index)).read_bytes()
        scale = fmp4.timescale(init)
        offset = Fraction(chunk.start_frame) / rate * scale
        if offset.denominator != 1:
            raise TranscodeError(
                f"The frame rate {plan.frame_rate} does not fit the timescale {scale}."
            )
        segments = []
        for position, segment in enumerate(playlist.segments):
            number = chunk.first_segment + position
            name = segment_name(index, number)
            shifted = out / f"shifted-{name}"
            shifted.write_bytes(
                fmp4.shift_fragment(
                    (out / segment.name).read_bytes(), int(offset), number
                )
            )
            replace_file(writer, shifted, name)
            segments.append(
                {
                    "name": name,
                    "duration": segment.duration,
                    "size": segment.size,
                    "ticks": timelines[index][position],
                }
            )
        if chunk.index == 0:
            replace_file(writer, out / init_name(index), init_name(index))
        rungs.append(
            {
                "init_sha256": hashlib.sha256(init).hexdigest(),
                "timescale": scale,
                "start": int(offset),
                "segments": segments,
            }
        )
    for thumbnail in sorted(out.glob("thumb-*.jpg")):
        replace_file(writer, thumbnail, THUMBNAILS_FOLDER + thumbnail.name)
    record = {
        "chunk": chunk.as_dict(),
        "rungs": rungs,
        "codecs": packaging.codecs_from_ffmpeg_master(out / "master.m3u8"),
        "mpd": mpd if chunk.index == 0 else "",
    }
    local = out / "record.json"
    local.write_text(json.dumps(record))
    replace_file(writer, local, record_name(chunk.index))
    return record


def replace_file(writer: RevisionWriter, local: Path, name: str) -> None:
    """Store ``local`` as ``name``, over what a run that died may have left."""
    try:
        if writer.storage.exists(writer.path(name)):
            writer.storage.delete(writer.path(name))
    except STORAGE_ERRORS as exc:
        raise storage_failure(exc, f"Could not replace {writer.path(name)}") from exc
    writer.stored.discard(name)
    writer.put_file(local, name)
