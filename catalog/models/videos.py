import uuid

from django.core.validators import MaxValueValidator
from django.db import models


def video_source_path(video: "Video", filename: str) -> str:
    return f"sources/{video.uuid}/{filename}"


class Video(models.Model):
    """A video asset: its source, and the stream published from it.

    The transcoding pipeline writes each run under ``videos/<uuid>/<revision>/``
    and switches ``revision`` (with the manifest paths) in one update once every
    file of that revision is stored.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    stage = models.CharField(
        max_length=64, blank=True, help_text="What the job is doing."
    )
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text="Percent done."
    )
    failure_reason = models.TextField(blank=True)
    source = models.FileField(upload_to=video_source_path, blank=True, max_length=300)
    revision = models.CharField(
        max_length=64, blank=True, help_text="The published revision, if any."
    )
    hls_master_path = models.CharField(max_length=300, blank=True)
    dash_manifest_path = models.CharField(max_length=300, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Video {self.uuid} ({self.get_status_display()})"

    @property
    def is_playable(self) -> bool:
        return bool(self.revision and self.hls_master_path)


class Rendition(models.Model):
    """One rung of a published ladder."""

    video = models.ForeignKey(
        Video, on_delete=models.CASCADE, related_name="renditions"
    )
    revision = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bandwidth = models.PositiveIntegerField(help_text="Peak bits per second.")
    average_bandwidth = models.PositiveIntegerField(null=True, blank=True)
    codecs = models.CharField(max_length=100)
    frame_rate = models.FloatField(null=True, blank=True)
    playlist_path = models.CharField(max_length=300)

    class Meta:
        ordering = ["video", "revision", "-height"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "revision", "height"], name="rendition_unique_rung"
            )
        ]

    def __str__(self) -> str:
        return f"{self.height}p @ {self.bandwidth // 1000} kb/s"
