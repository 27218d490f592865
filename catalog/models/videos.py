import uuid

from django.core.validators import MaxValueValidator
from django.db import models

from catalog.validators import validate_language_tag, validate_single_line_label


def video_source_path(video: "Video", filename: str) -> str:
    return f"sources/{video.uuid}/{filename}"


def text_track_path(track: "TextTrack", filename: str) -> str:
    return f"sources/{track.video.uuid}/text/{track.language}-{track.kind}.vtt"


class VideoQuerySet(models.QuerySet):
    def playable(self) -> "VideoQuerySet":
        """``Video.is_playable`` as a filter: a published or previewable revision."""
        return self.exclude(revision="", preview_revision="")


class Video(models.Model):
    """A video asset: its source, and the stream published from it.

    Each transcode writes under ``videos/<uuid>/<revision>/`` and switches
    ``revision`` (with the manifest paths) in one update once every file of that
    revision is stored. While the first transcode runs, ``preview_revision``
    points at the revision being written, so viewers can start early.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Stage(models.TextChoices):
        NONE = "", "—"
        WAITING = "waiting", "Waiting for a worker"
        COPYING = "copying", "Copying the source within S3"
        FETCHING = "fetching", "Fetching the source from its URL"
        DOWNLOADING = "downloading", "Fetching the source"
        PROBING = "probing", "Reading the source"
        ENCODING = "encoding", "Encoding"
        PLAYABLE = "encoding-playable", "Encoding (already playable)"
        ARTWORK = "artwork", "Making artwork"
        PUBLISHING = "publishing", "Publishing"
        DONE = "done", "Done"

    class JobKind(models.TextChoices):
        TRANSCODE = "transcode", "Transcode"
        REPACKAGE = "repackage", "Repackage (tracks changed, video kept)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    stage = models.CharField(max_length=32, choices=Stage.choices, blank=True)
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text="Percent done."
    )
    failure_reason = models.TextField(blank=True)
    source = models.FileField(upload_to=video_source_path, blank=True, max_length=300)
    source_name = models.CharField(max_length=255, blank=True)
    source_size = models.PositiveBigIntegerField(null=True, blank=True)
    # While a source is fetched from a location (s3://… or https://…): where
    # from, and how far along; the location is cleared once the source is stored.
    ingest_location = models.CharField(max_length=2000, blank=True)
    ingest_bytes = models.PositiveBigIntegerField(
        default=0, help_text="Bytes of the source fetched so far."
    )
    ingest_total_bytes = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The source's size, once its server says."
    )
    probe = models.JSONField(null=True, blank=True, editable=False)
    revision = models.CharField(
        max_length=64, blank=True, help_text="The published revision, if any."
    )
    preview_revision = models.CharField(
        max_length=64,
        blank=True,
        help_text="A revision still being written that viewers may already play.",
    )
    hls_master_path = models.CharField(max_length=300, blank=True)
    dash_manifest_path = models.CharField(max_length=300, blank=True)
    poster_path = models.CharField(max_length=300, blank=True)
    thumbnails_path = models.CharField(
        max_length=300, blank=True, help_text="The storyboard's WebVTT track."
    )
    duration_seconds = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # The job: which transcode is wanted, who runs it, and when it last said so.
    job_token = models.UUIDField(null=True, blank=True, editable=False)
    job_kind = models.CharField(
        max_length=12, choices=JobKind.choices, default=JobKind.TRANSCODE
    )
    # Tracks changed while a transcode ran: repackage once it has published.
    repackage_wanted = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VideoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        label = self.source_name or str(self.uuid)
        return f"{label} ({self.get_status_display()})"

    @property
    def is_playable(self) -> bool:
        """Whether viewers can start it: published, or far enough into its first
        run (``VideoQuerySet.playable`` is the same test in SQL)."""
        return bool(self.revision or self.preview_revision)

    def revision_prefix(self, revision: str) -> str:
        return f"videos/{self.uuid}/{revision}/"


class TextTrack(models.Model):
    """Subtitles or captions in one language, stored as WebVTT."""

    class Kind(models.TextChoices):
        SUBTITLES = "subtitles", "Subtitles"
        CAPTIONS = "captions", "Captions (for the deaf and hard of hearing)"

    video = models.ForeignKey(
        Video, on_delete=models.CASCADE, related_name="text_tracks"
    )
    language = models.CharField(
        max_length=35,
        validators=[validate_language_tag],
        help_text="A BCP 47 language tag such as en, fr or pt-BR.",
    )
    label = models.CharField(
        max_length=100,
        validators=[validate_single_line_label],
        help_text="What the player's menu shows: one line of text.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SUBTITLES)
    file = models.FileField(upload_to=text_track_path, max_length=300)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["video", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "language", "kind"], name="text_track_unique_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.language})"


class RevisionCleanup(models.Model):
    """Files of a revision no longer used, to delete once viewers are done."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="cleanups")
    revision = models.CharField(max_length=64)
    delete_after = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["video", "revision"], name="revision_cleanup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.video.uuid}/{self.revision} after {self.delete_after:%Y-%m-%d %H:%M}"


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


class AudioTrack(models.Model):
    """One audio rendition of a published revision: a source track in one
    channel layout (stereo always; 5.1 too when the source has it)."""

    class Role(models.TextChoices):
        MAIN = "main", "Main"
        DUB = "dub", "Dub (another language)"
        DESCRIPTION = "description", "Audio description"

    video = models.ForeignKey(
        Video, on_delete=models.CASCADE, related_name="audio_tracks"
    )
    revision = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(
        help_text="The track's place among the source's audio streams, from 0."
    )
    language = models.CharField(
        max_length=35, help_text="BCP 47 (en, fr, pt-BR); und when unknown."
    )
    name = models.CharField(max_length=100, help_text="What players list.")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MAIN)
    channels = models.PositiveSmallIntegerField(help_text="2 (stereo) or 6 (5.1).")
    codecs = models.CharField(max_length=100)
    bandwidth = models.PositiveIntegerField(help_text="Peak bits per second.")
    average_bandwidth = models.PositiveIntegerField(null=True, blank=True)
    playlist_path = models.CharField(max_length=300)
    # EBU R128, as measured on the source track and on the encoded rendition.
    loudness_in_lufs = models.FloatField(null=True, blank=True)
    true_peak_in_dbtp = models.FloatField(null=True, blank=True)
    loudness_range_in_lu = models.FloatField(null=True, blank=True)
    loudness_out_lufs = models.FloatField(null=True, blank=True)
    true_peak_out_dbtp = models.FloatField(null=True, blank=True)
    loudness_range_out_lu = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["video", "revision", "position", "channels"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "revision", "position", "channels"],
                name="audio_track_unique_layout",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language}, {self.channels} ch)"
