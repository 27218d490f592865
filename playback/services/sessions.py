"""Playback sessions: start (after every entitlement check), heartbeat, end.

A session starts only after every check passes, and nothing is written when
one fails. Heartbeats keep it alive and save the position (see progress.py);
a session silent for PLAYBACK_SESSION_TIMEOUT_SECONDS has expired.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Plan, Profile
from accounts.plans import plan_for_user, plans_ordered
from accounts.preferences import PlaybackPreferences
from analytics import services as analytics
from catalog import selectors as catalog_selectors
from catalog.models import Episode, Title, Video

from .. import refusals, selectors, telemetry
from ..delivery import stored
from ..delivery.sessions import SessionDelivery, session_delivery
from ..models import PlaybackSession
from .keep_alive import heartbeat_write
from .progress import position_checked, watch_progress_record
from .stream_claims import account_lock, stream_claim

DEVICE_NAMES = (  # (User-Agent fragment, name), first match wins
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
DEVICE_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_name_from_user_agent(user_agent: str) -> str:
    """A short name people recognise, e.g. 'Firefox on Linux'."""
    browser = next((n for key, n in DEVICE_NAMES if key in user_agent), "")
    system = next((n for key, n in DEVICE_SYSTEMS if key in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (user_agent[:60] or "Unknown device")


def _timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.PLAYBACK_SESSION_TIMEOUT_SECONDS)


# --- Starting a session -------------------------------------------------------


def _entitled_title(
    *, profile: Profile, title_id: int, episode_id: int | None
) -> tuple[Title, Episode | None]:
    title, episode = catalog_selectors.title_for_playback(
        title_id=title_id, episode_id=episode_id
    )
    if title is None or not title.is_visible_to_viewers():
        raise refusals.NotFound("There is no such title.")
    if title.is_series:
        if episode_id is None:
            raise refusals.InvalidInput(
                "Choose an episode of this series.",
                fields={"episode_id": ["Required for a series."]},
            )
        if episode is None:
            raise refusals.NotFound("This series has no such episode.")
    elif episode_id is not None:
        raise refusals.NotFound("This title is a movie; it has no episodes.")
    if title.maturity_rating > profile.max_maturity:
        raise refusals.MaturityRestricted(
            f"“{title.name}” is rated {title.get_maturity_rating_display()}, "
            f"above what the profile {profile.name} may watch."
        )
    return title, episode


def _check_plan(plan: Plan, title: Title) -> None:
    if plan.unlocks(title.access_level):
        return
    needed = next((p for p in plans_ordered() if p.unlocks(title.access_level)), None)
    if needed is None:
        message = f"“{title.name}” is not included in any plan at the moment."
        raise refusals.UpgradeRequired(message, required_plan=None)
    raise refusals.UpgradeRequired(
        f"“{title.name}” needs the {needed.name} plan; your plan is {plan.name}.",
        required_plan={"slug": needed.slug, "name": needed.name},
    )


def _playable_revision(
    video: Video | None,
) -> tuple[Video, str, stored.StoredMaster]:
    if video is None:
        raise refusals.NotReady("There is no video for this yet.", stage="", progress=0)
    revision = video.revision or video.preview_revision
    master = None
    if revision:
        master = stored.stored_master(
            video.revision_prefix(revision), growing=not video.revision
        )
    if master is None or not master.rungs:
        stage = video.get_stage_display() if video.stage else video.get_status_display()
        raise refusals.NotReady(
            f"This video is not ready to play yet ({stage}, {video.progress}%).",
            stage=video.stage,
            video_status=video.status,
            progress=video.progress,
        )
    return video, revision, master


def _active_device(session: PlaybackSession) -> dict:
    name = session.title.name
    if session.episode_id:
        episode = session.episode
        name = f"{name} S{episode.season.number}:E{episode.number}"
    return {
        "device": session.device or "Unknown device",
        "profile": session.profile.name,
        "title": name,
        "started_at": session.started_at,
        "last_seen_at": session.last_seen_at,
    }


@dataclass
class PlaybackStart:
    """A started session and everything a player needs to play it."""

    session: PlaybackSession
    delivery: SessionDelivery
    resume_position: float
    next_episode: Episode | None
    preferences: PlaybackPreferences  # the profile's audio and captions


@telemetry.counted_start
def playback_session_start(
    *,
    profile: Profile,
    title_id: int,
    episode_id: int | None = None,
    device: str = "",
    device_id: str = "",
    device_type: str = "browser",
    absolute_url: Callable[[str], str] | None = None,
) -> PlaybackStart:
    """Start playing a movie or an episode, after every entitlement check; the
    session with its signed URLs (made absolute by ``absolute_url``, e.g.
    ``request.build_absolute_uri``), where to resume, what plays next, and the
    profile's audio and captions preferences to start with.

    Raises a ``refusals.PlaybackRefused`` (and writes nothing) when the title is
    unknown or not visible, above the profile's maturity, outside the plan,
    not playable yet, or when the account already plays as many streams as its
    plan allows. A new session from the same ``device_id`` replaces that
    device's earlier one. ``device_type`` (browser, app, tv) is for analytics.
    """
    title, episode = _entitled_title(
        profile=profile, title_id=title_id, episode_id=episode_id
    )
    plan = plan_for_user(profile.user)
    _check_plan(plan, title)
    video, revision, master = _playable_revision(
        episode.video if episode else title.video
    )
    # Only the streams check and the insert need the account to themselves;
    # the reads above run outside the transaction, so writers wait less.
    with transaction.atomic():
        account_lock(profile.user_id)
        now = timezone.now()
        session = PlaybackSession(
            profile=profile,
            video=video,
            title=title,
            episode=episode,
            revision=revision,
            max_height=plan.max_height,
            device=device[:200],
            device_id=device_id[:64],
            last_seen_at=now,
            expires_at=now + _timeout(),
        )
        claim = stream_claim(
            session, user_id=profile.user_id, max_streams=plan.max_streams, at=now
        )
        if claim.in_the_way:
            _refuse_too_many_streams(plan, claim.in_the_way)
    analytics.analytics_play_record(
        title_id=title.pk,
        episode_id=episode.pk if episode else None,
        profile_id=profile.pk,
        plan=plan.slug,
        device_type=device_type,
        at=now,
    )
    # Signed from the master read above: the URLs match what was checked.
    return PlaybackStart(
        session=session,
        delivery=session_delivery(session, master=master, absolute=absolute_url),
        resume_position=(
            claim.resume_position
            if claim.resume_position is not None
            else selectors.resume_position(profile, title, episode)
        ),
        next_episode=selectors.next_episode(episode) if episode else None,
        preferences=profile.playback_preferences,
    )


def _refuse_too_many_streams(plan: Plan, session_ids: list) -> None:
    others = PlaybackSession.objects.filter(pk__in=session_ids).select_related(
        "profile", "title", "episode__season"
    )
    devices = sorted(others, key=lambda s: s.started_at)
    raise refusals.TooManyStreams(
        f"Your {plan.name} plan plays {plan.max_streams} "
        f"stream{'s' if plan.max_streams != 1 else ''} at a time; stop one "
        "of these first.",
        max_streams=plan.max_streams,
        active_devices=[_active_device(s) for s in devices],
    )


def _end_unavailable(session: PlaybackSession, now, message: str) -> None:
    PlaybackSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
        ended_at=now
    )
    raise refusals.SessionGone(message, code="no_longer_available")


def playback_session_heartbeat(*, session: PlaybackSession, position: float) -> bool:
    """Keep a live session alive and save its position; True if the position
    was saved (False: a newer session of the profile wrote one since).

    The account's plan is checked again: a session plays no rung above the
    current plan (``max_height`` only ever goes down, so the grant the
    heartbeat renews follows a downgrade), and a title the plan no longer
    includes ends it.

    ``session`` is as ``selectors.session_for_profile`` reads it, with its
    title: that read and the keep-alive write are all the session costs.

    Raises ``refusals.SessionGone`` for an ended or expired session, or one
    whose title stopped being available to it (unpublished, out of its window
    or outside the plan now: it ends it, ``no_longer_available``), and
    ``refusals.InvalidInput`` for a position outside the video. A refused
    heartbeat saves no position and keeps nothing alive.
    """
    now = timezone.now()
    if session.ended_at is not None:
        raise refusals.SessionGone("This playback session has ended.")
    if session.expires_at <= now:
        raise refusals.SessionGone(
            "This playback session expired; start playback again.",
            code="session_expired",
        )
    position = position_checked(session, position)
    # The title came with the session (``session_for_profile``); plans are
    # remembered per process: no read besides the session's.
    title = session.title
    if not title.is_visible_to_viewers(now):
        _end_unavailable(session, now, "This title is no longer available.")
    plan = plan_for_user(session.profile.user)
    if not plan.unlocks(title.access_level):
        _end_unavailable(
            session,
            now,
            f"“{session.title.name}” is not included in your {plan.name} plan "
            "any more.",
        )
    max_height = min(session.max_height, plan.max_height)
    watched = _watch_step(session, position, now)
    buckets = format(watched.seen, "x") if watched else session.watched_buckets
    expires_at = now + _timeout()
    saved = heartbeat_write(
        session,
        at=now,
        expires_at=expires_at,
        max_height=max_height,
        position=position,
        buckets=buckets,
    )
    if saved is None:  # ended by another request since it was read
        raise refusals.SessionGone("This playback session has ended.")
    session.last_seen_at, session.expires_at = now, expires_at
    session.max_height = max_height
    session.watched_position, session.watched_buckets = position, buckets
    if watched:
        watched.record(now)
    return saved


def _watch_step(session: PlaybackSession, position: float, now):
    """What this position adds to the title's analytics (None when off)."""
    if not analytics.analytics_enabled():
        return None
    return analytics.analytics_watch_step(
        title_id=session.title_id,
        episode_id=session.episode_id,
        duration=float(session.video.duration_seconds or 0),
        previous=session.watched_position,
        position=position,
        elapsed=max(0.0, (now - session.last_seen_at).total_seconds()),
        seen=int(session.watched_buckets or "0", 16),
    )


@transaction.atomic
def playback_session_end(
    *, session: PlaybackSession, position: float | None = None
) -> None:
    """End a session at once, freeing its stream; saves ``position`` if given.

    Ending an ended session does nothing; one that merely expired still
    records its last position.
    """
    now = timezone.now()
    if position is not None:
        position = position_checked(session, position)
    ended = PlaybackSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
        ended_at=now
    )
    session.ended_at = session.ended_at or now
    if ended and position is not None:
        watch_progress_record(session=session, position=position)
        if watched := _watch_step(session, position, now):
            transaction.on_commit(lambda: watched.record(now))


def playback_sessions_prune(*, older_than_days: int | None = None) -> int:
    """Delete sessions over for longer than the retention period; how many."""
    days = (
        settings.PLAYBACK_SESSION_RETENTION_DAYS
        if older_than_days is None
        else older_than_days
    )
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = PlaybackSession.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
