"""One part of a chunked transcode, as the workers that share it see it."""

from django.db import models

from .videos import Video


class VideoChunk(models.Model):
    """A chunk of a job's video (``transcoding.chunks``): who encodes it, how far.

    Rows belong to one job (its token) and one revision; the job's coordinator
    creates them, any transcode worker claims one, and a chunk whose worker
    stopped reporting is claimed again.
    """

    class Kind(models.TextChoices):
        VIDEO = "video"  # a time range of the video, every rung
        AUDIO = "audio"  # one audio track, the whole length

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="chunks")
    job_token = models.UUIDField()
    revision = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VIDEO)
    index = models.PositiveIntegerField()  # the chunk's, or the track's position
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING
    )
    frames = models.PositiveIntegerField(default=0)  # encoded so far
    total_frames = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    spec = models.JSONField(default=dict)  # what a worker needs to encode it

    class Meta:
        ordering = ["video", "kind", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "job_token", "kind", "index"],
                name="video_chunk_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.video_id} {self.kind} {self.index} ({self.state})"
