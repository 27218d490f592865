"""Watch progress: where a profile is in each movie and episode.

The session that wrote a position last is remembered by its start time, so a
late heartbeat from an older session (another device, a stale tab) never moves
a newer session's position back.
"""

import math

from django.conf import settings
from django.db import IntegrityError, transaction

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
    """Save the position unless a newer session has written one; True if saved."""
    duration = float(session.video.duration_seconds or 0)
    reached_end = bool(
        duration and position >= settings.PLAYBACK_COMPLETED_FRACTION * duration
    )
    lookup = {
        "profile_id": session.profile_id,
        "title_id": session.title_id,
        "episode_id": session.episode_id,
    }
    for _attempt in range(2):
        progress = WatchProgress.objects.select_for_update().filter(**lookup).first()
        if progress is None:
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
                continue  # another heartbeat created it first: update that one
        if progress.session_started_at > session.started_at:
            return False  # a newer session owns the position
        same_session = progress.session_started_at == session.started_at
        progress.position_seconds = position
        progress.duration_seconds = duration
        # Seeking back after the credits does not un-watch it within a session.
        progress.completed = reached_end or (same_session and progress.completed)
        progress.session_started_at = session.started_at
        progress.save()
        return True
    return False
