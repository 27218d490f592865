"""Create and remove the demo catalog: titles, seasons, episodes, people, artwork."""

import datetime
import random
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from ..models import Credit, Episode, Genre, Person, Season, Title
from ..services import title_publish, title_search_refresh
from . import artwork, data
from .titles import TITLES, DemoTitle

SEED = 20240601
# Typical episode lengths by a series' first genre, in minutes.
EPISODE_MINUTES = {"comedy": 24, "animation": 12, "documentary": 48, "sci-fi": 55}


@dataclass
class DemoCatalogReport:
    titles: int = 0
    series: int = 0
    seasons: int = 0
    episodes: int = 0
    people: int = 0
    genres: int = 0
    hidden: int = 0


def demo_catalog_exists() -> bool:
    """Whether the demo catalog has been created (its first title exists)."""
    return Title.objects.filter(slug=TITLES[0].slug).exists()


@transaction.atomic
def demo_catalog_delete() -> int:
    """Delete the demo titles, people and genres; their artwork goes once committed."""
    titles = Title.objects.filter(slug__in=[title.slug for title in TITLES])
    pairs = list(titles.values_list("poster", "backdrop"))
    files = [name for pair in pairs for name in pair if name]
    # Seasons, episodes, credits and genre links cascade with the titles.
    titles.delete()
    Person.objects.filter(slug__in=[slugify(name) for name in data.PEOPLE]).delete()
    Genre.objects.filter(slug__in=[genre.slug for genre in data.GENRES]).delete()
    transaction.on_commit(lambda: _files_delete(files))
    return len(pairs)


@transaction.atomic
def demo_catalog_seed(*, seed: int = SEED) -> DemoCatalogReport:
    """Create the demo catalog; the same seed always gives the same catalog."""
    rng = random.Random(seed)  # noqa: S311 - demo content, not security
    saved: list[str] = []
    try:
        return _seed(rng, saved)
    except BaseException:
        # The rows roll back with the transaction; the files would stay behind.
        _files_delete(saved)
        raise


def _seed(rng: random.Random, saved: list[str]) -> DemoCatalogReport:
    report = DemoCatalogReport()
    # A database may already have a "drama" of its own; the demo adopts it.
    genres = {
        genre.slug: Genre.objects.get_or_create(
            slug=genre.slug,
            defaults={
                "name": genre.name,
                "description": genre.description,
                "position": genre.position,
            },
        )[0]
        for genre in data.GENRES
    }
    people = Person.objects.bulk_create(
        Person(name=name, slug=slugify(name), bio=rng.choice(data.BIOS))
        for name in data.PEOPLE
    )
    report.genres, report.people = len(genres), len(people)

    titles: list[Title] = []
    for demo in TITLES:
        title = _title_create(demo, genres, saved)
        titles.append(title)
        _credits_create(title, demo, people, rng)
        if demo.kind == Title.Kind.SERIES:
            seasons, episodes = _seasons_create(title, demo, rng)
            report.series += 1
            report.seasons += seasons
            report.episodes += episodes
    report.titles = len(titles)
    title_search_refresh(title_ids=[title.pk for title in titles])

    now = timezone.now()
    shown = [
        title
        for title, demo in zip(titles, TITLES, strict=True)
        if demo.flag != "draft"
    ]
    title_publish(titles=Title.objects.filter(pk__in=[title.pk for title in shown]))
    # Spread publication dates over the past months so "new releases" has an order;
    # featured titles are recent, as an editor would feature new work.
    for title, demo in zip(titles, TITLES, strict=True):
        if demo.flag == "featured":
            title.published_at = now - datetime.timedelta(days=rng.uniform(1, 10))
        elif demo.flag == "scheduled":
            title.published_at = now
            title.available_from = now + datetime.timedelta(days=21)
        elif demo.flag != "draft":
            title.published_at = now - datetime.timedelta(days=rng.uniform(10, 240))
    Title.objects.bulk_update(shown, ["published_at", "available_from"])
    report.hidden = sum(demo.flag in ("draft", "scheduled") for demo in TITLES)
    return report


def _title_create(demo: DemoTitle, genres: dict[str, Genre], saved: list[str]) -> Title:
    title = Title(
        kind=demo.kind,
        name=demo.name,
        slug=demo.slug,
        synopsis=demo.synopsis,
        year=demo.year,
        runtime_minutes=demo.runtime,
        maturity_rating=demo.maturity,
        access_level=demo.access,
        is_featured=demo.flag == "featured",
    )
    genre = genres[demo.genres[0]]
    palette = next(g.palette for g in data.GENRES if g.slug == genre.slug)
    label = "Series" if demo.kind == Title.Kind.SERIES else f"{demo.runtime} min"
    caption = " · ".join([str(demo.year), genre.name, label])
    art = {"name": demo.name, "caption": caption, "palette": palette}
    title.poster.save(
        f"{demo.slug}.jpg", ContentFile(artwork.poster_jpeg(**art)), save=False
    )
    saved.append(title.poster.name)
    title.backdrop.save(
        f"{demo.slug}.jpg", ContentFile(artwork.backdrop_jpeg(**art)), save=False
    )
    saved.append(title.backdrop.name)
    title.full_clean()
    title.save()
    title.genres.set([genres[slug] for slug in demo.genres])
    return title


def _credits_create(
    title: Title, demo: DemoTitle, people: list[Person], rng: random.Random
) -> None:
    lead = rng.choice(people[: data.DIRECTOR_COUNT])
    role = (
        Credit.Role.CREATOR if demo.kind == Title.Kind.SERIES else Credit.Role.DIRECTOR
    )
    credits = [Credit(title=title, person=lead, role=role)]
    cast = rng.sample(
        [person for person in people if person != lead], rng.randint(2, 4)
    )
    characters = rng.sample(data.CHARACTERS, len(cast))
    for order, (person, character) in enumerate(zip(cast, characters, strict=True)):
        if "documentary" in demo.genres:
            character = "Narrator" if order == 0 else "Self"
        credits.append(
            Credit(
                title=title,
                person=person,
                role=Credit.Role.ACTOR,
                character=character,
                order=order,
            )
        )
    Credit.objects.bulk_create(credits)


def _seasons_create(
    title: Title, demo: DemoTitle, rng: random.Random
) -> tuple[int, int]:
    minutes = EPISODE_MINUTES.get(demo.genres[0], 46)
    episodes: list[Episode] = []
    for number in range(1, demo.seasons + 1):
        hook = rng.choice(data.SEASON_HOOKS)
        season = Season.objects.create(
            title=title,
            number=number,
            synopsis=f"Season {number} of {demo.name}: {hook}.",
            year=demo.year + number - 1,
        )
        names = _episode_names(rng, rng.randint(3, 6))
        for episode_number, name in enumerate(names, start=1):
            episodes.append(
                Episode(
                    season=season,
                    number=episode_number,
                    name=name,
                    synopsis=_episode_synopsis(rng),
                    runtime_minutes=minutes + rng.randint(-3, 6),
                )
            )
    Episode.objects.bulk_create(episodes)
    return demo.seasons, len(episodes)


def _episode_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(data.EPISODE_PATTERNS).format(
            adj=rng.choice(data.EPISODE_ADJECTIVES),
            noun=rng.choice(data.EPISODE_NOUNS),
            first=rng.choice(data.CHARACTERS).split()[0],
        )
        if name not in names:
            names.append(name)
    return names


def _episode_synopsis(rng: random.Random) -> str:
    first, second = (name.split()[0] for name in rng.sample(data.CHARACTERS, 2))
    event = rng.choice(data.EPISODE_EVENTS).format(char=first)
    twist = rng.choice(data.EPISODE_TWISTS).format(first=first)
    subplot = rng.choice(data.EPISODE_SUBPLOTS).format(char=second)
    return f"{event[0].upper()}{event[1:]}, {twist}. Meanwhile, {subplot}."


def _files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
