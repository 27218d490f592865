"""The watch page: the player's shell around one movie or one episode.

The page only says what to play. The player starts a playback session through
the API, which checks entitlement (plan, access level, maturity, streams) and
readiness, so the browser and the mobile apps are refused by the same code and
with the same messages.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from catalog import selectors as catalog_selectors
from catalog.models import Episode, Title
from playback.selectors import (
    episodes_in_order,
    first_episode,
    title_resume_point,
)

from .links import watch_url

SESSIONS_API_PATH = "/api/v1/playback/sessions/"
HLS_JS = "vendor/hls.js/hls.min.js"


@dataclass(frozen=True)
class WatchTarget:
    """What the page plays, and what comes after it (series only)."""

    title: Title
    episode: Episode | None = None
    next_episode: Episode | None = None


def _url(name: str, fallback: str) -> str:
    # The accounts pages are built alongside; the page must render either way.
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _hls_js_url() -> str | None:
    # Without `npm ci` there is no hls.js (and production's manifest storage
    # raises for it): the page then plays with the browser's own HLS, if any.
    try:
        return static(HLS_JS)
    except ValueError:
        return None


def _target(title: Title, season: int | None, number: int | None) -> WatchTarget:
    if not title.is_series:
        if season is not None:
            raise Http404("A movie has no episodes.")
        return WatchTarget(title=title)
    episodes = episodes_in_order(title)
    for index, episode in enumerate(episodes):
        if episode.season.number == season and episode.number == number:
            following = episodes[index + 1] if index + 1 < len(episodes) else None
            return WatchTarget(title=title, episode=episode, next_episode=following)
    raise Http404("No such episode.")


def _start_at(request) -> float | None:
    """``?t=SECONDS`` starts there instead of the saved position (``t=0``: over)."""
    try:
        value = float(request.GET["t"])
    except (KeyError, ValueError):
        return None
    return value if 0 <= value < 24 * 3600 else None


def _player_config(request, target: WatchTarget, profile) -> dict:
    title, episode, following = target.title, target.episode, target.next_episode
    video = episode.video if episode else title.video
    back_here = "?" + urlencode({"next": request.get_full_path()})
    next_item = None
    if following is not None:
        next_item = {
            "url": watch_url(title, following),
            "label": f"S{following.season.number}:E{following.number} {following.name}",
        }
    return {
        "titleId": title.pk,
        "episodeId": episode.pk if episode else None,
        "sessionsUrl": SESSIONS_API_PATH,
        "titleUrl": title.get_absolute_url(),
        "loginUrl": _url(settings.LOGIN_URL, "/accounts/login/") + back_here,
        "profilesUrl": _url("accounts:profiles", "/accounts/profiles/") + back_here,
        "accountUrl": _url("accounts:account", "/accounts/"),
        "next": next_item,
        "startAt": _start_at(request),
        # Shown while the first transcode runs; the API's answer replaces it.
        "videoProgress": video.progress if video else 0,
        "profileRequired": profile is None,
        # The profile's audio and captions to start with (the session's answer
        # carries them too, fresh); from the row the request already loaded.
        "preferences": profile.playback_preferences.as_dict() if profile else None,
    }


def watch(request, slug: str, season: int | None = None, episode: int | None = None):
    """The player for a movie or an episode.

    A series alone opens the episode to resume, or else its first one.
    """
    title = catalog_selectors.title_detail_for_viewers(slug=slug)
    profile = request.profile.get()
    if title.is_series and season is None:
        point = title_resume_point(profile, title) if profile else None
        episode_to_play = point.episode if point else first_episode(title)
        if episode_to_play is None:
            raise Http404("This series has no episodes yet.")
        return redirect(watch_url(title, episode_to_play))
    target = _target(title, season, episode)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = {
        "title": title,
        "episode": target.episode,
        "next_episode": target.next_episode,
        "next_url": watch_url(title, target.next_episode)
        if target.next_episode
        else None,
        "profile": profile,
        "player_config": _player_config(request, target, profile),
        "hls_js_url": _hls_js_url(),
    }
    return render(request, "playback/watch.html", context)
