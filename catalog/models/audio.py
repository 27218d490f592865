"""What editors say about a video's audio: tracks they added, and overrides.

Both outlive revisions: every transcode and every repackage reads them, so a
re-transcode never loses an editor's track or correction.
"""

from django.db import models

from catalog.validators import validate_language_tag, validate_single_line_label

from .videos import Video

# Added tracks' positions start here, far above any source's stream count, so
# their renditions' stems never meet a source track's.
ADDED_POSITION_BASE = 1000


def added_audio_path(track: "AddedAudioTrack", filename: str) -> str:
    return f"sources/{track.video.uuid}/audio/{track.position}-{filename}"


class AddedAudioTrack(models.Model):
    """A dub or an audio description uploaded as its own file, after the source."""

    class Role(models.TextChoices):
        DUB = "dub", "Dub (another language)"
        DESCRIPTION = "description", "Audio description"

    video = models.ForeignKey(
        Video, on_delete=models.CASCADE, related_name="added_audio_tracks"
    )
    position = models.PositiveSmallIntegerField(
        help_text="Its place among the video's tracks (1000 and up)."
    )
    language = models.CharField(
        max_length=35,
        validators=[validate_language_tag],
        help_text="A BCP 47 language tag such as en, fr or pt-BR.",
    )
    name = models.CharField(
        max_length=100,
        validators=[validate_single_line_label],
        help_text="What the player's audio menu shows.",
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.DUB)
    file = models.FileField(upload_to=added_audio_path, max_length=300)
    container_format = models.CharField(
        max_length=32, editable=False, help_text="As probed: the only way it is read."
    )
    stream_index = models.PositiveSmallIntegerField(default=0, editable=False)
    channels = models.PositiveSmallIntegerField(default=2, editable=False)
    duration_seconds = models.FloatField(null=True, blank=True, editable=False)
    warning = models.TextField(
        blank=True, help_text="Set when its length differs from the video's."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["video", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "position"], name="added_audio_track_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language}, added)"


class AudioTrackOverride(models.Model):
    """An editor's correction of a source track's role, name or language."""

    class Role(models.TextChoices):
        MAIN = "main", "Main"
        DUB = "dub", "Dub (another language)"
        DESCRIPTION = "description", "Audio description"

    video = models.ForeignKey(
        Video, on_delete=models.CASCADE, related_name="audio_overrides"
    )
    position = models.PositiveSmallIntegerField(
        help_text="The source track's place among its audio streams, from 0."
    )
    role = models.CharField(max_length=12, choices=Role.choices, blank=True)
    name = models.CharField(
        max_length=100, blank=True, validators=[validate_single_line_label]
    )
    language = models.CharField(
        max_length=35, blank=True, validators=[validate_language_tag]
    )

    class Meta:
        ordering = ["video", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["video", "position"], name="audio_override_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"Track {self.position}: {self.role or '—'} {self.name}".strip()
