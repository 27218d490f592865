"""Probes, production settings and logs, checked the way an operator meets them."""

import json

import pytest

from tests.helpers import production_env, run_manage


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: pytest-django makes any database access an error here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_dependency_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "storage": "ok",
    }


def test_readyz_is_503_naming_the_database_when_it_is_unreachable():
    script = (
        "from django.test import Client;"
        "r = Client().get('/readyz');"
        "print(r.status_code);"
        "print(r.content.decode())"
    )
    result = run_manage(
        "shell",
        "-c",
        script,
        env={"DATABASE_URL": "postgres://postgres@127.0.0.1:1/unreachable"},
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-2:]
    assert status == "503"
    payload = json.loads(body)
    assert payload["failed"] == ["database"]
    assert "database" in payload["message"]
    assert payload["checks"]["cache"] == "ok"


def test_check_deploy_is_clean_in_production_mode():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_probes_answer_a_balancer_that_sends_the_replica_address_as_host():
    # An AWS target group or a kubelet probes 10.0.3.7:8000, over plain HTTP:
    # probes answer, while every other page still refuses that host.
    script = (
        "from django.test import Client; c = Client();"
        "h = {'HTTP_HOST': '10.0.3.7:8000'};"
        "print(c.get('/healthz', **h).status_code, c.get('/api/v1/titles/', **h).status_code)"
    )
    env = production_env() | {"DJANGO_SECURE_SSL_REDIRECT": "1"}
    result = run_manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["200", "400"]


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = production_env()
    env["DJANGO_SECRET_KEY"] = ""
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_json_logs_carry_the_request_id_given_by_the_load_balancer():
    script = (
        "from django.test import Client;"
        "Client().get('/no-such-page/', HTTP_X_REQUEST_ID='req-abc-123')"
    )
    result = run_manage("shell", "-c", script, env={"LOG_FORMAT": "json"})
    assert result.returncode == 0, result.stderr
    records = [
        json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")
    ]
    not_found = [r for r in records if "Not Found" in r.get("message", "")]
    assert not_found, result.stderr
    assert not_found[0]["request_id"] == "req-abc-123"
    assert not_found[0]["level"] == "WARNING"


def test_responses_carry_a_request_id(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32
    echoed = client.get("/healthz", HTTP_X_REQUEST_ID="from-the-balancer")
    assert echoed["X-Request-ID"] == "from-the-balancer"
