"""Read replicas: reads to a real streaming standby, writes and fresh reads to the
primary (vod.db_router).

The ``postgresql`` tests start their own primary and hot standby (see
tests/replica.py) and run each scenario in a child process configured by
DATABASE_URL and DATABASE_REPLICA_URLS, as a production node is. They run in
the service-backed pass of ``.ci/run``, where a pair that cannot start is a
failure, never a skip.
"""

import os

import pytest
from django.db import router

from catalog.models import Title
from tests import replica
from vod.db_router import PIN_COOKIE, PrimaryReplicaRouter


def _must_run() -> bool:
    return (
        os.environ.get("CI") == "true" or os.environ.get("VOD_EXPECT_SERVICES") == "1"
    )


@pytest.fixture(scope="session")
def postgres_pair(tmp_path_factory):
    """A migrated primary on one port and its streaming standby on another."""
    try:
        pair = replica.start_pair()
    except Exception as exc:
        message = f"PostgreSQL primary and standby could not start: {exc}"
        if _must_run():
            pytest.fail(message)
        pytest.skip(message)
    try:
        var_dir = tmp_path_factory.mktemp("replica-var")
        env = replica.child_env(pair, replicas=[pair.standby_url], var_dir=var_dir)
        migrate = replica.run_child(["manage.py", "migrate", "--noinput"], env, 600)
        assert migrate.returncode == 0, migrate.stderr[-4000:]
        yield pair
    finally:
        pair.stop()


@pytest.fixture
def node_env(postgres_pair, tmp_path):
    """A web node's environment, reading from the standby.

    Its lag limit is out of reach: these scenarios pause replay on purpose to
    show read-your-writes (test_a_standby_behind_the_lag_limit_... has its own).
    """
    env = replica.child_env(
        postgres_pair, replicas=[postgres_pair.standby_url], var_dir=tmp_path
    )
    env["DATABASE_REPLICA_MAX_LAG_SECONDS"] = "3600"
    return env


# --- Without replicas: the router and middleware stand aside --------------------


@pytest.mark.django_db
def test_without_replicas_the_router_leaves_every_choice_to_django(settings):
    settings.DATABASE_REPLICAS = []
    decider = PrimaryReplicaRouter()
    assert decider.db_for_read(Title) is None
    assert decider.db_for_write(Title) is None
    assert decider.allow_migrate("default", "catalog", "title") is None
    assert router.db_for_read(Title) == "default"
    assert router.allow_migrate_model("default", Title)


@pytest.mark.django_db
def test_without_replicas_a_write_sets_no_pin_cookie(settings, api_client):
    settings.DATABASE_REPLICAS = []
    response = api_client.post(
        "/api/v1/auth/signup/",
        {"email": "pin@example.com", "password": "a-Long-pass-9876"},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert PIN_COOKIE not in response.cookies


# --- Against a real primary and streaming standby -----------------------------------


@pytest.mark.postgresql
def test_reads_go_to_the_standby_until_a_write_pins_them_to_the_primary(node_env):
    seen = replica.run_scenario("routing", node_env)

    # Tasks, commands and the shell: the primary, always.
    assert seen["outside_read"] == "default"
    # In a request, reads go to the standby, which really is one...
    assert seen["read_before_write"] == "replica1"
    assert seen["read_before_write_in_recovery"] is True
    # ...writes to the primary, and from then on reads follow them there.
    assert seen["write_alias"] == "default"
    assert seen["write_in_recovery"] is False
    assert seen["pinned_after_write"] is True
    assert seen["read_after_write"] == "default"
    # The standby is lagging (replay paused), yet the writer reads its write.
    assert seen["replica_has_it_while_paused"] is False
    assert seen["read_after_write_sees_it"] is True
    # A later request reads the standby again, which has it once replayed.
    assert seen["later_read"] == "replica1"
    assert seen["later_read_sees_it_after_replay"] is True


@pytest.mark.postgresql
def test_migrations_are_allowed_on_the_primary_only(node_env):
    seen = replica.run_scenario("routing", node_env)

    assert len(seen["migrate_on"]["default"]) == seen["model_count"]
    assert seen["migrate_on"]["replica1"] == []


@pytest.mark.postgresql
def test_migrate_with_replicas_configured_reaches_the_standby_only_by_replication(
    node_env,
):
    # The fixture migrated the primary with the standby configured; the standby
    # refuses writes, so a migration attempted there would have failed.
    shown = replica.run_child(
        ["manage.py", "showmigrations", "--database", "replica1", "playback"],
        node_env,
    )
    assert shown.returncode == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if line.startswith(" [")]
    assert lines
    assert all(line.startswith(" [X]") for line in lines), shown.stdout
    again = replica.run_child(
        ["manage.py", "migrate", "--database", "replica1", "--noinput"], node_env
    )
    assert again.returncode == 0, again.stderr
    assert "No migrations to apply" in again.stdout


@pytest.mark.postgresql
def test_a_client_reads_its_own_write_while_others_read_the_lagging_standby(
    node_env,
):
    seen = replica.run_scenario("clients", node_env)

    # A browser: the write's response pins it to the primary for a while.
    assert seen["add_status"] == 201
    assert seen["pin_cookie_max_age"] == 10
    assert seen["writer_sees_own_write"] is True
    # An app sending a bearer token and keeping no cookies: pinned by its token.
    assert seen["app_add_status"] == 201
    assert seen["app_sees_own_write"] is True
    # Another client of the same account reads the standby, paused behind.
    assert seen["other_client_sees_it_before_replay"] is False
    assert seen["other_client_sees_app_write_before_replay"] is False
    assert seen["other_client_sees_both_after_replay"] is True


@pytest.mark.postgresql
def test_a_replica_that_is_down_is_skipped_and_writes_still_work(
    postgres_pair, tmp_path
):
    (dead_port,) = replica.free_ports(1)
    env = replica.child_env(
        postgres_pair,
        replicas=[replica.url(dead_port), postgres_pair.standby_url],
        var_dir=tmp_path,
    )
    seen = replica.run_scenario("replica_down", env)

    assert seen["replicas"] == ["replica1", "replica2"]
    assert seen["reads"] == ["replica2"] * 4
    assert seen["read_seconds"] < 3
    assert seen["write_alias"] == "default"
    assert seen["page_status"] == 200


@pytest.mark.postgresql
def test_with_every_replica_down_reads_fall_back_to_the_primary(
    postgres_pair, tmp_path
):
    (dead_port,) = replica.free_ports(1)
    env = replica.child_env(
        postgres_pair, replicas=[replica.url(dead_port)], var_dir=tmp_path
    )
    seen = replica.run_scenario("replica_down", env)

    assert seen["reads"] == ["default"] * 4
    assert seen["write_alias"] == "default"
    assert seen["write_pinned"] is True
    assert seen["page_status"] == 200


@pytest.mark.postgresql
def test_a_standby_behind_the_lag_limit_is_skipped_until_it_catches_up(
    postgres_pair, tmp_path
):
    env = replica.child_env(
        postgres_pair, replicas=[postgres_pair.standby_url], var_dir=tmp_path
    )
    env["DATABASE_REPLICA_MAX_LAG_SECONDS"] = "1"
    seen = replica.run_scenario("lagging", env)

    assert seen["limit"] == 1
    # Idle primary, standby caught up: its old last commit is not lag.
    assert seen["idle_read"] == "replica1"
    # Replay paused, the write received but not applied...
    assert seen["standby_received_it"] is True
    assert seen["replica_has_it_while_paused"] is False
    # ...so past the limit, requests read the primary, and see the write.
    assert seen["lagging_reads_go_to_the_primary"] is True
    assert seen["lagging_read_sees_it"] is True
    # Replay resumed: the standby is used again.
    assert seen["caught_up_reads_go_to_the_standby"] is True
