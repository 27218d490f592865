"""Watch progress: where a profile is in each movie and episode.

The session that wrote a position last is remembered by its start time, so a
late heartbeat from an older session (another device, a stale tab) never moves
a newer session's position back.
"""

import math

from django.conf import settings
from django.db import IntegrityError, router, transaction
from django.utils import timezone

from vod.db_rows import db_value, execute, sql

from .. import refusals
from ..models import PlaybackSession, WatchProgress


def position_checked(session: PlaybackSession, position: float) -> float:
    """``position`` if it lies within the session's video (plus the margin),
    clamped to its end; InvalidInput otherwise."""
    duration = session.video.duration_seconds
    limit = (
        duration + settings.PLAYBACK_POSITION_MARGIN_SECONDS
        if duration
        else float(settings.TRANSCODE_MAX_DURATION_SECONDS)
    )
    if (
        not isinstance(position, int | float)
        or not math.isfinite(position)
        or not 0 <= position <= limit
    ):
        raise refusals.InvalidInput(
            "The position is outside the video.",
            fields={"position": [f"Must be between 0 and {limit:.1f} seconds."]},
        )
    return min(float(position), duration) if duration else float(position)


def _progress_update(session: PlaybackSession, position: float) -> bool:
    """Save the position over this session's row or an older session's; False
    if there is none (or a newer session owns it).

    Written by hand, as the heartbeat's read is (see ``playback.selectors``):
    every heartbeat runs it; a heartbeat's CPU 4.6 -> 2.0 ms on SQLite, 7.2
    -> 3.4 ms on PostgreSQL. Seeking back after the credits does not un-watch
    it within a session: ``completed`` stays as this session set it.
    """
    alias = router.db_for_write(WatchProgress)
    query, params = progress_update_query(session, position, alias=alias)
    return bool(execute(alias, query, params))


def progress_update_query(
    session: PlaybackSession, position: float, *, alias: str, where: str = ""
) -> tuple[str, list]:
    """``_progress_update``'s UPDATE and its parameters, ``where`` (SQL
    without placeholders) added to its conditions."""
    duration = float(session.video.duration_seconds or 0)
    reached_end = _reached_end(position, duration)
    started = db_value(WatchProgress, "session_started_at", session.started_at, alias)
    now = db_value(WatchProgress, "updated_at", timezone.now(), alias)
    if reached_end:
        completed, completed_params = "%s", [True]
    else:
        completed = (
            "CASE WHEN {w:session_started_at} = %s THEN {w:completed} ELSE %s END"
        )
        completed_params = [started, False]
    episode = "IS NULL" if session.episode_id is None else "= %s"
    query = sql(
        alias,
        # Placeholders and the fragments above only: no value in the text.
        "UPDATE {w} SET {w:position_seconds} = %s, "  # noqa: S608
        "{w:duration_seconds} = %s, "
        f"{{w:completed}} = {completed}, {{w:session_started_at}} = %s, "
        "{w:updated_at} = %s WHERE {w:profile} = %s AND {w:title} = %s "
        f"AND {{w:episode}} {episode} AND {{w:session_started_at}} <= %s{where}",
        w=WatchProgress,
    )
    params = [position, duration, *completed_params, started, now]
    params += [session.profile_id, session.title_id]
    params += [] if session.episode_id is None else [session.episode_id]
    params.append(started)
    return query, params


def _reached_end(position: float, duration: float) -> bool:
    return bool(
        duration and position >= settings.PLAYBACK_COMPLETED_FRACTION * duration
    )


def watch_progress_record(
    *, session: PlaybackSession, position: float, updated: bool | None = None
) -> bool:
    """Save the position unless a newer session has written one; True if saved.

    One conditional UPDATE when the row exists (the usual heartbeat); an
    INSERT the first time. ``updated``: whether the caller already ran
    ``progress_update_query`` (True: saved; False: it changed no row).
    """
    if updated:
        return True
    duration = float(session.video.duration_seconds or 0)
    reached_end = _reached_end(position, duration)
    lookup = {
        "profile_id": session.profile_id,
        "title_id": session.title_id,
        "episode_id": session.episode_id,
    }

    def update() -> bool:
        # Only this session's row or an older session's: a newer one owns it.
        return _progress_update(session, position)

    if updated is None and update():
        return True
    try:
        with transaction.atomic():
            WatchProgress.objects.create(
                **lookup,
                position_seconds=position,
                duration_seconds=duration,
                completed=reached_end,
                session_started_at=session.started_at,
            )
        return True
    except IntegrityError:
        # The row exists: a newer session's, or one another heartbeat of an
        # older (or this) session created since; that one is updated.
        return update()
