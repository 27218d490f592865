"""Editors' direct uploads: what goes in and what comes out.

The fields follow what S3 multipart clients (Uppy's AWS S3 plugin among them)
exchange: an upload id and key, part numbers, ETags and SHA-256 checksums in
base64 as S3's ``x-amz-checksum-sha256`` carries them.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import AddedAudioTrack, Upload, Video
from catalog.services.uploads import S3_MAX_PARTS
from catalog.upload_stores.local import checksum_hex

from .video_serializers import AudioTrackFieldsSerializer

AUDIO_ONLY = "An audio track's (purpose audio_track): "


def _validate_checksum(value: str) -> str:
    try:
        checksum_hex(value)
    except ValueError as exc:
        raise serializers.ValidationError(
            "A SHA-256 digest in base64 (44 characters), as S3 takes it."
        ) from exc
    return value


class UploadSerializer(serializers.ModelSerializer):
    upload_id = serializers.UUIDField(source="uuid", read_only=True)
    key = serializers.CharField(source="storage_key", read_only=True)
    video = serializers.UUIDField(source="video.uuid", read_only=True)
    part_count = serializers.IntegerField(read_only=True)
    language = serializers.CharField(source="track_language", read_only=True)
    name = serializers.CharField(source="track_name", read_only=True)
    role = serializers.CharField(source="track_role", read_only=True)
    audio_track = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The added track it became, once completed (purpose audio_track).",
    )

    class Meta:
        model = Upload
        fields = [
            "upload_id",
            "key",
            "purpose",
            "video",
            "language",
            "name",
            "role",
            "audio_track",
            "file_name",
            "size",
            "content_type",
            "sha256",
            "part_size",
            "part_count",
            "state",
            "failure_reason",
            "created_at",
            "expires_at",
            "finished_at",
        ]
        read_only_fields = fields


class UploadCreateSerializer(serializers.Serializer):
    file_name = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1, help_text="The file's size in bytes.")
    content_type = serializers.CharField(
        max_length=100, help_text="The file's media type: video/*."
    )
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        required=False,
        help_text="The whole file's SHA-256 in hex; when given, the assembled "
        "file must match it.",
    )
    video = serializers.SlugRelatedField(
        slug_field="uuid",
        queryset=Video.objects.all(),
        required=False,
        allow_null=True,
        help_text="The video this is the source of (a new video if omitted), "
        "or the one the audio track is added to (required).",
    )
    purpose = serializers.ChoiceField(
        choices=Upload.Purpose.choices,
        default=Upload.Purpose.SOURCE,
        help_text="What the file becomes: the video's source (video/*, up to "
        "VIDEO_UPLOAD_MAX_BYTES), or an audio track added to it (audio/*, up to "
        "AUDIO_TRACK_UPLOAD_MAX_BYTES), probed as audio on completion.",
    )
    language = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text=AUDIO_ONLY + "a BCP 47 language tag such as en, fr or pt-BR.",
    )
    name = serializers.CharField(
        required=False, help_text=AUDIO_ONLY + "what the player's audio menu shows."
    )
    role = serializers.ChoiceField(
        choices=AddedAudioTrack.Role.choices,
        required=False,
        help_text=AUDIO_ONLY + "a dub (the default) or an audio description.",
    )

    def validate(self, data: dict) -> dict:
        if data["purpose"] != Upload.Purpose.AUDIO_TRACK:
            extra = sorted({"language", "name", "role"} & data.keys())
            if extra:
                raise serializers.ValidationError(
                    dict.fromkeys(
                        extra, "Only for an audio track (purpose audio_track)."
                    )
                )
            return data
        if data.get("video") is None:
            raise serializers.ValidationError(
                {"video": "Name the video the audio track is added to."}
            )
        # Exactly as the form upload of a track validates them.
        track = AudioTrackFieldsSerializer(
            data={key: data[key] for key in ("language", "name", "role") if key in data}
        )
        track.is_valid(raise_exception=True)
        return {**data, **track.validated_data}


class PartChecksumSerializer(serializers.Serializer):
    part_number = serializers.IntegerField(min_value=1, max_value=S3_MAX_PARTS)
    checksum_sha256 = serializers.CharField(
        max_length=44,
        validators=[_validate_checksum],
        help_text="The part's SHA-256 in base64.",
    )


class CompletedPartSerializer(PartChecksumSerializer):
    checksum_sha256 = serializers.CharField(
        max_length=44,
        required=False,
        validators=[_validate_checksum],
        help_text="The part's SHA-256 in base64, as it was signed; the stored "
        "part's own when omitted.",
    )
    etag = serializers.CharField(
        max_length=200, required=False, help_text="Ignored: the store's is used."
    )


class _PartsSerializer(serializers.Serializer):
    def validate_parts(self, parts: list[dict]) -> list[dict]:
        numbers = [part["part_number"] for part in parts]
        if len(set(numbers)) != len(numbers):
            raise serializers.ValidationError("Name each part number once.")
        return parts


class PartsSignSerializer(_PartsSerializer):
    parts = PartChecksumSerializer(many=True, min_length=1, max_length=1000)


class PartsCompleteSerializer(_PartsSerializer):
    parts = CompletedPartSerializer(
        many=True,
        min_length=1,
        max_length=S3_MAX_PARTS,
        help_text="Every part, with the checksum it was signed with.",
    )


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class HeadersField(serializers.DictField):
    child = serializers.CharField()


class SignedPartSerializer(serializers.Serializer):
    part_number = serializers.IntegerField()
    url = serializers.URLField(help_text="PUT the part's bytes here.")
    method = serializers.CharField()
    headers = HeadersField(help_text="Send these headers with the part, as given.")
    size = serializers.IntegerField(help_text="The part's exact size in bytes.")
    expires_at = serializers.DateTimeField()


class SignedPartsSerializer(serializers.Serializer):
    parts = SignedPartSerializer(many=True)


class StoredPartSerializer(serializers.Serializer):
    part_number = serializers.IntegerField(source="number")
    size = serializers.IntegerField()
    etag = serializers.CharField()
    checksum_sha256 = serializers.CharField(
        help_text="The part's SHA-256 in base64, when the store reports it."
    )


class StoredPartsSerializer(serializers.Serializer):
    parts = StoredPartSerializer(many=True)
