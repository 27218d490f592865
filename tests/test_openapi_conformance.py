"""Every API operation answers only what ``/api/schema/`` documents.

schemathesis generates requests from the app's own schema (valid ones, and
ones that break it) and calls the WSGI app in-process: signed in as an editor
who also watches, as a viewer, and anonymously. Each response's status, content type, headers and body must be
documented for that operation, and none may be a 500. Seeded and bounded, so
the run is the same on every machine.
"""

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Profile, User
from catalog.models import Video
from tests.catalog.factories import (
    EpisodeFactory,
    SeasonFactory,
    TitleFactory,
    VideoFactory,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261205,
        "generation": {
            "mode": "all",
            "max-examples": 12,
            "deterministic": True,
            "database": "none",
        },
        "phases": {"stateful": {"enabled": False}},
    }
)


@pytest.fixture(autouse=True)
def _connections_kept_between_requests():
    """As Django's test client does: the test's transaction outlives requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["editor", "viewer", "anonymous"])
def auth_headers(request, db, settings, monkeypatch):
    """Signed in as an editor who also watches, as a viewer, or not at all; the
    catalog has a little of each kind of title."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    rates = dict.fromkeys(
        settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min"
    )
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    TitleFactory(video=VideoFactory(status=Video.Status.READY, revision="r1"))
    EpisodeFactory(season=SeasonFactory(number=1))
    if request.param == "anonymous":
        return {}
    user = User.objects.create_user(
        email="app@example.com",
        password="a-long-Secret-passphrase-42",
        is_staff=request.param == "editor",
    )
    if request.param == "editor":
        user.groups.add(Group.objects.get(name="Editors"))
    Profile.objects.create(user=user, name="App")
    token = RefreshToken.for_user(user).access_token
    return {"Authorization": f"Bearer {token}"}


# Loaded when the module is collected: building the schema reads no rows.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", WSGIHandler(), config=CONFIG
)


@schema.parametrize()
# The account and catalog rows are made once per operation and shared by its
# examples on purpose; an in-process call is quick but not bounded in time.
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_every_response_is_documented(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
