"""Where the pages' buttons and rows lead: the watch page of a movie or episode."""

from django.urls import reverse

from catalog.models import Episode, Title


def watch_url(title: Title, episode: Episode | None = None) -> str:
    """The watch page of a movie, or of one episode of a series."""
    if episode is None:
        return reverse("playback:watch", kwargs={"slug": title.slug})
    return reverse(
        "playback:watch_episode",
        kwargs={
            "slug": title.slug,
            "season": episode.season.number,
            "episode": episode.number,
        },
    )


def episode_label(episode: Episode | None) -> str:
    """``S1:E2`` for an episode, nothing for a movie."""
    return f"S{episode.season.number}:E{episode.number}" if episode else ""
