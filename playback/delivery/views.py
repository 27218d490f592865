"""Delivery endpoints: a session's own manifests, and media behind its grant.

The token in the path is the credential: players (hls.js, AVPlayer, ExoPlayer)
fetch these without cookies or bearer tokens. Every refusal is a 403 with the
API's JSON error body, whatever was wrong with the token or the session.

With a CDN in front (``PLAYBACK_MEDIA_URL`` pointing at it), ``media`` is not
used: the edge checks the same grant. The manifests always come from here.
"""

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from catalog.transcoding.media_types import content_type_for
from catalog.transcoding.publish import video_storage
from vod.api.errors import json_error

from .. import selectors
from . import manifests, serving
from .sessions import session_is_growing, session_prefix
from .signing import InvalidGrant, signer

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


def _live_session(token: str):
    """(session, grant, error response): the token's live session, or why not."""
    try:
        grant = signer().verify(token)
    except InvalidGrant as exc:
        return None, None, _forbidden(exc.code, str(exc))
    session = selectors.session_for_delivery(session_id=grant.session_id)
    if session is None:
        return None, None, _forbidden("session_ended", SESSION_ENDED)
    if grant.prefix != session_prefix(session):
        return None, None, _forbidden("invalid_signature", "This URL is not valid.")
    return session, grant, None


def _manifest_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type=content_type_for(name))
    # Made for one session and full of its signed URLs: never shared or kept.
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "HEAD"])
def session_master(request, token: str):
    """The session's HLS master playlist: the plan's rungs, every URI signed."""
    session, grant, refused = _live_session(token)
    if refused:
        return refused
    master = manifests.stored_master(grant.prefix, growing=session_is_growing(session))
    if master is None:
        return json_error(status=404, code="not_found", message="No such playlist.")
    allowed, _withheld = manifests.rungs_for_height(master, session.max_height)
    base = request.build_absolute_uri(signer().url(token, grant.prefix))
    text = manifests.session_master_text(master, allowed, url=lambda name: base + name)
    return _manifest_response(text, manifests.MASTER)


@require_http_methods(["GET", "HEAD"])
def session_mpd(request, token: str):
    """The session's DASH MPD: the plan's representations, resolved to signed URLs."""
    session, grant, refused = _live_session(token)
    if refused:
        return refused
    master = manifests.stored_master(grant.prefix, growing=session_is_growing(session))
    text = None
    if master is not None:
        _allowed, withheld = manifests.rungs_for_height(master, session.max_height)
        base = request.build_absolute_uri(signer().url(token, grant.prefix))
        text = manifests.session_mpd_text(grant.prefix, withheld, base_url=base)
    if text is None:
        return json_error(status=404, code="not_found", message="No such manifest.")
    return _manifest_response(text, manifests.MPD)
