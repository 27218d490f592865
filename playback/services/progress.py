"""Watch progress: where a profile is in each movie and episode.

The session that wrote a position last is remembered by its start time, so a
late heartbeat from an older session (another device, a stale tab) never moves
a newer session's position back.
"""

import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

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


def watch_progress_record(*, session: PlaybackSession, position: float) -> bool:
    """Save the position unless a newer session has written one; True if saved.

    One conditional UPDATE when the row exists (the usual heartbeat); an
    INSERT the first time.
    """
    duration = float(session.video.duration_seconds or 0)
    reached_end = bool(
        duration and position >= settings.PLAYBACK_COMPLETED_FRACTION * duration
    )
    lookup = {
        "profile_id": session.profile_id,
        "title_id": session.title_id,
        "episode_id": session.episode_id,
    }
    # Seeking back after the credits does not un-watch it within a session.
    completed = (
        Value(True)
        if reached_end
        else Case(
            When(session_started_at=session.started_at, then=F("completed")),
            default=Value(False),
        )
    )

    def update() -> bool:
        # Only this session's row or an older session's: a newer one owns it.
        return bool(
            WatchProgress.objects.filter(
                **lookup, session_started_at__lte=session.started_at
            ).update(
                position_seconds=position,
                duration_seconds=duration,
                completed=completed,
                session_started_at=session.started_at,
                updated_at=timezone.now(),
            )
        )

    if update():
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
