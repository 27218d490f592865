"""A real PostgreSQL primary with a streaming standby, and scenarios run against it.

``start_pair()`` runs initdb for a primary in a temporary folder, takes a
pg_basebackup of it for a hot standby, starts both on free ports in 5433-5439
(as the postgres user when the tests run as root) and waits until the standby
streams. Scenarios run in a child process whose settings come from
DATABASE_URL and DATABASE_REPLICA_URLS, as on a production web node:
``python -m tests.replica SCENARIO`` prints what it saw as JSON.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(5433, 5440)
DATABASE = "vod"


def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian keeps them per version)."""
    candidates = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if path.parent.parent.name.isdigit()
    ]
    return max(candidates, key=lambda p: int(p.parent.name), default=None)


def free_ports(count: int) -> list[int]:
    ports = []
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"fewer than {count} free ports in 5433-5439")


def url(port: int, database: str = DATABASE) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{database}"


@dataclass
class PostgresPair:
    bindir: Path
    folder: Path
    primary_port: int
    standby_port: int

    @property
    def primary_url(self) -> str:
        return url(self.primary_port)

    @property
    def standby_url(self) -> str:
        return url(self.standby_port)

    def run(self, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
        """A PostgreSQL program, as the postgres OS user."""
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def data(self, name: str) -> Path:
        return self.folder / name

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        for name in ("standby", "primary"):
            if (self.data(name) / "postmaster.pid").exists():
                # Already gone or not: the folder goes next anyway.
                with contextlib.suppress(subprocess.CalledProcessError):
                    self.run(
                        "pg_ctl", "-D", str(self.data(name)), "-m", "immediate", "stop"
                    )
        shutil.rmtree(self.folder, ignore_errors=True)


PRIMARY_CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{folder}'
wal_level = replica
max_wal_senders = 4
hot_standby = on
# Throwaway servers: durability buys nothing, speed does.
fsync = off
synchronous_commit = off
full_page_writes = off
"""

HBA = """
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


def start_pair() -> PostgresPair:
    """Primary and streaming standby, both running; the caller stops them."""
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    folder = Path(tempfile.mkdtemp(prefix="vod-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    primary_port, standby_port = free_ports(2)
    pair = PostgresPair(bindir, folder, primary_port, standby_port)
    primary, standby = pair.data("primary"), pair.data("standby")
    at_primary = f"-h 127.0.0.1 -p {primary_port} -U postgres".split()
    try:
        initdb_flags = ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"]
        pair.run("initdb", "-D", str(primary), *initdb_flags, "--no-sync")
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(PRIMARY_CONF.format(port=primary_port, folder=folder))
        (primary / "pg_hba.conf").write_text(HBA)
        pair.run("pg_ctl", "-D", str(primary), "-l", f"{folder}/primary.log", "start")
        pair.run("createdb", *at_primary, DATABASE)
        # -R writes standby.signal and primary_conninfo: a streaming hot standby.
        pair.run("pg_basebackup", *at_primary, "-D", str(standby), "-R", "-cfast")
        with (standby / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {standby_port}\n")
        pair.run("pg_ctl", "-D", str(standby), "-l", f"{folder}/standby.log", "start")
        _wait_streaming(pair)
    except subprocess.CalledProcessError as error:
        logs = pair.logs()
        pair.stop()
        raise RuntimeError(f"{error.cmd} failed: {error.stderr}\n{logs}") from None
    except BaseException:
        pair.stop()
        raise
    return pair


def _wait_streaming(pair: PostgresPair, timeout: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(pair.primary_url, autocommit=True) as primary:
        while time.monotonic() < deadline:
            row = primary.execute(
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
            ).fetchone()
            if row[0] >= 1:
                return
            time.sleep(0.2)
    raise RuntimeError("the standby did not start streaming from the primary")


def child_env(pair: PostgresPair, *, replicas: list[str], var_dir: Path) -> dict:
    """A web node's environment: this pair as its databases, nothing else shared."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The child gets its own cache and broker, not the suite's Redis.
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=pair.primary_url,
        DATABASE_REPLICA_URLS=",".join(replicas),
        VOD_VAR_DIR=str(var_dir),
        DJANGO_DEBUG="1",
    )
    return env


def run_child(args: list[str], env: dict, timeout: int = 180):
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_scenario(name: str, env: dict) -> dict:
    """Run ``name`` in a child process; what it observed, as a dict."""
    result = run_child(["-m", "tests.replica", name], env)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- What runs in the child ---------------------------------------------------------


def _in_recovery(alias: str) -> bool:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def _replica_has(alias: str, sql: str, params: list) -> bool:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _wait_replayed(alias: str = "replica1", timeout: float = 20) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with connections[alias].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the standby did not catch up")


class _ReplayPaused:
    """The standby stops applying WAL: it lags for as long as the block lasts."""

    def __init__(self, alias: str = "replica1"):
        from django.db import connections

        self.connection = connections[alias]

    def __enter__(self):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
        return self

    def __exit__(self, *exc):
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def _wait_for(predicate, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def scenario_routing() -> dict:
    """Where reads and writes go, outside and inside a request-like block."""
    from django.apps import apps
    from django.db import router

    from catalog.models import Genre
    from vod.db_router import replica_reads

    seen: dict = {"outside_read": Genre.objects.all().db}
    slug = f"genre-{uuid.uuid4().hex[:12]}"
    _wait_replayed()
    with _ReplayPaused(), replica_reads() as state:
        seen["read_before_write"] = Genre.objects.all().db
        seen["read_before_write_in_recovery"] = _in_recovery(seen["read_before_write"])
        genre = Genre.objects.create(name=slug, slug=slug)
        seen["write_alias"] = genre._state.db
        seen["write_in_recovery"] = _in_recovery(genre._state.db)
        seen["read_after_write"] = Genre.objects.all().db
        seen["read_after_write_sees_it"] = Genre.objects.filter(slug=slug).exists()
        seen["replica_has_it_while_paused"] = _replica_has(
            "replica1", "SELECT 1 FROM catalog_genre WHERE slug = %s", [slug]
        )
        seen["pinned_after_write"] = state.pinned
    with replica_reads():
        seen["later_read"] = Genre.objects.all().db
        seen["later_read_sees_it_after_replay"] = _wait_for(
            lambda: Genre.objects.filter(slug=slug).exists()
        )
    seen["migrate_on"] = {
        alias: sorted(
            {
                model._meta.label
                for model in apps.get_models()
                if router.allow_migrate_model(alias, model)
            }
        )
        for alias in ("default", "replica1")
    }
    seen["model_count"] = len(apps.get_models())
    return seen


def scenario_clients() -> dict:
    """Real views through the test client: a browser and a cookie-less API app."""
    from django.utils import timezone
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.services import user_signup
    from catalog.models import Title
    from vod.db_router import PIN_COOKIE

    tag = uuid.uuid4().hex[:12]
    user = user_signup(
        email=f"replica-{tag}@example.com", password="Quiet-Harbor-Lantern-58"
    )
    titles = [
        Title.objects.create(
            kind=Title.Kind.MOVIE,
            name=f"Title {tag} {n}",
            slug=f"title-{tag}-{n}",
            visibility=Title.Visibility.PUBLISHED,
            published_at=timezone.now(),
        )
        for n in range(2)
    ]
    writer, reader, app = APIClient(), APIClient(), APIClient()
    writer.force_login(user)
    reader.force_login(user)
    app.credentials(
        HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}"
    )
    _wait_replayed()

    def listed(client) -> set[int]:
        response = client.get("/api/v1/me/watchlist/")
        assert response.status_code == 200, response.content
        return {item["title"]["id"] for item in response.json()["results"]}

    seen: dict = {}
    with _ReplayPaused():
        added = writer.post("/api/v1/me/watchlist/", {"title_id": titles[0].pk})
        seen["add_status"] = added.status_code
        cookie = added.cookies.get(PIN_COOKIE)
        seen["pin_cookie_max_age"] = cookie["max-age"] if cookie else None
        seen["writer_sees_own_write"] = titles[0].pk in listed(writer)
        seen["other_client_sees_it_before_replay"] = titles[0].pk in listed(reader)

        added = app.post("/api/v1/me/watchlist/", {"title_id": titles[1].pk})
        seen["app_add_status"] = added.status_code
        app.cookies.clear()  # an app that keeps no cookies
        seen["app_sees_own_write"] = titles[1].pk in listed(app)
        seen["other_client_sees_app_write_before_replay"] = titles[1].pk in listed(
            reader
        )
    seen["other_client_sees_both_after_replay"] = _wait_for(
        lambda: {t.pk for t in titles} <= listed(reader)
    )
    return seen


def scenario_replica_down() -> dict:
    """Replicas: the first is down; reads use another or the primary, writes work."""
    from django.conf import settings
    from django.test import Client

    from catalog.models import Genre
    from vod.db_router import replica_reads

    seen: dict = {"replicas": settings.DATABASE_REPLICAS}
    reads = []
    started = time.monotonic()
    for _ in range(4):
        with replica_reads():
            reads.append(Genre.objects.all().db)
            Genre.objects.count()
    seen["reads"] = reads
    seen["read_seconds"] = time.monotonic() - started
    with replica_reads() as state:
        slug = f"genre-{uuid.uuid4().hex[:12]}"
        seen["write_alias"] = Genre.objects.create(name=slug, slug=slug)._state.db
        seen["write_pinned"] = state.pinned
    seen["page_status"] = Client().get("/api/v1/genres/").status_code
    return seen


def scenario_lagging() -> dict:
    """A standby with replay paused while the primary writes: once it is more
    than DATABASE_REPLICA_MAX_LAG_SECONDS behind, requests read the primary."""
    from django.conf import settings
    from django.db import connections

    from catalog.models import Genre
    from vod import db_router
    from vod.db_router import replica_reads

    def read_from() -> str:
        with replica_reads():
            return Genre.objects.all().db

    limit = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    seen: dict = {"limit": limit}
    _wait_replayed()
    # An idle primary: the standby's last replayed commit grows old, yet it
    # has replayed all there is, so it is not behind at all.
    time.sleep(limit + getattr(db_router, "LAG_CHECK_SECONDS", 1.0) + 0.5)
    seen["idle_read"] = read_from()
    slug = f"genre-{uuid.uuid4().hex[:12]}"
    with _ReplayPaused():
        Genre.objects.create(name=slug, slug=slug)  # a task's write: the primary
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            written = cursor.fetchone()[0]

        def received() -> bool:
            with connections["replica1"].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [written]
                )
                return cursor.fetchone()[0]

        seen["standby_received_it"] = _wait_for(received)
        seen["replica_has_it_while_paused"] = _replica_has(
            "replica1", "SELECT 1 FROM catalog_genre WHERE slug = %s", [slug]
        )
        seen["lagging_reads_go_to_the_primary"] = _wait_for(
            lambda: read_from() == "default", timeout=limit + 10
        )
        with replica_reads():
            seen["lagging_read_sees_it"] = Genre.objects.filter(slug=slug).exists()
    seen["caught_up_reads_go_to_the_standby"] = _wait_for(
        lambda: read_from() == "replica1"
    )
    return seen


SCENARIOS = {
    "routing": scenario_routing,
    "clients": scenario_clients,
    "replica_down": scenario_replica_down,
    "lagging": scenario_lagging,
}

if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vod.settings")
    django.setup()
    print(json.dumps(SCENARIOS[sys.argv[1]]()))
