"""One audio track of a chunked transcode, the whole length, as a part of its own.

Any transcode worker may take it, like a chunk of the video: the track's
ffmpeg runs (``audio.track_runs``: measure, level, check) go as in the
unchunked transcode; its segments are stored under their final names and
what the job's holder needs (each rendition's playlist, MPD and loudness) as
``chunks/audio-<position>.json``, last. ``restore`` gives the holder the
renditions back as if it had encoded them itself.
"""

import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path

from ..models import AddedAudioTrack, Video, VideoChunk
from ..services import video_chunks
from . import audio, ffmpeg, packaging, track_work
from .audio_tracks import TrackPlan
from .audio_work import AudioWork
from .chunk_encode import CHUNKS_FOLDER, replace_file, stored_record
from .errors import SourceRejected
from .job import Job
from .publish import RevisionWriter

HEARTBEAT_SECONDS = 2.0


def record_name(position: int) -> str:
    return f"{CHUNKS_FOLDER}audio-{position:02d}.json"


def audio_spec(
    track: TrackPlan, *, container_format: str, duration: float, timeout: float
) -> dict:
    return {
        "kind": VideoChunk.Kind.AUDIO,
        "index": track.position,
        "total_frames": 0,
        "track": dataclasses.asdict(track),
        "container_format": container_format,
        "duration": duration,
        "timeout": timeout,
    }


def _track(spec: dict) -> TrackPlan:
    fields = spec["track"]
    return TrackPlan(**{**fields, "layouts": tuple(fields["layouts"])})


def _input(spec: dict, track: TrackPlan, source: Path, work: Path):
    if track.added_id is None:
        return audio.AudioInput(source, spec["container_format"], track.stream_index)
    added = AddedAudioTrack.objects.filter(pk=track.added_id).first()
    if added is None:  # removed meanwhile: that change has a job of its own
        raise SourceRejected(f"The added track {track.name} was removed meanwhile.")
    local = work / f"added-{added.position}"
    track_work.fetch(added.file, local, what=f"added audio ({added.name})")
    return audio.AudioInput(
        local, added.container_format, added.stream_index, align_to=spec["duration"]
    )


def encode_track(
    claimed: VideoChunk,
    *,
    video: Video,
    source: Path,
    work: Path,
    tick: Callable[[], None],
) -> dict:
    """Encode and store the claimed track unless it is stored already; its record."""
    last = [time.monotonic()]

    def beat() -> None:
        tick()
        if time.monotonic() - last[0] >= HEARTBEAT_SECONDS:
            last[0] = time.monotonic()
            video_chunks.video_chunk_heartbeat(chunk=claimed, frames=0)

    # Storing the segments keeps the track's lease (and the holder's).
    writer = RevisionWriter(video.revision_prefix(claimed.revision), keep_alive=beat)
    done = stored_record(writer, record_name(claimed.index))
    if done is not None:
        return done
    spec = claimed.spec
    track = _track(spec)
    out = work / f"audio-part-{track.position}"
    runs = AudioWork(
        [
            audio.track_runs(
                ffmpeg.ensure_capable(),
                _input(spec, track, source, work),
                track,
                out=out,
            )
        ],
        home=work,
        timeout=spec["timeout"],
    )
    try:
        runs.finish(tick=beat)
    finally:
        runs.stop()
    renditions = []
    for rendition in runs.renditions:
        folder = rendition.folder
        playlist = packaging.read_media_playlist(folder / audio.MEDIA_PLAYLIST)
        if playlist is None or not playlist.ended or not playlist.init:
            raise SourceRejected("ffmpeg ended without finishing every stream.")
        replace_file(writer, folder / playlist.init, playlist.init)
        for segment in playlist.segments:
            replace_file(writer, folder / segment.name, segment.name)
        renditions.append(
            {
                "stem": rendition.stem,
                "channels": rendition.channels,
                "init": playlist.init,
                "segments": [dataclasses.asdict(s) for s in playlist.segments],
                "mpd": (folder / f"{rendition.stem}.mpd").read_text(),
                "loudness_in": dataclasses.asdict(rendition.loudness_in),
                "loudness_out": dataclasses.asdict(rendition.loudness_out),
            }
        )
    record = {"renditions": renditions}
    local = out / "record.json"
    local.write_text(json.dumps(record))
    replace_file(writer, local, record_name(track.position))
    return record


def restore(job: Job, position: int, record: dict) -> list[audio.AudioRendition]:
    """The track's renditions as the holder's own: playlists, MPDs in scratch."""
    track = next(t for t in job.tracks if t.position == position)
    restored = []
    for part in record["renditions"]:
        stem = part["stem"]
        job.audio_playlists[stem] = packaging.MediaPlaylist(
            init=part["init"],
            segments=[packaging.Segment(**s) for s in part["segments"]],
            ended=True,
        )
        folder = job.out / "audio" / f"{stem}-stored"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{stem}.mpd").write_text(part["mpd"])
        restored.append(
            audio.AudioRendition(
                track=track,
                channels=part["channels"],
                stem=stem,
                folder=folder,
                loudness_in=audio.Loudness(**part["loudness_in"]),
                loudness_out=audio.Loudness(**part["loudness_out"]),
            )
        )
    return restored
