"""Writes of playback: sessions, progress and My List (one module each)."""

from .progress import position_checked, watch_progress_record
from .sessions import (
    PlaybackStart,
    device_name_from_user_agent,
    playback_session_end,
    playback_session_heartbeat,
    playback_session_start,
    playback_sessions_prune,
)
from .watchlist import watchlist_add, watchlist_remove

__all__ = [
    "PlaybackStart",
    "device_name_from_user_agent",
    "playback_session_end",
    "playback_session_heartbeat",
    "playback_session_start",
    "playback_sessions_prune",
    "position_checked",
    "watch_progress_record",
    "watchlist_add",
    "watchlist_remove",
]
