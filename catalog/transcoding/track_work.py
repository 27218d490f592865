"""The audio tracks' side of a job, shared by the full transcode and a repackage.

Which tracks a revision has (the source's, with the editors' overrides, and
the tracks editors added), the per-track ffmpeg runs that encode them, and
what each rendition becomes in the MPD and in the database.
"""

import math
import shutil
from pathlib import Path

from . import audio, layout, packaging
from .audio_tracks import TrackPlan, tracks_for, with_editors
from .audio_work import AudioWork
from .errors import SourceRejected
from .job import Job
from .manifest_format import AUDIO_CODEC
from .publish import STORAGE_ERRORS, storage_failure


def plan_tracks(job: Job, streams) -> list[TrackPlan]:
    """The revision's tracks: the source's ``streams`` as editors corrected
    them, then the tracks they added."""
    video = job.video
    return with_editors(
        tracks_for(streams),
        overrides=list(video.audio_overrides.all()),
        added=list(video.added_audio_tracks.all()),
    )


def fetch(file, target: Path, *, what: str) -> None:
    """Copy a stored file (the ``what`` of the job) to scratch in chunks; S3
    downloads in parallel parts."""
    if not file.name:
        raise SourceRejected(f"There is no {what} file to read.")
    download = getattr(file.storage, "download_to", None)
    try:
        if download is not None:
            download(file.name, target)
        else:
            with (
                file.storage.open(file.name, "rb") as remote,
                open(target, "wb") as local,
            ):
                shutil.copyfileobj(remote, local, length=1024 * 1024)
    except FileNotFoundError as exc:
        raise SourceRejected(f"The {what} file is missing from storage.") from exc
    except STORAGE_ERRORS as exc:
        raise storage_failure(exc, f"Could not read the {what} from storage") from exc


def _input(job: Job, track: TrackPlan, source: Path | None) -> audio.AudioInput:
    if track.added_id is None:
        return audio.AudioInput(source, job.probe.container_format, track.stream_index)
    added = job.video.added_audio_tracks.filter(pk=track.added_id).first()
    if added is None:  # removed meanwhile: that change has a job of its own
        raise SourceRejected(f"The added track {track.name} was removed meanwhile.")
    local = job.work / f"added-{added.position}"
    if not local.exists():
        fetch(added.file, local, what=f"added audio ({added.name})")
    return audio.AudioInput(
        local, added.container_format, added.stream_index, align_to=job.probe.duration
    )


def audio_work(
    job: Job,
    binary: str,
    tracks: list[TrackPlan],
    *,
    source: Path | None,
    timeout: float,
) -> AudioWork:
    """``tracks``' runs, the main track first (a preview waits for it)."""
    ordered = sorted(tracks, key=lambda track: track.role != "main")
    runs = [
        audio.track_runs(binary, _input(job, track, source), track, out=job.out)
        for track in ordered
    ]
    return AudioWork(runs, home=job.work, timeout=timeout)


def adaptation(rendition: audio.AudioRendition) -> packaging.AudioAdaptation:
    track = rendition.track
    return packaging.AudioAdaptation(
        stem=rendition.stem,
        language=track.language,
        role=track.role,
        channels=rendition.channels,
        mpd_xml=(rendition.folder / f"{rendition.stem}.mpd").read_text(),
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def audio_track_row(job: Job, rendition: audio.AudioRendition) -> dict:
    """An AudioTrack row's fields for one rendition encoded by this job."""
    track = rendition.track
    peak, average = job.audio_playlists[rendition.stem].bandwidths()
    playlist = layout.audio_playlist(rendition.stem)
    measured_in, measured_out = rendition.loudness_in, rendition.loudness_out
    return {
        "position": track.position,
        "language": track.language,
        "name": track.name,
        "role": track.role,
        "channels": rendition.channels,
        "codecs": AUDIO_CODEC,
        "bandwidth": peak,
        "average_bandwidth": average,
        "playlist_path": job.writer.path(playlist),
        "loudness_in_lufs": _finite(measured_in.integrated),
        "true_peak_in_dbtp": _finite(measured_in.true_peak),
        "loudness_range_in_lu": _finite(measured_in.lra),
        "loudness_out_lufs": _finite(measured_out.integrated),
        "true_peak_out_dbtp": _finite(measured_out.true_peak),
        "loudness_range_out_lu": _finite(measured_out.lra),
    }
