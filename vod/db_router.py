"""Reads from PostgreSQL read replicas, writes to the primary, read-your-writes.

With ``DATABASE_REPLICA_URLS`` set, ``settings.DATABASE_REPLICAS`` names the
replica aliases. Only HTTP requests read from replicas, and only until they
write: Celery tasks, management commands (migrations), the shell and everything
else outside a request read and write the primary, so a task never misses the
row its request has just committed.

Read-your-writes: a request pins itself to the primary from its first write (and
from the start when its method is not GET/HEAD/OPTIONS/TRACE). Its response then
pins the client for ``DATABASE_REPLICA_PIN_SECONDS``, longer than replication
lag: a cookie for browsers, and a cache entry keyed by the ``Authorization``
header for API clients that keep no cookies. A replica that cannot be reached
is left alone for ``DATABASE_REPLICA_RETRY_SECONDS`` and reads go to another
replica or the primary. So is one more than ``DATABASE_REPLICA_MAX_LAG_SECONDS``
behind, until a later look (each process looks at most every
``LAG_CHECK_SECONDS``) finds it caught up. Without replicas the router and
middleware do nothing.
"""

import hashlib
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

PIN_COOKIE = "vod_db_pin"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass
class _Reads:
    """Where the current request reads from; shared with threads it hands work to."""

    pinned: bool
    wrote: bool = False
    replica: str | None = None


# None outside a request: everything there uses the primary.
_reads: ContextVar[_Reads | None] = ContextVar("vod_db_reads", default=None)


def replica_aliases() -> list[str]:
    return getattr(settings, "DATABASE_REPLICAS", [])


@contextmanager
def replica_reads(*, pinned: bool = False) -> Iterator[_Reads]:
    """Let reads in this block go to a replica until the first write, as in a
    request; ``pinned`` starts it on the primary."""
    state = _Reads(pinned=pinned)
    token = _reads.set(state)
    try:
        yield state
    finally:
        _reads.reset(token)


# --- Replica choice ---------------------------------------------------------------

_down_until: dict[str, float] = {}
_rotations: dict[tuple[str, ...], Iterator[str]] = {}
_rotation_lock = threading.Lock()


def _next_replica(aliases: list[str]) -> str:
    key = tuple(aliases)
    with _rotation_lock:
        rotation = _rotations.get(key)
        if rotation is None:
            rotation = _rotations[key] = itertools.cycle(key)
        return next(rotation)


# How far behind the primary a standby is, in seconds: none when it has replayed
# all it received (an idle primary sends nothing, so the last replayed commit
# may be old while the standby is fully caught up), else the age of the last
# commit it replayed. None on a server that is not a standby.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() THEN 0
    ELSE COALESCE(
        EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0
    )
END
"""
LAG_CHECK_SECONDS = 1.0
# alias -> (monotonic time of the look, whether it was within the limit)
_lag_seen: dict[str, tuple[float, bool]] = {}


def _lag_ok(alias: str) -> bool:
    """Whether the replica is within DATABASE_REPLICA_MAX_LAG_SECONDS; one query
    per process and replica every LAG_CHECK_SECONDS at most."""
    limit = getattr(settings, "DATABASE_REPLICA_MAX_LAG_SECONDS", 0)
    if not limit or connections[alias].vendor != "postgresql":
        return True
    now = time.monotonic()
    seen = _lag_seen.get(alias)
    if seen is not None and now - seen[0] < LAG_CHECK_SECONDS:
        return seen[1]
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        (lag,) = cursor.fetchone()
    ok = lag is None or float(lag) <= limit
    if not ok and (seen is None or seen[1]):
        logger.warning(
            "Read replica %s is %.1f s behind (limit %s s): reading from elsewhere",
            alias,
            float(lag),
            limit,
        )
    _lag_seen[alias] = (now, ok)
    return ok


def _reachable(alias: str) -> bool:
    """Whether the replica answers and is not too far behind; one that does not
    answer is skipped for a while, one that lags until it catches up."""
    if time.monotonic() < _down_until.get(alias, 0.0):
        return False
    try:
        # Free on a live connection; (re)connects after a failure or a restart.
        connections[alias].ensure_connection()
        fresh = _lag_ok(alias)
    except DatabaseError as exc:
        retry = getattr(settings, "DATABASE_REPLICA_RETRY_SECONDS", 10)
        _down_until[alias] = time.monotonic() + retry
        logger.warning(
            "Read replica %s is unreachable, reading from elsewhere for %s s: %s",
            alias,
            retry,
            exc,
        )
        return False
    _down_until.pop(alias, None)
    return fresh


def _replica_for(state: _Reads, aliases: list[str]) -> str:
    # One replica per request, so its reads see one consistent point in time.
    if state.replica is None:
        state.replica = next(
            (
                alias
                for alias in (_next_replica(aliases) for _ in aliases)
                if _reachable(alias)
            ),
            DEFAULT_DB_ALIAS,
        )
    return state.replica


class PrimaryReplicaRouter:
    """Reads to a replica inside unpinned requests; everything else to the primary."""

    def db_for_read(self, model, **hints):
        aliases = replica_aliases()
        if not aliases:
            return None
        state = _reads.get()
        if (
            state is None
            or state.pinned
            # Reads inside the primary's transaction must see its writes.
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return _replica_for(state, aliases)

    def db_for_write(self, model, **hints):
        aliases = replica_aliases()
        if not aliases:
            return None
        state = _reads.get()
        if state is not None:
            state.pinned = state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        aliases = replica_aliases()
        if not aliases:
            return None
        same_data = {DEFAULT_DB_ALIAS, *aliases}
        if {obj1._state.db, obj2._state.db} <= same_data:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas copy the primary; a schema change there would be refused anyway.
        return False if db in replica_aliases() else None


# --- Pinning clients -----------------------------------------------------------


def _client_pin_key(request) -> str | None:
    authorization = request.headers.get("Authorization")
    if not authorization:
        return None
    digest = hashlib.sha256(authorization.encode()).hexdigest()[:32]
    return f"db-pin:{digest}"


def _client_pinned(request) -> bool:
    if request.method not in READ_ONLY_METHODS or PIN_COOKIE in request.COOKIES:
        return True
    key = _client_pin_key(request)
    if key is None:
        return False
    try:
        return cache.get(key) is not None
    except Exception:  # any cache fault: the primary is always right
        logger.warning("Cache unreachable: reading from the primary", exc_info=True)
        return True


def _pin_client(request, response) -> None:
    seconds = getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 10)
    response.set_cookie(
        PIN_COOKIE,
        "1",
        max_age=seconds,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    key = _client_pin_key(request)
    if key is not None:
        try:
            cache.set(key, 1, timeout=seconds)
        except Exception:  # the write is done; only the pin is lost
            logger.warning("Cache unreachable: client not pinned", exc_info=True)


class ReadYourWritesMiddleware:
    """Lets a request read from replicas unless its client has just written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        with replica_reads(pinned=_client_pinned(request)) as state:
            response = self.get_response(request)
        if state.wrote or request.method not in READ_ONLY_METHODS:
            _pin_client(request, response)
        return response
