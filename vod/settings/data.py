"""The database (and its read replicas), the cache and sessions."""

import os

import dj_database_url

from vod.settings.core import VAR_DIR
from vod.settings.env import env, env_int, env_list

# --- Database -----------------------------------------------------------------
# DATABASE_URL selects the engine (postgres://... uses psycopg 3). The embedded
# default is one SQLite file that `make run` and `python manage.py` share.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default keeps its files under var/; a fresh clone has none yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Connections persist as on PostgreSQL (DATABASE_CONN_MAX_AGE): opening one
    # (the PRAGMAs, Django's SQL functions) cost about a millisecond a request.
    # WAL lets the web process read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a worker process started by a test sees its rows;
    # one per test run, so runs side by side don't trip over each other.
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
    }
# Read replicas: DATABASE_REPLICA_URLS (comma-separated PostgreSQL URLs) become
# the aliases replica1, replica2... vod.db_router sends requests' reads there
# and pins a client to the primary for DATABASE_REPLICA_PIN_SECONDS after it
# writes (longer than replication lag); an unreachable replica is skipped for
# DATABASE_REPLICA_RETRY_SECONDS. Tasks and commands use the primary only.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _replica = dj_database_url.parse(
        _url,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    # A replica that is down must cost a request seconds, not minutes.
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests get one database: replicas read the primary's test database.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_number}")
DATABASE_ROUTERS = ["vod.db_router.PrimaryReplicaRouter"]
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
DATABASE_REPLICA_RETRY_SECONDS = env_int("DATABASE_REPLICA_RETRY_SECONDS", 10)
# A replica further behind than this is skipped like a dead one (0: no limit).
DATABASE_REPLICA_MAX_LAG_SECONDS = float(env("DATABASE_REPLICA_MAX_LAG_SECONDS", "5"))

# --- Cache --------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "vod.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "vod"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # Shared by the web and worker processes of `make run`, unlike locmem.
    # diskcache keeps entries in SQLite files: a hit or a throttle count is a
    # row read or write, where Django's file cache writes a file and lists
    # the whole folder (its cull) on every set.
    CACHES = {
        "default": {
            "BACKEND": "vod.cache.DiskCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
