"""A session's delivery: its grant, and the URLs a player needs to play it."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from accounts.plans import plan_for_user
from catalog.models import TextTrack
from catalog.transcoding import layout

from ..models import PlaybackSession
from . import manifests, stored
from .pathways import pathways_for_delivery
from .signing import Grant, PathNotGranted, Signer, grant_expires, signer


@dataclass
class TextTrackUrl:
    language: str
    label: str
    kind: str
    url: str


@dataclass
class SessionDelivery:
    token: str
    hls_url: str
    dash_url: str | None
    poster_url: str | None
    thumbnails_url: str | None
    grant: dict = field(default_factory=dict)
    text_tracks: list[TextTrackUrl] = field(default_factory=list)


def session_prefix(session: PlaybackSession) -> str:
    return session.video.revision_prefix(session.revision)


def session_is_growing(session: PlaybackSession) -> bool:
    """Whether the session plays a revision still being written."""
    return session.video.preview_revision == session.revision


def session_grant(
    session: PlaybackSession, master: stored.StoredMaster, *, now=None
) -> Grant:
    """The session's grant, made ``now``: the files its plan allows, for
    PLAYBACK_GRANT_LIFETIME_SECONDS (see ``signing.grant_expires``).

    The channel layouts are the account's plan's now (no query: plans are
    remembered per process), so a heartbeat after a downgrade drops 5.1."""
    allowed, _withheld = manifests.rungs_for_height(master, session.max_height)
    channels = plan_for_user(session.profile.user).max_audio_channels
    return Grant(
        session_id=session.id,
        prefix=session_prefix(session),
        expires=grant_expires(now),
        allow=manifests.granted_files(
            master, allowed, manifests.audio_for_channels(master, channels)
        ),
    )


def grant_body(token: str, grant: Grant, using: Signer) -> dict:
    """A grant as players apply it (``SessionGrantSerializer`` documents the
    shape): the token for every URL path that carries one, and per CDN pathway
    the query for the URLs each resource pattern matches."""
    queries = [
        {"resource": resource, "query": query}
        for pathway in pathways_for_delivery()
        for resource, query in using.queries(grant, base_url=pathway.base_url)
    ]
    return {
        "token": token,
        "expires_at": datetime.datetime.fromtimestamp(grant.expires, tz=datetime.UTC),
        "queries": queries,
    }


def session_grant_renewal(session: PlaybackSession) -> dict | None:
    """A fresh grant for a live session (its heartbeat's answer); None if its
    revision's master is gone. The caller has checked the session is live."""
    master = stored.stored_master(
        session_prefix(session), growing=session_is_growing(session)
    )
    if master is None:
        return None
    using = signer()
    grant = session_grant(session, master)
    return grant_body(using.sign(grant), grant, using)


def _kind_of(entry) -> str:
    kind = layout.text_track_kind(entry.uri)
    return kind if kind in TextTrack.Kind.values else TextTrack.Kind.SUBTITLES


def _as_is(url: str) -> str:
    return url


def session_delivery(
    session: PlaybackSession,
    *,
    master: stored.StoredMaster,
    absolute: Callable[[str], str] | None = None,
    using: Signer | None = None,
) -> SessionDelivery:
    """Signed URLs for ``session``, which plays the revision ``master`` describes.

    ``absolute`` turns a root-relative URL into an absolute one (apps need
    them); ``request.build_absolute_uri`` does.
    """
    absolute = absolute or _as_is
    prefix = session_prefix(session)
    using = using or signer()
    grant = session_grant(session, master)
    token = using.sign(grant)
    preferred = pathways_for_delivery()[0]
    url = using.url_function(token, base_url=preferred.base_url)

    def media(path: str) -> str | None:
        if not path or not path.startswith(prefix):
            return None  # not stored yet, or another revision's
        try:
            return absolute(url(path))
        except PathNotGranted:  # a file the grant does not name: none of ours
            return None

    def storyboard(path: str) -> str | None:
        if using.relative_urls_inherit_grant or not path.startswith(prefix):
            return media(path)
        # It names its sprite relatively: a copy with the sprite's URL signed.
        name = path[len(prefix) :]
        kwargs = {"token": token, "pathway": preferred.name, "name": name}
        return absolute(reverse("playback:session_playlist", kwargs=kwargs))

    video = session.video
    dash_url = None
    if video.dash_manifest_path.startswith(prefix):
        dash_url = absolute(reverse("playback:session_mpd", kwargs={"token": token}))
    return SessionDelivery(
        token=token,
        hls_url=absolute(reverse("playback:session_master", kwargs={"token": token})),
        grant=grant_body(token, grant, using),
        dash_url=dash_url,
        poster_url=media(video.poster_path),
        thumbnails_url=storyboard(video.thumbnails_path),
        text_tracks=[
            TextTrackUrl(
                language=entry.language,
                label=entry.name,
                kind=_kind_of(entry),
                url=media(prefix + entry.vtt_uri),
            )
            for entry in master.text_tracks
        ],
    )
