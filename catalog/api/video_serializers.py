"""Editors' video API: what goes in and what comes out."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import (
    AddedAudioTrack,
    AudioTrack,
    AudioTrackOverride,
    Episode,
    Rendition,
    TextTrack,
    Title,
    Video,
)
from catalog.validators import (
    LABEL_MAX_LENGTH,
    LANGUAGE_TAG_MAX_LENGTH,
    validate_language_tag,
    validate_single_line_label,
)


class RenditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rendition
        fields = [
            "width",
            "height",
            "bandwidth",
            "average_bandwidth",
            "codecs",
            "frame_rate",
        ]


class TextTrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = TextTrack
        fields = ["id", "language", "label", "kind", "is_default", "created_at"]


class AudioTrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = AudioTrack
        fields = [
            "position",
            "language",
            "name",
            "role",
            "channels",
            "bandwidth",
            "loudness_in_lufs",
            "true_peak_in_dbtp",
            "loudness_out_lufs",
            "true_peak_out_dbtp",
        ]


class AddedAudioTrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = AddedAudioTrack
        fields = [
            "id",
            "position",
            "language",
            "name",
            "role",
            "channels",
            "duration_seconds",
            "warning",
            "created_at",
        ]


class AudioOverrideSerializer(serializers.ModelSerializer):
    class Meta:
        model = AudioTrackOverride
        fields = ["position", "role", "name", "language"]


class VideoSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    playable = serializers.BooleanField(source="is_playable", read_only=True)
    renditions = serializers.SerializerMethodField()
    text_tracks = TextTrackSerializer(many=True, read_only=True)
    audio_tracks = serializers.SerializerMethodField()
    added_audio_tracks = AddedAudioTrackSerializer(many=True, read_only=True)
    audio_overrides = AudioOverrideSerializer(many=True, read_only=True)
    title_id = serializers.SerializerMethodField()
    episode_id = serializers.SerializerMethodField()

    class Meta:
        model = Video
        fields = [
            "uuid",
            "status",
            "stage",
            "stage_label",
            "progress",
            "failure_reason",
            "playable",
            "source_name",
            "source_size",
            "ingest_location",
            "ingest_bytes",
            "ingest_total_bytes",
            "revision",
            "duration_seconds",
            "width",
            "height",
            "attempts",
            "title_id",
            "episode_id",
            "renditions",
            "text_tracks",
            "audio_tracks",
            "added_audio_tracks",
            "audio_overrides",
            "job_kind",
            "created_at",
            "updated_at",
            "finished_at",
        ]

    def get_renditions(self, video: Video) -> list[dict]:
        current = [r for r in video.renditions.all() if r.revision == video.revision]
        return RenditionSerializer(current, many=True).data

    @extend_schema_field(AudioTrackSerializer(many=True))
    def get_audio_tracks(self, video: Video) -> list[dict]:
        current = [t for t in video.audio_tracks.all() if t.revision == video.revision]
        return AudioTrackSerializer(current, many=True).data

    def get_title_id(self, video: Video) -> int | None:
        return getattr(getattr(video, "title", None), "pk", None)

    def get_episode_id(self, video: Video) -> int | None:
        return getattr(getattr(video, "episode", None), "pk", None)


class VideoCreateSerializer(serializers.Serializer):
    title_id = serializers.PrimaryKeyRelatedField(
        queryset=Title.objects.filter(kind=Title.Kind.MOVIE),
        required=False,
        allow_null=True,
        source="title",
        help_text="The movie this video is for.",
    )
    episode_id = serializers.PrimaryKeyRelatedField(
        queryset=Episode.objects.all(),
        required=False,
        allow_null=True,
        source="episode",
        help_text="The episode this video is for.",
    )


class SourceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The source video, sent as multipart form data."
    )


class SourceLocationSerializer(serializers.Serializer):
    location = serializers.CharField(
        max_length=2000,
        help_text=(
            "Where the source already is: s3://bucket/key (a bucket the platform "
            "allows; S3 copies it) or an https:// URL (a worker fetches it)."
        ),
    )


class TextTrackUploadSerializer(serializers.Serializer):
    language = serializers.CharField(
        max_length=LANGUAGE_TAG_MAX_LENGTH,
        trim_whitespace=False,
        validators=[validate_language_tag],
        help_text="A BCP 47 language tag such as en, fr or pt-BR.",
    )
    label = serializers.CharField(
        max_length=LABEL_MAX_LENGTH,
        validators=[validate_single_line_label],
        help_text="What the player's menu shows: one line, no double quote.",
    )
    kind = serializers.ChoiceField(choices=TextTrack.Kind.choices, default="subtitles")
    is_default = serializers.BooleanField(default=False)
    file = serializers.FileField(help_text="WebVTT or SRT, UTF-8.")


class AudioTrackFieldsSerializer(serializers.Serializer):
    """An added track's description, as a form or a direct upload gives it."""

    language = serializers.CharField(
        max_length=LANGUAGE_TAG_MAX_LENGTH,
        trim_whitespace=False,
        validators=[validate_language_tag],
        help_text="A BCP 47 language tag such as en, fr or pt-BR.",
    )
    name = serializers.CharField(
        max_length=LABEL_MAX_LENGTH,
        validators=[validate_single_line_label],
        help_text="What the player's audio menu shows: one line.",
    )
    role = serializers.ChoiceField(
        choices=AddedAudioTrack.Role.choices, default=AddedAudioTrack.Role.DUB
    )


class AudioTrackUploadSerializer(AudioTrackFieldsSerializer):
    file = serializers.FileField(
        help_text="The track alone (WAV, FLAC, MP3, AAC, M4A, MKA or Ogg), up "
        "to what a request body may carry (REQUEST_BODY_MAX_BYTES); it is "
        "trimmed or padded with silence to the video's length. Send a bigger "
        "one in parts: the uploads API with purpose audio_track."
    )


class AudioOverrideUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=AudioTrackOverride.Role.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Blank keeps what the source says.",
    )
    name = serializers.CharField(
        max_length=LABEL_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_single_line_label],
    )
    language = serializers.CharField(
        max_length=LANGUAGE_TAG_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        validators=[validate_language_tag],
    )
