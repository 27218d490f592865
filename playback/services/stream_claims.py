"""A session start's writes: the account's stream taken, or refused.

Inside the start's transaction, after the account's lock: count the account's
live streams, end the device's earlier session (a new start replaces it) and
insert the new one, only if the plan has a stream free.

On PostgreSQL that is one statement after the lock (a live-streams CTE, the
earlier session's end and a conditional INSERT), where it was two or three:
the start's transaction is 4 round trips (BEGIN, the lock, the claim, COMMIT)
where it was 5 (6 replacing a device). The same statement reads where the
profile resumes the title (``selectors.resume_position_query``), which a
start read after its transaction: a whole start through the API is 5 round
trips where it was 7 (8). That fold, ``bench/playback_inprocess.py`` against
the code before it (11 rounds, load 3): a start's median wall time 8.9 -> 8.1
ms, its median CPU 6.1 -> 5.6 ms; the best rounds' CPU moved within the noise
(5.3 -> 4.8 ms in one run, 4.7 -> 4.8 in another): a round trip costs more
waiting than CPU.

Each statement of a READ COMMITTED transaction reads a snapshot taken when it
begins, so the statement after the lock sees every session committed by the
start that held the lock before it: the count stays exact with starts racing
for the last stream. The lock cannot join that statement: its snapshot would
be taken before the lock is granted.

SQLite has no round trips to save (the database is in the process) and
serialises writers anyway, so it runs the same steps one by one.
"""

import uuid
from dataclasses import dataclass

from django.db import connection, connections, router

from accounts.models import Profile, User
from vod.db_rows import db_value, execute, fetch, sql

from .. import selectors
from ..models import PlaybackSession

# The first key of the (key, account id) advisory locks of session starts.
ACCOUNT_LOCK_SPACE = 0x504C4159  # "PLAY"


def account_lock(user_id: int) -> None:
    """Hold the account until the transaction ends, so two devices cannot both
    take its last stream. SQLite needs nothing: its IMMEDIATE transactions
    already serialise writers. On PostgreSQL a transaction-scoped advisory lock
    does it without touching the user row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [ACCOUNT_LOCK_SPACE, user_id]
            )
    elif connection.features.has_select_for_update:
        User.objects.select_for_update().filter(pk=user_id).exists()


@dataclass(frozen=True)
class StreamClaim:
    """What a claim found: the sessions in the way (none: inserted), and where
    the profile resumes the title when the claim read it too (else None)."""

    in_the_way: list[uuid.UUID]
    resume_position: float | None = None


def stream_claim(
    session: PlaybackSession, *, user_id: int, max_streams: int, at
) -> StreamClaim:
    """Insert ``session`` if the account plays fewer than ``max_streams`` other
    streams, ending its device's earlier session; nothing in the way when it
    did, else the ids of the sessions in the way (the caller refuses, and its
    transaction's rollback undoes any write). Call it inside the transaction
    holding ``account_lock``. On PostgreSQL it reads the session's resume
    position in the same statement."""
    alias = router.db_for_write(PlaybackSession)
    if connections[alias].vendor == "postgresql":
        return _claim_in_one_statement(session, alias, user_id, max_streams, at)
    live = selectors.live_session_devices(user_id=user_id, at=at)
    device_id = session.device_id
    replaced = [pk for pk, device in live if device_id and device == device_id]
    others = [pk for pk, _ in live if pk not in replaced]
    if len(others) >= max_streams:
        return StreamClaim(others)
    if replaced:
        _sessions_end(replaced, at=at)
    _session_insert(session)
    return StreamClaim([])


def _insert_values(session: PlaybackSession, alias: str) -> tuple[list, list]:
    """The columns of an INSERT of ``session`` and their values, as ``save()``
    would write them (``pre_save`` fills its start time)."""
    connection = connections[alias]
    fields = PlaybackSession._meta.concrete_fields
    names = [f"{{s:{field.name}}}" for field in fields]
    values = [f.get_db_prep_save(f.pre_save(session, True), connection) for f in fields]
    return names, values


def _typed_marks(alias: str) -> str:
    """Placeholders cast to their columns' types: in an INSERT's SELECT list an
    untyped literal or NULL would be text."""
    connection = connections[alias]
    return ", ".join(
        f"CAST(%s AS {field.cast_db_type(connection)})"
        for field in PlaybackSession._meta.concrete_fields
    )


def _claim_in_one_statement(session, alias, user_id, max_streams, at) -> StreamClaim:
    names, values = _insert_values(session, alias)
    resume, resume_params = selectors.resume_position_query(
        alias,
        profile_id=session.profile_id,
        title_id=session.title_id,
        episode_id=session.episode_id,
    )
    # Placeholders, and the model's columns and types only.
    query = sql(
        alias,
        # Sessions that count against the plan (as live_session_devices).
        "WITH live AS (SELECT {s.id}, {s.device_id} FROM {s} "  # noqa: S608
        "INNER JOIN {p} ON {p.id} = {s.profile} "
        "WHERE {p.user} = %s AND {s.ended_at} IS NULL AND {s.expires_at} > %s), "
        # A device plays one stream: its earlier session gives way (a NULL
        # device id, for a start without one, equals none).
        "others AS (SELECT id FROM live WHERE device_id IS DISTINCT FROM %s), "
        "ended AS (UPDATE {s} SET {s:ended_at} = %s "
        "WHERE {s.id} IN (SELECT id FROM live WHERE device_id = %s) RETURNING 1), "
        "inserted AS (INSERT INTO {s} (" + ", ".join(names) + ") "  # noqa: S608
        f"SELECT {_typed_marks(alias)} "
        "WHERE (SELECT count(*) FROM others) < %s RETURNING 1) "
        "SELECT (SELECT count(*) FROM inserted), ARRAY(SELECT id FROM others), "
        # Where to resume: the statement's snapshot, as a read after COMMIT.
        f"({resume})",
        s=PlaybackSession,
        p=Profile,
    )
    device = session.device_id or None
    ended_at = db_value(PlaybackSession, "ended_at", at, alias)
    expires_at = db_value(PlaybackSession, "expires_at", at, alias)
    params = [user_id, expires_at, device, ended_at, device, *values, max_streams]
    ((inserted, others, position),) = fetch(alias, query, [*params, *resume_params])
    if not inserted:
        return StreamClaim(list(others))
    session._state.adding, session._state.db = False, alias
    return StreamClaim([], resume_position=float(position or 0))


def _session_insert(session: PlaybackSession) -> None:
    """Write a new session as ``save()`` would, in one INSERT; no ``save()``
    signals, which sessions have none.

    Written by hand, as the start's reads are (see ``playback.selectors``):
    the ORM's INSERT cost more to build than to run; a start's CPU
    3.9 -> 2.3 ms on SQLite, 7.1 -> 4.1 ms on PostgreSQL.
    """
    alias = router.db_for_write(PlaybackSession)
    names, values = _insert_values(session, alias)
    query = sql(
        alias,
        "INSERT INTO {s} ("  # noqa: S608 (placeholders only)
        + ", ".join(names)
        + f") VALUES ({', '.join(['%s'] * len(values))})",
        s=PlaybackSession,
    )
    execute(alias, query, values)
    session._state.adding, session._state.db = False, alias


def _sessions_end(session_ids: list, *, at) -> int:
    """End those of the sessions still going (a device's earlier one, replaced).

    Written by hand, as the start's reads are (see ``playback.selectors``):
    every start from a device that played before runs it; a start's CPU
    3.9 -> 2.3 ms on SQLite, 7.1 -> 4.1 ms on PostgreSQL.
    """
    alias = router.db_for_write(PlaybackSession)
    marks = ", ".join(["%s"] * len(session_ids))
    query = sql(
        alias,
        "UPDATE {s} SET {s:ended_at} = %s "  # noqa: S608 (placeholders only)
        f"WHERE {{s:id}} IN ({marks}) AND {{s:ended_at}} IS NULL",
        s=PlaybackSession,
    )
    ids = [db_value(PlaybackSession, "id", pk, alias) for pk in session_ids]
    return execute(
        alias, query, [db_value(PlaybackSession, "ended_at", at, alias), *ids]
    )
