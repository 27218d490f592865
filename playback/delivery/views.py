"""Delivery endpoints: a session's own manifests, and media behind its grant.

The token in the path is the credential: players (hls.js, AVPlayer, ExoPlayer)
fetch these without cookies or bearer tokens. Every refusal is a 403 with the
API's JSON error body, whatever was wrong with the token or the session.

With a CDN in front (``PLAYBACK_MEDIA_URL`` or the CDN pathways pointing at
it), ``media`` is not used: the edge checks the signature. The manifests, the
steering manifest and, for query-string signers, the media playlists always
come from here.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from catalog.transcoding.publish import video_storage
from vod.api.errors import json_error
from vod.media_types import content_type_for

from .. import selectors
from . import manifests, serving, steering, stored
from .pathways import Pathway, pathways_for_delivery
from .signing import InvalidGrant, Signer, signer

SESSION_ENDED = "This playback session has ended or expired; start playback again."


def _forbidden(code: str, message: str) -> HttpResponse:
    response = json_error(status=403, code=code, message=message)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD"])
def media(request, token: str, path: str):
    """A stored file under the token's revision, with HTTP Range."""
    try:
        grant = signer().verify(token, path)
    except InvalidGrant as exc:
        return _forbidden(exc.code, str(exc))
    state = selectors.session_delivery_state(session_id=grant.session_id)
    if state is None or not state.live:
        return _forbidden("session_ended", SESSION_ENDED)
    return serving.storage_file_response(
        request, storage=video_storage(), path=path, growing=state.growing
    )


def _live_grant(token: str):
    """(grant, state, error response): the token's grant and its session's
    delivery state if the session is live; or why not.

    The grant is trusted for the rest: we signed it with the session's prefix
    and the files its plan allowed, so only the session's state is read (one
    row by primary key, no session or video loaded).
    """
    try:
        grant = signer().verify(token)
    except InvalidGrant as exc:
        return None, None, _forbidden(exc.code, str(exc))
    state = selectors.session_delivery_state(session_id=grant.session_id)
    if state is None or not state.live:
        return None, None, _forbidden("session_ended", SESSION_ENDED)
    return grant, state, None


def _manifest_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type=content_type_for(name))
    # Made for one session and full of its signed URLs: never shared or kept.
    response["Cache-Control"] = "private, no-store"
    return response


def _media_urls(request, token: str, grant, using: Signer):
    """``for_pathway(pathway)``: a stored name's URL there, for a master playlist.

    Where the grant rides in the path, straight to the CDN: relative names in
    the media playlists inherit it. Otherwise to this session's signed copy of
    the playlist, served by ``session_playlist``.
    """

    def for_pathway(pathway: Pathway):
        if using.relative_urls_inherit_grant:
            folder = using.url(token, grant.prefix, base_url=pathway.base_url)
            base = request.build_absolute_uri(folder)
            return lambda name: base + name
        return lambda name: request.build_absolute_uri(
            reverse(
                "playback:session_playlist",
                kwargs={"token": token, "pathway": pathway.name, "name": name},
            )
        )

    return for_pathway


def _steering_url(request, token: str) -> str:
    return request.build_absolute_uri(
        reverse("playback:session_steering", kwargs={"token": token})
    )


@require_http_methods(["GET", "HEAD"])
def session_master(request, token: str):
    """The session's HLS master playlist: the plan's rungs, every URI signed;
    with several CDN pathways, each variant once per pathway, steered."""
    grant, state, refused = _live_grant(token)
    if refused:
        return refused
    master = stored.stored_master(grant.prefix, growing=state.growing)
    if master is None:
        return json_error(status=404, code="not_found", message="No such playlist.")
    allowed, _withheld = manifests.rungs_granted(master, grant.allow, state.max_height)
    audio = manifests.audio_granted(master, grant.allow)
    for_pathway = _media_urls(request, token, grant, signer())
    offered = pathways_for_delivery()
    if len(offered) == 1:
        text = manifests.session_master_text(
            master, allowed, url=for_pathway(offered[0]), audio=audio
        )
    else:
        text = steering.steered_master_text(
            master,
            allowed,
            audio=audio,
            pathways=offered,
            url_for=for_pathway,
            steering_url=_steering_url(request, token),
        )
    return _manifest_response(text, stored.MASTER)


def _query_function(using: Signer, token: str, grant, *, base_url: str):
    """A stored name (relative to the revision) to its signed query string."""
    signed = using.url_function(token, base_url=base_url)
    return lambda name: urlsplit(signed(grant.prefix + name)).query


@require_http_methods(["GET", "HEAD"])
def session_mpd(request, token: str):
    """The session's DASH MPD: the plan's representations, resolved to signed
    URLs; with several CDN pathways, one BaseURL each and Content Steering."""
    grant, state, refused = _live_grant(token)
    if refused:
        return refused
    master = stored.stored_master(grant.prefix, growing=state.growing)
    text = None
    if master is not None:
        _allowed, withheld = manifests.rungs_granted(
            master, grant.allow, state.max_height
        )
        using = signer()
        offered = pathways_for_delivery()
        query = None
        if using.relative_urls_inherit_grant:
            bases = [
                (
                    pathway.name,
                    request.build_absolute_uri(
                        using.url(token, grant.prefix, base_url=pathway.base_url)
                    ),
                )
                for pathway in offered
            ]
        else:
            # Each rung's query is written on its segment template, which every
            # BaseURL shares: one pathway, whose host the policies name.
            pathway = offered[0]
            bases = [(pathway.name, pathway.base_url + grant.prefix)]
            query = _query_function(using, token, grant, base_url=pathway.base_url)
        audio = manifests.audio_granted(master, grant.allow)
        text = manifests.session_mpd_text(
            grant.prefix,
            withheld,
            withheld_audio=manifests.audio_withheld(master, audio),
            base_urls=bases,
            query=query,
            steering_url=_steering_url(request, token) if len(bases) > 1 else None,
        )
    if text is None:
        return json_error(status=404, code="not_found", message="No such manifest.")
    return _manifest_response(text, stored.MPD)


@require_http_methods(["GET", "HEAD"])
def session_playlist(request, token: str, pathway: str, name: str):
    """A media playlist (or the storyboard track) of the session on one pathway,
    every URI in it absolute and signed: for signers whose signature relative
    URIs do not inherit (see ``cloudfront``)."""
    grant, state, refused = _live_grant(token)
    if refused:
        return refused
    path = grant.prefix + name
    try:
        grant.check_path(path)
    except InvalidGrant as exc:
        return _forbidden(exc.code, str(exc))
    chosen = next((p for p in pathways_for_delivery() if p.name == pathway), None)
    if chosen is None or not name.endswith((".m3u8", ".vtt")):
        return json_error(status=404, code="not_found", message="No such playlist.")
    text = stored.stored_text(path, growing=state.growing)
    if text is None:
        return json_error(status=404, code="not_found", message="No such playlist.")
    url = signer().url_function(token, base_url=chosen.base_url)
    signed = steering.signed_text(
        text,
        name=name,
        url=lambda stored: request.build_absolute_uri(url(grant.prefix + stored)),
    )
    return _manifest_response(signed, name)


@require_http_methods(["GET"])
def session_steering(request, token: str):
    """The session's HLS/DASH steering manifest: CDN pathways, healthy first.

    Players add ``_HLS_pathway`` and ``_HLS_throughput`` to the query; the
    order is the operator's and the health check's, so they are not read.
    """
    try:
        grant = signer().verify(token)
    except InvalidGrant as exc:
        return _forbidden(exc.code, str(exc))
    state = selectors.session_delivery_state(session_id=grant.session_id)
    if state is None or not state.live:
        return _forbidden("session_ended", SESSION_ENDED)
    manifest = steering.steering_manifest(
        pathways_for_delivery(),
        reload_uri=_steering_url(request, token),
        ttl=settings.PLAYBACK_CDN_STEERING_TTL_SECONDS,
    )
    response = JsonResponse(manifest)
    response["Cache-Control"] = "private, no-store"
    return response
