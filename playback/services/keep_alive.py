"""A heartbeat's writes: the session kept alive, and the position saved.

On PostgreSQL both are one statement (the session's UPDATE, and the
position's UPDATE only if the first changed a row), run on its own: a single
statement is atomic, so the heartbeat needs no BEGIN and COMMIT either, and
its writes are 1 round trip where they were 4 (BEGIN, two UPDATEs, COMMIT).
The first position of a title, or one a newer session owns, still takes the
INSERT path of ``watch_progress_record``. ``bench/playback_inprocess.py``
against the code before it (11 rounds, load 3): a heartbeat's median wall time
7.9 -> 7.0 ms, its median CPU 5.2 -> 4.8 ms (best rounds 4.0 both).

SQLite has no round trips to save (the database is in the process), so it
runs the two UPDATEs in one transaction, as before.
"""

from django.db import connections, router, transaction

from vod.db_rows import db_value, execute, fetch, sql

from ..models import PlaybackSession
from .progress import progress_update_query, watch_progress_record


def heartbeat_write(
    session: PlaybackSession, *, at, expires_at, max_height: int, position, buckets
) -> bool | None:
    """Push a live session's expiry to ``expires_at`` (its height lowered to
    ``max_height``, its analytics state saved) and save its position; whether
    the position was saved (False: a newer session of the profile owns it), or
    None when the session ended or expired since it was read (nothing
    written)."""
    alias = router.db_for_write(PlaybackSession)
    keep, params = _keep_alive_query(
        session, alias, at, expires_at, max_height, position, buckets
    )
    if connections[alias].vendor != "postgresql":
        with transaction.atomic(using=alias):
            if not execute(alias, keep, params):
                return None
            return watch_progress_record(session=session, position=position)
    progress, progress_params = progress_update_query(
        session, position, alias=alias, where=" AND EXISTS (SELECT 1 FROM kept)"
    )
    query = (
        f"WITH kept AS ({keep} RETURNING 1), "  # noqa: S608 (placeholders only)
        f"progress AS ({progress} RETURNING 1) "
        "SELECT (SELECT count(*) FROM kept), (SELECT count(*) FROM progress)"
    )
    ((kept, updated),) = fetch(alias, query, [*params, *progress_params])
    if not kept:
        return None
    return watch_progress_record(
        session=session, position=position, updated=bool(updated)
    )


def _keep_alive_query(session, alias, at, expires_at, max_height, position, buckets):
    """The session's UPDATE, changing no row once it ended or expired.

    Written by hand, as the heartbeat's read is (see ``playback.selectors``):
    a heartbeat's CPU 4.6 -> 2.0 ms on SQLite, 7.2 -> 3.4 ms on PostgreSQL.
    """
    query = sql(
        alias,
        "UPDATE {s} SET {s:last_seen_at} = %s, {s:expires_at} = %s, "
        "{s:max_height} = %s, {s:watched_position} = %s, {s:watched_buckets} = %s "
        "WHERE {s:id} = %s AND {s:ended_at} IS NULL "
        "AND {s:expires_at} > %s",
        s=PlaybackSession,
    )
    params = [
        db_value(PlaybackSession, "last_seen_at", at, alias),
        db_value(PlaybackSession, "expires_at", expires_at, alias),
        max_height,
        position,
        buckets,
        db_value(PlaybackSession, "id", session.pk, alias),
        db_value(PlaybackSession, "expires_at", at, alias),
    ]
    return query, params
