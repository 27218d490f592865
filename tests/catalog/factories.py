import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog.models import Credit, Episode, Genre, Person, Season, Title, Video


class GenreFactory(DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Genre {n}")
    slug = factory.Sequence(lambda n: f"genre-{n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")


class TitleFactory(DjangoModelFactory):
    """A published movie, available now."""

    class Meta:
        model = Title
        skip_postgeneration_save = True

    kind = Title.Kind.MOVIE
    name = factory.Sequence(lambda n: f"Title {n}")
    slug = factory.Sequence(lambda n: f"title-{n}")
    synopsis = "A story."
    year = 2020
    visibility = Title.Visibility.PUBLISHED
    published_at = factory.Sequence(
        lambda n: timezone.now() - datetime.timedelta(minutes=n)
    )

    @factory.post_generation
    def genres(self, create, extracted, **kwargs):
        if create and extracted:
            self.genres.set(extracted)

    class Params:
        draft = factory.Trait(visibility=Title.Visibility.DRAFT, published_at=None)
        series = factory.Trait(kind=Title.Kind.SERIES)


class CreditFactory(DjangoModelFactory):
    class Meta:
        model = Credit

    title = factory.SubFactory(TitleFactory)
    person = factory.SubFactory(PersonFactory)
    role = Credit.Role.ACTOR


class SeasonFactory(DjangoModelFactory):
    class Meta:
        model = Season

    title = factory.SubFactory(TitleFactory, series=True)
    number = factory.Sequence(lambda n: n + 1)


class EpisodeFactory(DjangoModelFactory):
    class Meta:
        model = Episode

    season = factory.SubFactory(SeasonFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Episode {n}")


class VideoFactory(DjangoModelFactory):
    class Meta:
        model = Video


class PosterTitleFactory(TitleFactory):
    """A published movie with a (tiny) poster image."""

    poster = factory.django.ImageField(
        width=2, height=3, color="navy", filename="poster.png"
    )


def catalog_populate(count: int, *, genres: list[Genre], credits: int = 2) -> list:
    """``count`` published titles spread over ``genres``, each with credits.

    Enough related rows for a page that queries per title to show it.
    """
    titles = []
    for index in range(count):
        title = TitleFactory(
            genres=[genres[index % len(genres)], genres[(index + 1) % len(genres)]]
        )
        for order in range(credits):
            CreditFactory(title=title, order=order)
        titles.append(title)
    return titles
