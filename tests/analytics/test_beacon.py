"""The telemetry beacon feeds a title's analytics, by device type and pathway."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from analytics.store import day_read
from tests.playback.factories import (
    PlaybackSessionFactory,
    ProfileFactory,
    UserFactory,
    plan,
)

pytestmark = pytest.mark.django_db

TV = "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.5) AppleWebKit/537.36 Chrome/85.0"


@pytest.fixture
def session():
    profile = ProfileFactory(user=UserFactory(plan=plan("premium")))
    return PlaybackSessionFactory(profile=profile)


def beacon(session, body) -> int:
    client = Client(enforce_csrf_checks=True)
    client.force_login(session.profile.user)
    return client.post(
        f"/api/v1/playback/sessions/{session.pk}/telemetry/",
        json.dumps(body),
        content_type="text/plain;charset=UTF-8",
        HTTP_ORIGIN="http://testserver",
        HTTP_USER_AGENT=TV,
    ).status_code


def today_counts(session) -> dict:
    found = day_read(timezone.now().astimezone(datetime.UTC).date())
    return found.get(f"{session.title_id}.0", {})


def test_a_tv_beacon_counts_by_device_plan_and_pathway(session):
    events = [
        {"kind": "startup", "seconds": 0.6},
        {"kind": "rendition", "seconds": 4.0, "height": 1080, "kbps": 6000},
        {"kind": "exit"},
    ]

    assert beacon(session, {"events": events, "pathway": "default"}) == 204
    counts = today_counts(session)
    assert counts["startup:0.75|device:tv"] == 1
    assert counts["startup:0.75|plan:premium"] == 1
    assert counts["rung_ms:1080|pathway:default"] == 4000
    assert counts["exits_before_start"] == 1


def test_a_rendition_without_its_bitrate_is_refused_and_nothing_counts(session):
    events = [
        {"kind": "startup", "seconds": 0.6},
        {"kind": "rendition", "seconds": 4.0, "height": 1080},
    ]

    assert beacon(session, {"events": events}) == 400
    assert today_counts(session) == {}
