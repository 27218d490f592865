from rest_framework import serializers

from catalog.models import Credit, Episode, Genre, Person, Season, Title
from catalog.search import SEARCH_QUERY_MAX_LENGTH


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "name", "slug", "description"]


class PersonSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "slug"]


class TitleListSerializer(serializers.ModelSerializer):
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


class TitleDetailSerializer(TitleListSerializer):
    genres = GenreSerializer(many=True, read_only=True)
    credits = CreditSerializer(many=True, read_only=True)
    seasons = SeasonSerializer(many=True, read_only=True)
    playable = serializers.SerializerMethodField()

    class Meta(TitleListSerializer.Meta):
        fields = TitleListSerializer.Meta.fields + [
            "synopsis",
            "backdrop",
            "available_from",
            "available_until",
            "playable",
            "credits",
            "seasons",
        ]

    def get_playable(self, title: Title) -> bool:
        """Whether a movie has a published stream (series: see episodes)."""
        return bool(title.video and title.video.is_playable)


class PersonCreditSerializer(serializers.ModelSerializer):
    title = TitleListSerializer(read_only=True)

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
