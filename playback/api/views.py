"""Playback sessions over REST: start, heartbeat, end (one class each)."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.api.schema import PROFILE_HEADER_PARAMETER
from accounts.models import Profile
from analytics.devices import device_type_from_user_agent

from .. import refusals, selectors, services
from ..delivery.sessions import session_grant_renewal, session_is_growing
from ..models import PlaybackSession
from . import serializers as s
from .common import COMMON_ERRORS, ProfileApi, error_response


def _session_or_404(profile: Profile, session_id) -> PlaybackSession:
    session = selectors.session_for_profile(profile=profile, session_id=session_id)
    if session is None:
        raise refusals.NotFound("There is no such playback session.")
    return session


class PlaybackSessionStartApi(ProfileApi):
    """Start playing a movie or an episode: entitlement, then signed URLs."""

    throttle_scope = "playback_start"

    @extend_schema(
        operation_id="playback_session_start",
        parameters=[PROFILE_HEADER_PARAMETER],
        request=s.SessionStartSerializer,
        responses={
            201: s.SessionSerializer,
            **COMMON_ERRORS,
            403: error_response(
                "`upgrade_required` (with `required_plan`: {slug, name}) or "
                "`maturity` (above the profile's rating)."
            ),
            409: error_response(
                "`not_ready` (with `stage`, `video_status`, `progress`) or "
                "`too_many_streams` (with `max_streams` and `active_devices`: "
                "[{device, profile, title, started_at, last_seen_at}])."
            ),
        },
    )
    def post(self, request):
        params = s.SessionStartSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        started = services.playback_session_start(
            profile=self.profile,
            title_id=data["title_id"],
            episode_id=data.get("episode_id"),
            device=data["device"]
            or services.device_name_from_user_agent(
                request.headers.get("User-Agent", "")
            ),
            device_id=data["device_id"],
            device_type=device_type_from_user_agent(
                request.headers.get("User-Agent", "")
            ),
            absolute_url=request.build_absolute_uri,
        )
        body = session_start_body(request, started)
        return Response(body, status=status.HTTP_201_CREATED)


def session_start_body(request, started: services.PlaybackStart) -> dict:
    """What a player needs for a started session, as ``SessionSerializer``
    documents it.

    Built as plain data: running the serializer (which copies its nested fields
    for every answer) cost a sizeable share of each start. A test holds the
    two to the same keys.
    """
    session, delivery = started.session, started.delivery
    kwargs = {"session_id": session.id}
    title = session.title
    return {
        "id": str(session.id),
        "hls_url": delivery.hls_url,
        "grant": delivery.grant,
        "dash_url": delivery.dash_url,
        "thumbnails_url": delivery.thumbnails_url,
        "poster_url": delivery.poster_url,
        "text_tracks": [vars(track) for track in delivery.text_tracks],
        "resume_position": started.resume_position,
        "duration": session.video.duration_seconds,
        "expires_at": session.expires_at,
        "heartbeat_url": request.build_absolute_uri(
            reverse("api-playback-session-heartbeat", kwargs=kwargs)
        ),
        "end_url": request.build_absolute_uri(
            reverse("api-playback-session-end", kwargs=kwargs)
        ),
        "heartbeat_interval": settings.PLAYBACK_HEARTBEAT_SECONDS,
        "next_episode": _episode_ref(started.next_episode),
        "title": {"id": title.id, "name": title.name, "slug": title.slug},
        "episode": _episode_ref(session.episode),
        "max_height": session.max_height,
        "previewing": session_is_growing(session),
        "preferences": started.preferences.as_dict(),
    }


def _episode_ref(episode) -> dict | None:
    if episode is None:
        return None
    return {
        "id": episode.id,
        "season": episode.season.number,
        "number": episode.number,
        "name": episode.name,
        "playable": bool(episode.video and episode.video.is_playable),
    }


SESSION_GONE = error_response(
    "`session_ended`, `session_expired` or `no_longer_available` (the title was "
    "withdrawn, or the account's plan no longer includes it: the session is "
    "ended): start a new one, which says why if it is refused."
)


class PlaybackSessionHeartbeatApi(ProfileApi):
    """Report the position (about every 10 s): keeps the session alive, saves
    progress, and answers with a fresh delivery grant to apply to every
    following media request (see ``SessionGrantSerializer``), covering what
    the account's plan allows now: after a downgrade, no rung above the new
    plan; a title the plan no longer includes ends the session (410
    ``no_longer_available``). Idempotent; a late heartbeat of an older session
    is ignored."""

    throttle_scope = "heartbeat"

    @extend_schema(
        operation_id="playback_session_heartbeat",
        parameters=[PROFILE_HEADER_PARAMETER],
        request=s.HeartbeatSerializer,
        responses={
            200: s.HeartbeatAnswerSerializer,
            **COMMON_ERRORS,
            410: SESSION_GONE,
        },
    )
    def post(self, request, session_id):
        params = s.HeartbeatSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        session = _session_or_404(self.profile, session_id)
        services.playback_session_heartbeat(
            session=session, position=params.validated_data["position"]
        )
        # Only a live session gets here: the service refused the others.
        grant = session_grant_renewal(session)
        return Response({"expires_at": session.expires_at, "grant": grant})


class PlaybackSessionEndApi(ProfileApi):
    """Stop playing: frees the stream at once; saves the final position if sent."""

    @extend_schema(
        operation_id="playback_session_end",
        parameters=[PROFILE_HEADER_PARAMETER],
        request=s.SessionEndSerializer,
        responses={204: None, **COMMON_ERRORS},
    )
    def post(self, request, session_id):
        params = s.SessionEndSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        session = _session_or_404(self.profile, session_id)
        services.playback_session_end(
            session=session, position=params.validated_data.get("position")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
