"""The home and title pages: the catalog's rows with the viewer's own.

The catalog says what a viewer may see (up to the profile's maturity rating);
playback adds where this profile stopped: the "Continue watching" row and the
title's Play or Resume button.
"""

from django.shortcuts import render

from catalog import selectors as catalog_selectors
from playback import selectors as playback_selectors

from .links import episode_label, watch_url

CONTINUE_WATCHING_ROW = 12


def _continue_watching(profile) -> list[dict]:
    if profile is None:
        return []
    return [
        {
            "title": point.title,
            "episode": point.episode,
            "url": watch_url(point.title, point.episode),
            "episode_label": episode_label(point.episode),
            "up_next": point.up_next,
            "percent": round(point.fraction * 100),
            "minutes_left": max(1, round((point.duration - point.position) / 60)),
        }
        for point in playback_selectors.continue_watching(
            profile, limit=CONTINUE_WATCHING_ROW
        )
    ]


def _play_button(profile, title) -> dict | None:
    action = playback_selectors.play_action(profile, title)
    if action is None:
        return None
    return {
        "url": watch_url(title, action.episode),
        "episode_label": episode_label(action.episode),
        "resume": action.resume,
        "percent": action.percent,
    }


def home(request):
    profile = request.profile.get()
    max_maturity = profile.max_maturity if profile else None
    context = {
        "page": catalog_selectors.home_page(max_maturity=max_maturity),
        "continue_watching": _continue_watching(profile),
    }
    return render(request, "catalog/home.html", context)


def title_detail(request, slug: str):
    profile = request.profile.get()
    title = catalog_selectors.title_detail_for_viewers(
        slug=slug, max_maturity=profile.max_maturity if profile else None
    )
    play = _play_button(profile, title)
    languages = catalog_selectors.title_languages(title)
    context = {"title": title, "play": play, "languages": languages}
    return render(request, "catalog/title_detail.html", context)
