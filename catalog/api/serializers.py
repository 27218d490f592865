from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import (
    AudioTrack,
    Credit,
    Episode,
    Genre,
    Person,
    Season,
    TextTrack,
    Title,
)
from catalog.search import SEARCH_QUERY_MAX_LENGTH
from catalog.selectors import title_languages


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "name", "slug", "description"]


class PersonSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "slug"]


class TitleSummarySerializer(serializers.ModelSerializer):
    genres = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    maturity_label = serializers.CharField(
        source="get_maturity_rating_display", read_only=True
    )

    class Meta:
        model = Title
        fields = [
            "id",
            "kind",
            "name",
            "slug",
            "year",
            "runtime_minutes",
            "maturity_rating",
            "maturity_label",
            "access_level",
            "genres",
            "poster",
            "published_at",
        ]


class TitleListSerializer(TitleSummarySerializer):
    """A title in a list, with whether it can be played now."""

    playable = serializers.BooleanField(
        read_only=True,
        help_text=(
            "Whether a viewer could start it now: a movie's video is published "
            "(or already previewable), or, for a series, at least one episode's "
            "is. The viewer's plan and profile may still refuse it at "
            "session start (403)."
        ),
    )

    class Meta(TitleSummarySerializer.Meta):
        fields = TitleSummarySerializer.Meta.fields + ["playable"]


class CreditSerializer(serializers.ModelSerializer):
    person = PersonSummarySerializer(read_only=True)

    class Meta:
        model = Credit
        fields = ["person", "role", "character"]


class EpisodeSerializer(serializers.ModelSerializer):
    playable = serializers.SerializerMethodField()

    class Meta:
        model = Episode
        fields = ["id", "number", "name", "synopsis", "runtime_minutes", "playable"]

    def get_playable(self, episode: Episode) -> bool:
        return bool(episode.video and episode.video.is_playable)


class SeasonSerializer(serializers.ModelSerializer):
    episodes = EpisodeSerializer(many=True, read_only=True)

    class Meta:
        model = Season
        fields = ["id", "number", "name", "synopsis", "year", "episodes"]


class AudioLanguageSerializer(serializers.Serializer):
    language = serializers.CharField(help_text="BCP 47 (en, pt-BR); und when unknown.")
    name = serializers.CharField(help_text="What the player's audio menu shows.")
    role = serializers.ChoiceField(choices=AudioTrack.Role.choices)
    surround = serializers.BooleanField(
        help_text="A 5.1 rendition exists; the viewer's plan decides whether "
        "it is played (otherwise its stereo mix is)."
    )


class CaptionLanguageSerializer(serializers.Serializer):
    language = serializers.CharField(help_text="BCP 47 (en, pt-BR).")
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=TextTrack.Kind.choices)


class LanguagesSerializer(serializers.Serializer):
    audio = AudioLanguageSerializer(many=True)
    captions = CaptionLanguageSerializer(many=True)


class TitleDetailSerializer(TitleListSerializer):
    genres = GenreSerializer(many=True, read_only=True)
    credits = CreditSerializer(many=True, read_only=True)
    seasons = SeasonSerializer(many=True, read_only=True)
    languages = serializers.SerializerMethodField(
        help_text="The audio and caption languages of the published video (for "
        "a series, of any episode): main track first, then dubs, then audio "
        "descriptions. Empty until a video is published."
    )

    class Meta(TitleListSerializer.Meta):
        fields = TitleListSerializer.Meta.fields + [
            "synopsis",
            "backdrop",
            "available_from",
            "available_until",
            "credits",
            "seasons",
            "languages",
        ]

    @extend_schema_field(LanguagesSerializer)
    def get_languages(self, title: Title) -> dict:
        return LanguagesSerializer(title_languages(title)).data


class PersonCreditSerializer(serializers.ModelSerializer):
    title = TitleSummarySerializer(read_only=True)

    class Meta:
        model = Credit
        fields = ["title", "role", "character"]


class PersonDetailSerializer(serializers.ModelSerializer):
    credits = PersonCreditSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "slug", "bio", "photo", "credits"]


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=SEARCH_QUERY_MAX_LENGTH,
        trim_whitespace=True,
        help_text="Words to look for in names, cast and crew, and synopses.",
    )
