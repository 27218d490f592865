"""One transcode's state while it runs, and its heartbeat."""

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..models import Video
from ..services import video_lease
from .audio_tracks import TrackPlan
from .ladder import Rung
from .packaging import MediaPlaylist
from .probe import Probe
from .publish import RevisionWriter

HEARTBEAT_SECONDS = 2.0


@dataclass
class Job:
    video: Video
    job_token: str
    revision: str
    work: Path
    writer: RevisionWriter
    probe: Probe | None = None
    rungs: list[Rung] = field(default_factory=list)
    frame_rate: float = 0.0
    tracks: list[TrackPlan] = field(default_factory=list)
    # Each audio rendition's playlist as last stored, by stem (layout.audio_stem).
    audio_playlists: dict[str, MediaPlaylist] = field(default_factory=dict)
    # Renditions copied from the published revision (a repackage): their
    # (peak, average) bandwidths as published, by stem; and the rungs' codecs.
    audio_bandwidths: dict[str, tuple[int, int]] = field(default_factory=dict)
    video_codecs: list[str] = field(default_factory=list)
    previewed: bool = False
    preview_counts: tuple = ()  # segments per stream in the last preview written
    last_heartbeat: float = 0.0

    def __post_init__(self) -> None:
        # The job's writer keeps the lease between the files it stores, so
        # storing a long run of files (a chunk's fragments, the playlists of
        # a preview) is no pause the reaper takes for a dead worker.
        self.writer.keep_alive = self.keep_alive

    @property
    def out(self) -> Path:
        """The scratch folder ffmpeg writes the stream into."""
        return self.work / "out"

    def keep_alive(self) -> None:
        """Heartbeat if the last one is ``HEARTBEAT_SECONDS`` old; raises
        LeaseLost once the job is no longer ours."""
        if time.monotonic() - self.last_heartbeat >= HEARTBEAT_SECONDS:
            self.heartbeat()

    def heartbeat(
        self, *, progress: int | None = None, stage: str | None = None
    ) -> None:
        """Keep the lease; raises LeaseLost once the job is no longer ours."""
        self.last_heartbeat = time.monotonic()
        video_lease.video_heartbeat(
            video_id=self.video.pk,
            job_token=self.job_token,
            progress=progress,
            stage=stage,
        )
