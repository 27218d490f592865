"""Reads of the catalog, shaped for one use each, with their queries bounded."""

from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404

from .caching import catalog_memo
from .models import (
    AudioTrack,
    Credit,
    Episode,
    Genre,
    Person,
    Season,
    TextTrack,
    Title,
    Video,
    VideoChunk,
)
from .search import search_titles


@dataclass
class GenreRow:
    genre: Genre
    titles: list[Title]


@dataclass
class HomePage:
    featured: Title | None
    new_releases: list[Title]
    genre_rows: list[GenreRow]


def titles_visible_to(max_maturity: int | None = None) -> QuerySet[Title]:
    """What a viewer may see; with ``max_maturity``, only titles rated up to it."""
    titles = Title.objects.visible_to_viewers()
    if max_maturity is not None:
        titles = titles.filter(maturity_rating__lte=max_maturity)
    return titles


def title_list_for_viewers(*, max_maturity: int | None = None) -> QuerySet[Title]:
    """Titles a viewer may see, newest first, with what a list item shows."""
    return (
        titles_visible_to(max_maturity)
        .with_playable()
        .prefetch_related("genres")
        .order_by(F("published_at").desc(nulls_last=True), "-pk")
    )


def title_cards(
    queryset: QuerySet[Title] | None = None, *, max_maturity: int | None = None
) -> QuerySet[Title]:
    """Titles for a row or grid of cards: no related rows are needed."""
    queryset = Title.objects.all() if queryset is None else queryset
    queryset = queryset.visible_to_viewers()
    if max_maturity is not None:
        queryset = queryset.filter(maturity_rating__lte=max_maturity)
    return queryset.order_by(F("published_at").desc(nulls_last=True), "-pk")


def home_page(*, per_row: int = 12, max_maturity: int | None = None) -> HomePage:
    """The featured title, new releases and a row per genre, in four queries."""
    visible = titles_visible_to(max_maturity)
    featured = (
        title_cards(visible.filter(is_featured=True)).first()
        or title_cards(visible).first()
    )
    new_releases = list(title_cards(visible)[:per_row])

    # One query for every genre row: number each genre's titles, keep the first few.
    ranked = (
        Title.genres.through.objects.filter(title__in=visible.values("pk"))
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("genre_id")],
                order_by=[
                    F("title__published_at").desc(nulls_last=True),
                    F("title_id").desc(),
                ],
            )
        )
        .filter(position__lte=per_row)
        .select_related("title")
        .order_by("genre_id", "position")
    )
    by_genre: dict[int, list[Title]] = {}
    for link in ranked:
        by_genre.setdefault(link.genre_id, []).append(link.title)
    genre_rows = [
        GenreRow(genre=genre, titles=by_genre[genre.pk])
        for genre in Genre.objects.all()
        if genre.pk in by_genre
    ]
    return HomePage(featured=featured, new_releases=new_releases, genre_rows=genre_rows)


def title_detail_for_viewers(
    *,
    slug: str | None = None,
    pk: int | None = None,
    max_maturity: int | None = None,
) -> Title:
    """One visible title with genres, credits, seasons with their episodes, and
    the audio and text tracks of its videos (for ``title_languages``)."""
    queryset = (
        titles_visible_to(max_maturity)
        .with_playable()
        .select_related("video")
        .prefetch_related(
            "genres",
            Prefetch("credits", queryset=Credit.objects.select_related("person")),
            *_tracks_of("video"),
            Prefetch(
                "seasons",
                queryset=Season.objects.prefetch_related(
                    Prefetch(
                        "episodes",
                        queryset=Episode.objects.select_related(
                            "video"
                        ).prefetch_related(*_tracks_of("video")),
                    )
                ),
            ),
        )
    )
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    return get_object_or_404(queryset, **lookup)


def _tracks_of(video: str) -> list[Prefetch]:
    """Prefetches of a video's published audio tracks and its text tracks."""
    published = AudioTrack.objects.filter(revision=F("video__revision"))
    return [
        Prefetch(
            f"{video}__audio_tracks", queryset=published, to_attr="published_audio"
        ),
        Prefetch(f"{video}__text_tracks", queryset=TextTrack.objects.order_by("pk")),
    ]


@dataclass(frozen=True)
class AudioLanguage:
    language: str  # BCP 47; und when unknown
    name: str
    role: str  # AudioTrack.Role
    surround: bool  # a 5.1 rendition exists (plans decide who gets it)


@dataclass(frozen=True)
class CaptionLanguage:
    language: str
    label: str
    kind: str  # TextTrack.Kind


@dataclass(frozen=True)
class TitleLanguages:
    audio: list[AudioLanguage]
    captions: list[CaptionLanguage]


_ROLE_ORDER = [AudioTrack.Role.MAIN, AudioTrack.Role.DUB, AudioTrack.Role.DESCRIPTION]


def title_languages(title: Title) -> TitleLanguages:
    """The audio and caption languages of a title's published videos (for a
    series, of any episode's), from ``title_detail_for_viewers``'s prefetches:
    no query. An audio language counts once per role, whatever its layouts."""
    videos: list[Video] = [title.video] if title.video_id else []
    for season in title.seasons.all() if title.is_series else ():
        videos += [episode.video for episode in season.episodes.all() if episode.video]
    audio: dict[tuple[str, str], AudioLanguage] = {}
    captions: dict[tuple[str, str], CaptionLanguage] = {}
    for video in videos:
        if not video.is_playable:
            continue
        for track in getattr(video, "published_audio", ()):
            key = (track.language, track.role)
            known = audio.get(key)
            audio[key] = AudioLanguage(
                language=track.language,
                name=known.name if known else track.name,
                role=track.role,
                surround=track.channels > 2 or bool(known and known.surround),
            )
        for text in video.text_tracks.all():
            captions.setdefault(
                (text.language, text.kind),
                CaptionLanguage(
                    language=text.language, label=text.label, kind=text.kind
                ),
            )
    return TitleLanguages(
        audio=sorted(audio.values(), key=lambda a: _ROLE_ORDER.index(a.role)),
        captions=list(captions.values()),
    )


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.all()


def title_search_for_viewers(
    *, query: str, max_maturity: int | None = None
) -> QuerySet[Title]:
    """Visible titles matching ``query``, best match first."""
    return search_titles(titles_visible_to(max_maturity).with_playable(), query)


def person_list() -> QuerySet[Person]:
    return Person.objects.all()


def person_detail_for_viewers(*, pk: int, max_maturity: int | None = None) -> Person:
    """A person with the visible titles they are credited on."""
    credits = (
        Credit.objects.filter(title__in=titles_visible_to(max_maturity).values("pk"))
        .select_related("title")
        .prefetch_related("title__genres")
        .order_by(F("title__year").desc(nulls_last=True), "title__name")
    )
    return get_object_or_404(
        Person.objects.prefetch_related(Prefetch("credits", queryset=credits)), pk=pk
    )


def title_for_playback(
    *, title_id: int, episode_id: int | None = None
) -> tuple[Title | None, Episode | None]:
    """A title with its video and, if asked, one of its episodes with its video
    and season, whether viewers may see it or not (``is_visible_to_viewers``
    tells, at the caller's time).

    Every playback start reads these, so they are remembered per catalog
    version; the objects are shared: don't modify them.
    """

    def load():
        titles = Title.objects.select_related("video").filter(pk=title_id)
        title = next(iter(titles.order_by()[:1]), None)
        episode = None
        if title is not None and episode_id is not None:
            episodes = Episode.objects.select_related("video", "season").filter(
                pk=episode_id, season__title=title
            )
            episode = next(iter(episodes.order_by()[:1]), None)
        return title, episode

    return catalog_memo(("title_for_playback", title_id, episode_id), load)


def video_chunks_progress(*, video_id: int, job_token: str) -> dict:
    """Chunks done of all and frames encoded of all, across every worker."""
    rows = VideoChunk.objects.filter(
        video_id=video_id, job_token=job_token, kind=VideoChunk.Kind.VIDEO
    )
    totals = rows.aggregate(frames=Sum("frames"), total=Sum("total_frames"))
    return {
        "chunks": rows.count(),
        "done": rows.filter(state=VideoChunk.State.DONE).count(),
        "frames": totals["frames"] or 0,
        "total_frames": totals["total"] or 0,
    }


def video_chunks_states(
    *, video_id: int, job_token: str
) -> dict[tuple[str, int], tuple[str, str]]:
    """(state, failure reason) of each of the job's parts, by (kind, index)."""
    return {
        (kind, index): (state, reason)
        for kind, index, state, reason in VideoChunk.objects.filter(
            video_id=video_id, job_token=job_token
        ).values_list("kind", "index", "state", "failure_reason")
    }


def video_chunks_left(*, video_id: int, job_token: str) -> bool:
    """Whether any of the job's chunks is still to be encoded."""
    return (
        VideoChunk.objects.filter(video_id=video_id, job_token=job_token)
        .exclude(state__in=[VideoChunk.State.DONE, VideoChunk.State.FAILED])
        .exists()
    )
