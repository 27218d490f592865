import math

from rest_framework import serializers

from catalog.models import Episode, Title

ID_MAX = 2**63 - 1


# --- Requests -------------------------------------------------------------------


class SessionStartSerializer(serializers.Serializer):
    title_id = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    episode_id = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        allow_null=True,
        help_text="Required for a series; omit or null for a movie.",
    )
    device_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "A stable id the client keeps per install or browser (e.g. a random "
            "UUID in local storage). A new session from the same device replaces "
            "its earlier one instead of counting as another stream."
        ),
    )
    device = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="A name people recognise, e.g. 'Living room TV'. Default: "
        "from the User-Agent.",
    )


class PositionField(serializers.FloatField):
    default_error_messages = {"not_finite": "A finite number of seconds is required."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


class HeartbeatSerializer(serializers.Serializer):
    position = PositionField(
        min_value=0,
        help_text=(
            "Seconds from the start of the video: from 0 to the video's duration "
            "+ 5 s (PLAYBACK_POSITION_MARGIN_SECONDS; players overshoot); beyond "
            "it is a 400."
        ),
    )


class SessionEndSerializer(serializers.Serializer):
    position = PositionField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text=(
            "The final position, saved like a last heartbeat: from 0 to the "
            "video's duration + 5 s (PLAYBACK_POSITION_MARGIN_SECONDS); beyond "
            "it is a 400."
        ),
    )


class WatchlistAddSerializer(serializers.Serializer):
    title_id = serializers.IntegerField(min_value=1, max_value=ID_MAX)


# --- Responses ------------------------------------------------------------------


# The references in a session start's answer are plain serializers: a
# ModelSerializer builds its fields from the model on every use, which cost a
# measurable share of each start.
class TitleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()


class TitleCardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Title
        fields = [
            "id",
            "kind",
            "name",
            "slug",
            "year",
            "maturity_rating",
            "access_level",
            "poster",
        ]


class EpisodeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    season = serializers.IntegerField(source="season.number")
    number = serializers.IntegerField()
    name = serializers.CharField()
    playable = serializers.SerializerMethodField()

    def get_playable(self, episode: Episode) -> bool:
        return bool(episode.video and episode.video.is_playable)


class TextTrackUrlSerializer(serializers.Serializer):
    language = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["subtitles", "captions"])
    url = serializers.URLField()


class GrantQuerySerializer(serializers.Serializer):
    resource = serializers.CharField(
        help_text="A URL pattern, as CloudFront matches it: `*` any run of "
        "characters, `?` exactly one."
    )
    query = serializers.CharField(
        help_text="The query string (`Policy=...&Signature=...&Key-Pair-Id=...`) "
        "that a URL matching `resource` must carry instead of its own."
    )


class SessionGrantSerializer(serializers.Serializer):
    """What the session's URLs may fetch, and until when.

    Grants last a few minutes; each heartbeat answer carries a fresh one while
    the session is live. Before every request for a URL of the session
    (playlists, segments, subtitles, storyboard sprites), a player applies the
    newest grant: (1) a path segment equal to a token it was given before is
    replaced by `token`; (2) if the URL, without its query, matches the
    `resource` of an entry of `queries`, its query string is replaced by that
    entry's `query`. hls.js does it in a custom loader, ExoPlayer in a
    `DataSource` wrapper, AVPlayer in an `AVAssetResourceLoaderDelegate`. An
    ended or silent session gets no new grant: its URLs die at `expires_at`.
    """

    token = serializers.CharField(
        help_text="The path token of the session's Django and HMAC-signed URLs."
    )
    expires_at = serializers.DateTimeField(
        help_text="When this grant's URLs stop working unless renewed."
    )
    queries = GrantQuerySerializer(
        many=True,
        help_text="Per-file CDN signatures (CloudFront); empty when the token "
        "is the whole grant.",
    )


class HeartbeatAnswerSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(
        help_text="When the session expires unless another heartbeat comes first."
    )
    grant = SessionGrantSerializer(
        allow_null=True, help_text="The fresh grant; apply it from now on."
    )


class PlaybackPreferencesSerializer(serializers.Serializer):
    """The profile's preferences: which audio and captions to start with.

    A player picks the first audio description when ``audio_description`` is
    on and the title has one (in ``audio_language`` if it can); else a track
    in ``audio_language``; else the title's default track. Language tags
    match exactly, else by their language alone (``pt`` and ``pt-BR``).
    """

    audio_language = serializers.CharField(
        allow_blank=True,
        help_text="A language tag such as en or pt-BR; blank: the title's "
        "default audio.",
    )
    audio_description = serializers.BooleanField(
        help_text="Start on an audio description where the title has one."
    )
    captions_language = serializers.CharField(
        allow_blank=True, help_text="A language tag; blank: captions off."
    )


class SessionSerializer(serializers.Serializer):
    """A started session: what to play, where to resume, how to report."""

    id = serializers.UUIDField()
    hls_url = serializers.URLField(help_text="The session's HLS master playlist.")
    grant = SessionGrantSerializer(
        help_text="The delivery grant of every URL here; heartbeats renew it."
    )
    dash_url = serializers.URLField(
        allow_null=True, help_text="The session's MPD; null while still encoding."
    )
    thumbnails_url = serializers.URLField(
        allow_null=True, help_text="WebVTT storyboard track (#xywh= sprite tiles)."
    )
    poster_url = serializers.URLField(allow_null=True)
    text_tracks = TextTrackUrlSerializer(many=True)
    resume_position = serializers.FloatField(
        help_text="Seconds to start at: the saved position, or 0."
    )
    duration = serializers.FloatField(allow_null=True)
    expires_at = serializers.DateTimeField(
        help_text="When the session expires unless a heartbeat comes first."
    )
    heartbeat_url = serializers.URLField()
    end_url = serializers.URLField()
    heartbeat_interval = serializers.IntegerField(help_text="Seconds.")
    next_episode = EpisodeRefSerializer(allow_null=True)
    title = TitleRefSerializer()
    episode = EpisodeRefSerializer(allow_null=True)
    max_height = serializers.IntegerField(
        help_text="The tallest rung (in lines) the plan plays."
    )
    previewing = serializers.BooleanField(
        help_text="The video is still being encoded; it already plays."
    )
    preferences = PlaybackPreferencesSerializer(
        help_text="The profile's audio and captions preferences to start with."
    )


class ResumePointSerializer(serializers.Serializer):
    title = TitleCardSerializer()
    episode = EpisodeRefSerializer(allow_null=True)
    resume_position = serializers.FloatField(source="position")
    duration = serializers.FloatField()
    progress = serializers.FloatField(
        source="fraction", help_text="Share watched, 0 to 1."
    )
    up_next = serializers.BooleanField(
        help_text="The episode after one watched to the end."
    )
    updated_at = serializers.DateTimeField()


class HistoryEntrySerializer(serializers.Serializer):
    title = TitleCardSerializer()
    episode = EpisodeRefSerializer(allow_null=True)
    position = serializers.FloatField(source="position_seconds")
    duration = serializers.FloatField(source="duration_seconds")
    completed = serializers.BooleanField()
    watched_at = serializers.DateTimeField(source="updated_at")


class WatchlistItemSerializer(serializers.Serializer):
    title = TitleCardSerializer()
    added_at = serializers.DateTimeField()
