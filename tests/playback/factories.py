import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Plan
from playback.models import PlaybackSession, WatchlistItem, WatchProgress
from tests.accounts.factories import PlanFactory, ProfileFactory, UserFactory
from tests.catalog.factories import TitleFactory, VideoFactory

__all__ = [
    "PlanFactory",
    "ProfileFactory",
    "UserFactory",
    "PlaybackSessionFactory",
    "WatchProgressFactory",
    "WatchlistItemFactory",
    "plan",
]


def plan(slug: str) -> Plan:
    """One of the plans the accounts migrations create: free, standard, premium."""
    return Plan.objects.get(slug=slug)


class PlaybackSessionFactory(DjangoModelFactory):
    """A live session (no real media behind it: for counting and ownership)."""

    class Meta:
        model = PlaybackSession

    profile = factory.SubFactory(ProfileFactory)
    title = factory.SubFactory(TitleFactory)
    video = factory.SubFactory(VideoFactory)
    revision = "r1"
    max_height = 1080
    device = factory.Sequence(lambda n: f"Device {n}")
    last_seen_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(
        lambda s: s.last_seen_at + datetime.timedelta(seconds=45)
    )


class WatchProgressFactory(DjangoModelFactory):
    class Meta:
        model = WatchProgress

    profile = factory.SubFactory(ProfileFactory)
    title = factory.SubFactory(TitleFactory)
    position_seconds = 30.0
    duration_seconds = 100.0
    session_started_at = factory.LazyFunction(timezone.now)


class WatchlistItemFactory(DjangoModelFactory):
    class Meta:
        model = WatchlistItem

    profile = factory.SubFactory(ProfileFactory)
    title = factory.SubFactory(TitleFactory)
