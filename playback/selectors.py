"""Reads of playback: live sessions, resume points, continue watching, history,
My List and next episodes, each for one profile and its visible titles only."""

import datetime
import uuid
from dataclasses import dataclass

from django.db import router
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import Profile
from catalog import selectors as catalog_selectors
from catalog.models import Episode, Title, Video
from vod.db_rows import db_value, fetch, instance_from_row, sql

from .models import PlaybackSession, WatchlistItem, WatchProgress


@dataclass
class ResumePoint:
    """What to play next for a title, and where: a row of 'continue watching'.

    ``up_next`` is an episode following one watched to the end; it starts at 0.
    """

    title: Title
    episode: Episode | None
    position: float
    duration: float
    updated_at: datetime.datetime
    up_next: bool = False

    @property
    def fraction(self) -> float:
        """How much of it is watched, 0 to 1 (for a progress bar)."""
        if self.duration <= 0:
            return 0.0
        return max(0.0, min(1.0, self.position / self.duration))


# --- Sessions -----------------------------------------------------------------


# The queries of every session start, master playlist and heartbeat are written
# by hand (names from the models' _meta, values bound as parameters): building
# an ORM query cost more CPU than running it. bench/playback_inprocess.py, CPU
# per request, the ORM's queries -> these (with the account and profile read of
# accounts.selectors and the writes of services), best of 9 rounds of 100
# operations alternating between the two versions:
#   start      3.9 -> 2.3 ms on SQLite, 7.1 -> 4.1 ms on PG (-40%, -42%)
#   master     0.89 -> 0.64 ms on SQLite, 1.56 -> 1.03 ms on PG (-28%, -34%)
#   heartbeat  4.6 -> 2.0 ms on SQLite, 7.2 -> 3.4 ms on PG (-56%, -53%)


_SESSION_FIELDS = PlaybackSession._meta.concrete_fields
# What heartbeats and ends use (position limits, prefix, growing); not the
# probe's JSON and the worker's lease columns, which stay deferred.
_VIDEO_FIELDS = [
    Video._meta.get_field(name)
    for name in ("id", "uuid", "revision", "preview_revision", "duration_seconds")
]
_TITLE_FIELDS = Title._meta.concrete_fields
_SESSION_COLUMNS = ", ".join(
    f"{{{table}.{field.name}}}"
    for table, fields in (
        ("s", _SESSION_FIELDS),
        ("v", _VIDEO_FIELDS),
        ("t", _TITLE_FIELDS),
    )
    for field in fields
)


def session_for_profile(*, profile: Profile, session_id) -> PlaybackSession | None:
    """One of the profile's sessions, any state, with its video and title;
    None for another's or none. Its ``profile`` is ``profile`` (with the
    account and plan it carries). One query, written by hand (see above): a
    heartbeat's CPU 4.6 -> 2.0 ms on SQLite, 7.2 -> 3.4 ms on PostgreSQL."""
    alias = router.db_for_read(PlaybackSession)
    text = sql(
        alias,
        f"SELECT {_SESSION_COLUMNS} FROM {{s}} "  # noqa: S608 (names from _meta)
        "INNER JOIN {v} ON {v.id} = {s.video} INNER JOIN {t} ON {t.id} = {s.title} "
        "WHERE {s.id} = %s AND {s.profile} = %s",
        s=PlaybackSession,
        v=Video,
        t=Title,
    )
    params = [db_value(PlaybackSession, "id", session_id, alias), profile.pk]
    rows = fetch(alias, text, params)
    if not rows:
        return None
    row, n, m = rows[0], len(_SESSION_FIELDS), len(_SESSION_FIELDS) + len(_VIDEO_FIELDS)
    session = instance_from_row(PlaybackSession, _SESSION_FIELDS, row[:n], alias)
    session.video = instance_from_row(Video, _VIDEO_FIELDS, row[n:m], alias)
    session.title = instance_from_row(Title, _TITLE_FIELDS, row[m:], alias)
    session.profile = profile  # a heartbeat checks the account's plan
    return session


def live_session_devices(
    *, user_id: int, at: datetime.datetime
) -> list[tuple[uuid.UUID, str]]:
    """(id, device id) of each of the account's sessions that count against its
    plan's streams at ``at``: not ended, and heard from within the timeout.
    Written by hand (see above): a start's CPU 3.9 -> 2.3 ms on SQLite, 7.1 ->
    4.1 ms on PostgreSQL."""
    alias = router.db_for_read(PlaybackSession)
    text = sql(
        alias,
        "SELECT {s.id}, {s.device_id} FROM {s} INNER JOIN {p} ON {p.id} = {s.profile} "
        "WHERE {p.user} = %s AND {s.ended_at} IS NULL AND {s.expires_at} > %s",
        s=PlaybackSession,
        p=Profile,
    )
    params = [user_id, db_value(PlaybackSession, "expires_at", at, alias)]
    to_uuid = PlaybackSession._meta.pk.to_python
    return [(to_uuid(pk), device) for pk, device in fetch(alias, text, params)]


@dataclass(frozen=True)
class DeliveryState:
    live: bool
    growing: bool  # its revision is still being written
    max_height: int  # the tallest rung it may play now (a downgrade lowers it)


def session_delivery_state(*, session_id) -> DeliveryState | None:
    """Whether a session's URLs still work, in one query by primary key,
    written by hand (see above): a master's CPU 0.89 -> 0.64 ms on SQLite,
    1.56 -> 1.03 ms on PostgreSQL."""
    alias = router.db_for_read(PlaybackSession)
    text = sql(
        alias,
        "SELECT {s.ended_at} IS NULL AND {s.expires_at} > %s, "
        "{s.revision} = {v.preview_revision}, {s.max_height} "
        "FROM {s} INNER JOIN {v} ON {v.id} = {s.video} WHERE {s.id} = %s",
        s=PlaybackSession,
        v=Video,
    )
    params = [
        db_value(PlaybackSession, "expires_at", timezone.now(), alias),
        db_value(PlaybackSession, "id", session_id, alias),
    ]
    rows = fetch(alias, text, params)
    if not rows:
        return None
    live, growing, max_height = rows[0]
    return DeliveryState(live=bool(live), growing=bool(growing), max_height=max_height)


# --- Progress -----------------------------------------------------------------


def resume_position(
    profile: Profile, title: Title, episode: Episode | None = None
) -> float:
    """Seconds to start a movie or an episode at: the saved position, or 0 once
    it was watched to the end (or never started). Written by hand (see the
    comment above session_for_profile): a start's CPU 3.9 -> 2.3 ms on SQLite,
    7.1 -> 4.1 ms on PostgreSQL. On PostgreSQL a start reads it inside its
    claim statement instead (``resume_position_query``)."""
    alias = router.db_for_read(WatchProgress)
    text, params = resume_position_query(
        alias,
        profile_id=profile.pk,
        title_id=title.pk,
        episode_id=episode and episode.pk,
    )
    rows = fetch(alias, text, params)
    return float(rows[0][0]) if rows else 0.0


def resume_position_query(
    alias: str, *, profile_id: int, title_id: int, episode_id: int | None
) -> tuple[str, list]:
    """The SQL and parameters of ``resume_position``'s read: one row (a unique
    constraint) with the seconds to resume at (0 once watched to the end), or
    none when never started; a scalar subquery too."""
    text = (
        "SELECT CASE WHEN {w.completed} THEN 0 ELSE {w.position_seconds} END "
        "FROM {w} WHERE {w.profile} = %s AND {w.title} = %s AND {w.episode} "
    )
    params = [profile_id, title_id]
    if episode_id is None:
        text += "IS NULL"
    else:
        text, params = text + "= %s", [*params, episode_id]
    return sql(alias, text, w=WatchProgress), params


def next_episode(episode: Episode) -> Episode | None:
    """The episode after ``episode``: next in its season, else the next season's first."""
    season = episode.season
    return (
        Episode.objects.filter(season__title_id=season.title_id)
        .filter(
            Q(season__number=season.number, number__gt=episode.number)
            | Q(season__number__gt=season.number)
        )
        .select_related("season", "video")
        .order_by("season__number", "number")
        .first()
    )


def _latest_per_title(profile: Profile, titles: QuerySet[Title]) -> QuerySet:
    """The profile's newest progress row of each of ``titles``, newest first."""
    return (
        WatchProgress.objects.filter(profile=profile, title__in=titles.values("pk"))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("title_id")],
                order_by=[F("updated_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .select_related("title", "episode__season__title", "episode__video")
        .order_by("-updated_at", "-pk")
    )


def _episodes_following(rows: list[WatchProgress]) -> dict[int, Episode | None]:
    """For each row of a finished episode: the episode after it, in one query."""
    finished = [row for row in rows if row.episode_id and row.completed]
    if not finished:
        return {}
    episodes = list(
        Episode.objects.filter(season__title_id__in={row.title_id for row in finished})
        .select_related("season", "video")
        .order_by("season__title_id", "season__number", "number")
    )
    following: dict[int, Episode | None] = {}
    for row in finished:
        current = row.episode
        key = (current.season.number, current.number)
        later = [
            e
            for e in episodes
            if e.season.title_id == row.title_id and (e.season.number, e.number) > key
        ]
        following[row.pk] = later[0] if later else None
    return following


def _resume_point(row: WatchProgress, following: dict) -> ResumePoint | None:
    if row.completed:
        upcoming = following.get(row.pk)
        if upcoming is None:
            return None  # a movie, or the last episode, watched to the end
        duration = (upcoming.video.duration_seconds if upcoming.video else 0) or 0
        return ResumePoint(
            title=row.title,
            episode=upcoming,
            position=0.0,
            duration=float(duration),
            updated_at=row.updated_at,
            up_next=True,
        )
    if row.position_seconds <= 0:
        return None
    return ResumePoint(
        title=row.title,
        episode=row.episode,
        position=row.position_seconds,
        duration=row.duration_seconds,
        updated_at=row.updated_at,
    )


def continue_watching(profile: Profile, limit: int = 20) -> list[ResumePoint]:
    """Titles started and not finished, newest first: where each one stopped,
    or the next episode after one watched to the end. Two queries."""
    titles = catalog_selectors.titles_visible_to(profile.max_maturity)
    rows = list(_latest_per_title(profile, titles))
    following = _episodes_following(rows)
    points = [point for row in rows if (point := _resume_point(row, following))]
    return points[:limit]


def title_resume_point(profile: Profile, title: Title) -> ResumePoint | None:
    """Where to resume ``title`` (a movie, or the series' latest episode); None
    if it was never started or was watched to the end."""
    rows = list(_latest_per_title(profile, Title.objects.filter(pk=title.pk)))
    following = _episodes_following(rows)
    return _resume_point(rows[0], following) if rows else None


def watch_history(profile: Profile) -> QuerySet[WatchProgress]:
    """Every movie and episode the profile played, most recent first."""
    titles = catalog_selectors.titles_visible_to(profile.max_maturity)
    return (
        WatchProgress.objects.filter(profile=profile, title__in=titles.values("pk"))
        .select_related("title", "episode__season", "episode__video")
        .order_by("-updated_at", "-pk")
    )


# --- My List ------------------------------------------------------------------


def watchlist(profile: Profile) -> QuerySet[WatchlistItem]:
    """The profile's list, last added first, visible titles only."""
    titles = catalog_selectors.titles_visible_to(profile.max_maturity)
    return (
        WatchlistItem.objects.filter(profile=profile, title__in=titles.values("pk"))
        .select_related("title")
        .order_by("-added_at", "-pk")
    )


def watchlist_title_ids(profile: Profile) -> set[int]:
    """Ids of the titles on the profile's list (for 'added' marks on cards)."""
    return set(
        WatchlistItem.objects.filter(profile=profile).values_list("title_id", flat=True)
    )


# --- Play or resume -----------------------------------------------------------


def episodes_in_order(title: Title) -> list[Episode]:
    """A series' episodes, season by season (``title_detail_for_viewers``
    prefetches them in number order)."""
    return [
        episode for season in title.seasons.all() for episode in season.episodes.all()
    ]


def first_episode(title: Title) -> Episode | None:
    """The series' first playable episode, else its first one; None if it has none."""
    episodes = episodes_in_order(title)
    playable = [e for e in episodes if e.video_id and e.video.is_playable]
    return (playable or episodes or [None])[0]


@dataclass(frozen=True)
class PlayAction:
    """A title's Play (or Resume) button: what it plays, and how far in."""

    episode: Episode | None
    resume: bool
    percent: int


def play_action(profile: Profile | None, title: Title) -> PlayAction | None:
    """Resume where the profile stopped, else play from the start; None when
    there is nothing to play yet. ``title`` comes from
    ``title_detail_for_viewers``, with its seasons, episodes and videos."""
    point = title_resume_point(profile, title) if profile is not None else None
    if point is not None:
        # After a finished episode the next one starts from the top.
        return PlayAction(
            episode=point.episode,
            resume=not point.up_next,
            percent=round(point.fraction * 100),
        )
    episode = first_episode(title) if title.is_series else None
    video = episode.video if episode else title.video
    if video is None or not video.is_playable:
        return None
    return PlayAction(episode=episode, resume=False, percent=0)
