import uuid

from django.conf import settings
from django.db import models

from .audio import AddedAudioTrack
from .videos import Video


class Upload(models.Model):
    """A resumable multipart upload of a video's source or of an audio track
    added to it, straight to storage.

    On S3 the parts go to the bucket through presigned URLs (``s3_upload_id``);
    on local storage Django receives them itself. Either way the assembled
    object is ``storage_key`` in the sources' storage, attached to ``video``
    (as its source, or as the file of a new ``audio_track``) once it is
    complete and verified.
    """

    class Purpose(models.TextChoices):
        SOURCE = "source", "The video's source"
        AUDIO_TRACK = "audio_track", "An audio track added to the video"

    class State(models.TextChoices):
        OPEN = "open", "Open: parts may be sent"
        VERIFYING = "verifying", "Verifying the assembled file"
        COMPLETED = "completed", "Completed: the video's source or its track"
        ABORTED = "aborted", "Aborted"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="uploads")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    purpose = models.CharField(
        max_length=12, choices=Purpose.choices, default=Purpose.SOURCE
    )
    # An audio track's, as the client gave them at create (already validated).
    track_language = models.CharField(max_length=35, blank=True)
    track_name = models.CharField(max_length=100, blank=True)
    track_role = models.CharField(
        max_length=12, choices=AddedAudioTrack.Role.choices, blank=True
    )
    audio_track = models.OneToOneField(
        AddedAudioTrack,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="upload",
        help_text="The track this upload became.",
    )
    file_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(help_text="The whole file, in bytes.")
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="The whole file's, from the client."
    )
    part_size = models.PositiveBigIntegerField()
    storage_key = models.CharField(max_length=300)
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.OPEN, db_index=True
    )
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def part_count(self) -> int:
        return max(1, -(-self.size // self.part_size))

    def part_length(self, number: int) -> int:
        """The exact size of part ``number`` (1-based): all full but the last."""
        if number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)
