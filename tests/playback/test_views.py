"""The watch page and the title page's Play button (the player itself: tests/e2e)."""

import json

import pytest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile, User
from accounts.selectors import PROFILE_SESSION_KEY
from catalog.models import Video
from playback.models import WatchProgress
from tests.catalog.factories import EpisodeFactory, SeasonFactory, TitleFactory

pytestmark = pytest.mark.django_db


def playable_video(**fields) -> Video:
    return Video.objects.create(
        status=Video.Status.READY, revision="r1", progress=100, **fields
    )


@pytest.fixture
def viewer(client):
    user = User.objects.create_user("viewer@example.com", "a-long-password-1")
    profile = Profile.objects.create(user=user, name="Sam")
    client.force_login(user)
    return profile


def player_config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="player-config" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_watch_page_renders_the_player_for_a_signed_in_profile(client, viewer):
    title = TitleFactory(slug="glass-harvest", video=playable_video())

    response = client.get("/watch/glass-harvest/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="player"' in html
    assert 'data-engine="none"' in html  # the player sets it once it starts
    config = player_config(response)
    assert config["titleId"] == title.pk
    assert config["episodeId"] is None
    assert config["sessionsUrl"] == "/api/v1/playback/sessions/"
    assert config["profileRequired"] is False
    assert config["next"] is None


def test_watch_page_includes_hls_js_from_static_before_the_player(client, viewer):
    TitleFactory(slug="glass-harvest", video=playable_video())

    html = client.get("/watch/glass-harvest/").content.decode()

    hls = f'src="{static("vendor/hls.js/hls.min.js")}"'
    # A native ES module: it runs after parsing, after the deferred hls.js.
    player = f'<script type="module" src="{static("js/player/main.js")}">'
    assert hls in html
    assert player in html
    assert html.index(hls) < html.index(player)


def test_watch_page_still_renders_when_hls_js_is_not_installed(
    client, viewer, monkeypatch
):
    def manifest_without_it(path):
        raise ValueError(f"Missing staticfiles manifest entry for '{path}'")

    monkeypatch.setattr("pages.watch.static", manifest_without_it)
    TitleFactory(slug="glass-harvest", video=playable_video())

    response = client.get("/watch/glass-harvest/")

    assert response.status_code == 200
    assert "hls.min.js" not in response.content.decode()


def test_hls_js_is_served_as_a_static_file(client):
    # npm ci puts it in node_modules; settings serve its dist/ under vendor/.
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/hls.js/hls.min.js"), "run `npm ci` first"
    assert finders.find("js/player/main.js")


def test_anonymous_viewer_is_sent_to_sign_in_and_back(client):
    TitleFactory(slug="glass-harvest", video=playable_video())

    response = client.get("/watch/glass-harvest/?t=30")

    assert response.status_code == 302
    login = reverse("accounts:login")
    assert response["Location"].startswith(login)
    assert "next=/watch/glass-harvest/%3Ft%3D30" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/watch/no-such-title/",
        "/watch/a-draft/",
        "/watch/a-movie/s1e1/",  # a movie has no episodes
        "/watch/a-series/s1e9/",  # no such episode
        "/watch/a-series/s7e1/",  # no such season
    ],
)
def test_unknown_draft_or_missing_things_are_404(client, viewer, path):
    TitleFactory(slug="a-draft", draft=True, video=playable_video())
    TitleFactory(slug="a-movie", video=playable_video())
    season = SeasonFactory(title=TitleFactory(slug="a-series", series=True), number=1)
    EpisodeFactory(season=season, number=1, video=playable_video())

    assert client.get(path).status_code == 404


def test_draft_title_is_404_for_anonymous_viewers_too(client):
    TitleFactory(slug="a-draft", draft=True, video=playable_video())

    assert client.get("/watch/a-draft/").status_code == 404


def test_several_profiles_and_none_picked_asks_to_choose(client, viewer):
    Profile.objects.create(user=viewer.user, name="Alex")
    TitleFactory(slug="glass-harvest", video=playable_video())

    config = player_config(client.get("/watch/glass-harvest/"))

    assert config["profileRequired"] is True
    assert config["preferences"] is None
    assert config["profilesUrl"].startswith(reverse("accounts:profiles"))
    assert "next=%2Fwatch%2Fglass-harvest%2F" in config["profilesUrl"]


def test_watch_page_passes_the_profiles_audio_and_captions_to_the_player(
    client, viewer
):
    viewer.audio_language = "es"
    viewer.audio_description = True
    viewer.captions_language = "fr-CA"
    viewer.save()
    TitleFactory(slug="glass-harvest", video=playable_video())

    config = player_config(client.get("/watch/glass-harvest/"))

    assert config["preferences"] == {
        "audio_language": "es",
        "audio_description": True,
        "captions_language": "fr-CA",
    }


def test_the_profile_picked_in_the_session_is_used(client, viewer):
    Profile.objects.create(user=viewer.user, name="Alex")
    session = client.session
    session[PROFILE_SESSION_KEY] = viewer.pk
    session.save()
    TitleFactory(slug="glass-harvest", video=playable_video())

    config = player_config(client.get("/watch/glass-harvest/"))

    assert config["profileRequired"] is False


def test_episode_page_knows_the_episode_and_the_next_one(client, viewer):
    series = TitleFactory(slug="harbour-lights", series=True)
    one = SeasonFactory(title=series, number=1)
    two = SeasonFactory(title=series, number=2)
    last_of_one = EpisodeFactory(season=one, number=2, video=playable_video())
    EpisodeFactory(season=one, number=1, video=playable_video())
    EpisodeFactory(season=two, number=1, name="Low Tide", video=playable_video())

    response = client.get("/watch/harbour-lights/s1e2/")

    config = player_config(response)
    assert config["episodeId"] == last_of_one.pk
    # The season's last episode leads to the next season's first.
    assert config["next"] == {
        "url": "/watch/harbour-lights/s2e1/",
        "label": "S2:E1 Low Tide",
    }
    assert 'href="/watch/harbour-lights/s2e1/"' in response.content.decode()


def test_series_without_episode_opens_its_first_playable_episode(client, viewer):
    series = TitleFactory(slug="harbour-lights", series=True)
    season = SeasonFactory(title=series, number=1)
    EpisodeFactory(season=season, number=1)  # no video yet
    EpisodeFactory(season=season, number=2, video=playable_video())

    response = client.get("/watch/harbour-lights/")

    assert response.status_code == 302
    assert response["Location"] == "/watch/harbour-lights/s1e2/"


def test_start_time_in_the_address_overrides_the_saved_position(client, viewer):
    TitleFactory(slug="glass-harvest", video=playable_video())

    assert player_config(client.get("/watch/glass-harvest/?t=0"))["startAt"] == 0
    assert player_config(client.get("/watch/glass-harvest/?t=42.5"))["startAt"] == 42.5
    assert player_config(client.get("/watch/glass-harvest/?t=-3"))["startAt"] is None
    assert player_config(client.get("/watch/glass-harvest/?t=x"))["startAt"] is None


def test_title_page_has_a_play_button_for_a_playable_movie(client):
    TitleFactory(slug="glass-harvest", video=playable_video())

    html = client.get("/titles/glass-harvest/").content.decode()

    assert 'class="button play-button" href="/watch/glass-harvest/"' in html
    assert "▶ Play" in html


def test_title_page_has_no_play_button_while_the_video_is_not_playable(client):
    TitleFactory(slug="glass-harvest", video=Video.objects.create())

    html = client.get("/titles/glass-harvest/").content.decode()

    assert "play-button" not in html
    assert "Video coming soon." in html


def test_series_page_plays_the_first_episode_and_lists_episode_links(client):
    series = TitleFactory(slug="harbour-lights", series=True)
    season = SeasonFactory(title=series, number=1)
    EpisodeFactory(season=season, number=1, video=playable_video())
    EpisodeFactory(season=season, number=2, video=playable_video())

    html = client.get("/titles/harbour-lights/").content.decode()

    assert 'href="/watch/harbour-lights/s1e1/">▶ Play S1:E1' in html
    assert 'href="/watch/harbour-lights/s1e2/"' in html


def watched(profile, title, *, position, duration=1200.0, episode=None, done=False):
    return WatchProgress.objects.create(
        profile=profile,
        title=title,
        episode=episode,
        position_seconds=position,
        duration_seconds=duration,
        completed=done,
        session_started_at=timezone.now(),
    )


def test_title_page_offers_resume_with_how_far_the_profile_got(client, viewer):
    title = TitleFactory(slug="glass-harvest", video=playable_video())
    watched(viewer, title, position=300)

    html = client.get("/titles/glass-harvest/").content.decode()

    assert "▶ Resume" in html
    assert 'aria-label="25% watched"' in html
    assert 'href="/watch/glass-harvest/?t=0">Start over' in html


def test_series_page_resumes_the_episode_in_progress(client, viewer):
    series = TitleFactory(slug="harbour-lights", series=True)
    season = SeasonFactory(title=series, number=1)
    EpisodeFactory(season=season, number=1, video=playable_video())
    second = EpisodeFactory(season=season, number=2, video=playable_video())
    watched(viewer, series, episode=second, position=60)

    html = client.get("/titles/harbour-lights/").content.decode()
    opened = client.get("/watch/harbour-lights/")

    assert 'href="/watch/harbour-lights/s1e2/">▶ Resume S1:E2' in html
    assert opened["Location"] == "/watch/harbour-lights/s1e2/"


def test_home_page_shows_continue_watching_for_the_profile_in_use(client, viewer):
    title = TitleFactory(name="Glass Harvest", slug="glass-harvest")
    title.video = playable_video()
    title.save()
    watched(viewer, title, position=600, duration=1200)

    html = client.get("/").content.decode()

    row = html[html.index('id="row-continue"') :]
    assert 'href="/watch/glass-harvest/"' in row
    assert "10 min left" in row
    assert 'aria-label="50% watched"' in row


def test_home_page_has_no_continue_watching_row_for_anonymous_viewers(client):
    TitleFactory()

    assert 'id="row-continue"' not in client.get("/").content.decode()
