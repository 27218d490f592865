from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from catalog.validators import validate_artwork_size
from vod.maturity import Maturity

from .videos import Video


class Genre(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=100, help_text="Rows on the home page follow this order."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:genre", kwargs={"slug": self.slug})


class Person(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    bio = models.TextField(blank=True)
    photo = models.ImageField(
        upload_to="artwork/people/",
        blank=True,
        max_length=300,
        validators=[validate_artwork_size],
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class TitleQuerySet(models.QuerySet):
    def published(self) -> "TitleQuerySet":
        return self.filter(visibility=Title.Visibility.PUBLISHED)

    def available(self, at=None) -> "TitleQuerySet":
        """Titles inside their availability window at ``at`` (default: now)."""
        at = at or timezone.now()
        return self.filter(
            Q(available_from__isnull=True) | Q(available_from__lte=at),
            Q(available_until__isnull=True) | Q(available_until__gt=at),
        )

    def visible_to_viewers(self, at=None) -> "TitleQuerySet":
        """What a viewer may see: published and inside the availability window."""
        return self.published().available(at)

    def with_playable(self) -> "TitleQuerySet":
        """Annotate ``playable``: whether a viewer could start the title now (a
        movie's video, or at least one of a series' episodes, is playable).

        One subquery in the same statement, so a list costs no query per title.
        """
        playable_videos = Video.objects.playable()
        episodes = Episode.objects.filter(
            season__title=OuterRef("pk"), video__in=playable_videos
        )
        return self.annotate(
            playable=Case(
                When(kind=Title.Kind.SERIES, then=Exists(episodes)),
                default=Exists(playable_videos.filter(pk=OuterRef("video_id"))),
            )
        )


class Title(models.Model):
    """A movie or a series: what viewers browse."""

    class Kind(models.TextChoices):
        MOVIE = "movie", "Movie"
        SERIES = "series", "Series"

    class Visibility(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class AccessLevel(models.TextChoices):
        FREE = "free", "Free"
        MEMBERS = "members", "Members"
        PREMIUM = "premium", "Premium"

    Maturity = Maturity  # the shared rating scale (vod/maturity.py)

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MOVIE)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    synopsis = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1870), MaxValueValidator(2100)],
    )
    runtime_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For movies; episodes carry their own."
    )
    maturity_rating = models.PositiveSmallIntegerField(
        choices=Maturity.choices, default=Maturity.ALL
    )
    genres = models.ManyToManyField(Genre, related_name="titles", blank=True)
    people = models.ManyToManyField(Person, through="Credit", related_name="titles")
    poster = models.ImageField(
        upload_to="artwork/posters/",
        blank=True,
        max_length=300,
        validators=[validate_artwork_size],
    )
    backdrop = models.ImageField(
        upload_to="artwork/backdrops/",
        blank=True,
        max_length=300,
        validators=[validate_artwork_size],
    )
    visibility = models.CharField(
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.DRAFT,
        db_index=True,
    )
    access_level = models.CharField(
        max_length=10, choices=AccessLevel.choices, default=AccessLevel.FREE
    )
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    is_featured = models.BooleanField(
        default=False, help_text="Shown first on the home page."
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    video = models.OneToOneField(
        Video,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="title",
        help_text="A movie's video; a series' videos belong to its episodes.",
    )
    # Cast and crew names, kept in step by the services, so search needs no join.
    people_names = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TitleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["visibility", "-published_at"]),
            models.Index(fields=["year"]),
            models.Index(fields=["name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(available_until__isnull=True)
                | Q(available_from__isnull=True)
                | Q(available_until__gt=models.F("available_from")),
                name="title_availability_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:title", kwargs={"slug": self.slug})

    def clean(self) -> None:
        super().clean()
        if (
            self.available_from
            and self.available_until
            and self.available_until <= self.available_from
        ):
            raise ValidationError(
                {"available_until": "Must be later than 'available from'."}
            )
        if self.kind == self.Kind.SERIES and self.video_id:
            raise ValidationError(
                {
                    "video": "A series has no video of its own; attach videos to episodes."
                }
            )
        if self.kind == self.Kind.SERIES and self.runtime_minutes:
            raise ValidationError({"runtime_minutes": "Set runtimes on the episodes."})

    @property
    def is_series(self) -> bool:
        return self.kind == self.Kind.SERIES

    def is_visible_to_viewers(self, at=None) -> bool:
        """``TitleQuerySet.visible_to_viewers`` for one loaded title."""
        at = at or timezone.now()
        return (
            self.visibility == self.Visibility.PUBLISHED
            and (self.available_from is None or self.available_from <= at)
            and (self.available_until is None or self.available_until > at)
        )


CREDIT_ROLE_RANK = Case(
    When(role="director", then=Value(0)),
    When(role="creator", then=Value(1)),
    When(role="writer", then=Value(2)),
    default=Value(3),
)


class Credit(models.Model):
    class Role(models.TextChoices):
        # In the order credits are shown: crew first, then the cast.
        DIRECTOR = "director", "Director"
        CREATOR = "creator", "Creator"
        WRITER = "writer", "Writer"
        ACTOR = "actor", "Cast"

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ACTOR)
    character = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["title", CREDIT_ROLE_RANK, "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "person", "role", "character"], name="credit_unique"
            )
        ]

    def __str__(self) -> str:
        suffix = f" as {self.character}" if self.character else ""
        return f"{self.person} ({self.get_role_display()}){suffix}"


class Season(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="seasons")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    name = models.CharField(max_length=200, blank=True)
    synopsis = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1870), MaxValueValidator(2100)],
    )

    class Meta:
        ordering = ["title", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "number"], name="season_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} · Season {self.number}"

    @property
    def display_name(self) -> str:
        return self.name or f"Season {self.number}"

    def clean(self) -> None:
        super().clean()
        if self.title_id and self.title.kind != Title.Kind.SERIES:
            raise ValidationError("Only a series has seasons.")


class Episode(models.Model):
    season = models.ForeignKey(
        Season, on_delete=models.CASCADE, related_name="episodes"
    )
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    name = models.CharField(max_length=200)
    synopsis = models.TextField(blank=True)
    runtime_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    video = models.OneToOneField(
        Video,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="episode",
    )

    class Meta:
        ordering = ["season", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "number"], name="episode_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.season.title} S{self.season.number:02d}E{self.number:02d} {self.name}"
