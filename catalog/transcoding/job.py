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

    @property
    def out(self) -> Path:
        """The scratch folder ffmpeg writes the stream into."""
        return self.work / "out"

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
