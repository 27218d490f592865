"""Title detail (page and API) lists the audio and caption languages of what is
published: main first, then dubs, then audio descriptions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import AudioTrack, TextTrack, Video
from tests.catalog.factories import (
    EpisodeFactory,
    SeasonFactory,
    TitleFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db

TITLES = "/api/v1/titles/"


@pytest.fixture(autouse=True)
def no_cache(settings):
    settings.CATALOG_CACHE_SECONDS = 0


def published_video(*, revision: str = "r2") -> Video:
    return VideoFactory(status=Video.Status.READY, revision=revision)


def audio(
    video: Video,
    position: int,
    language: str,
    name: str,
    role: str,
    *,
    channels: int = 2,
    revision: str | None = None,
) -> AudioTrack:
    return AudioTrack.objects.create(
        video=video,
        revision=revision or video.revision,
        position=position,
        language=language,
        name=name,
        role=role,
        channels=channels,
        codecs="mp4a.40.2",
        bandwidth=130_000,
        playlist_path=f"audio-{position}-{channels}ch.m3u8",
    )


def text(video: Video, language: str, label: str, kind: str) -> TextTrack:
    return TextTrack.objects.create(
        video=video, language=language, label=label, kind=kind, file=f"{language}.vtt"
    )


@pytest.fixture
def film():
    """English main in stereo and 5.1, a French dub, an English description,
    a track of a superseded revision, French subtitles and English captions."""
    video = published_video()
    audio(video, 2, "en", "English (described)", AudioTrack.Role.DESCRIPTION)
    audio(video, 1, "fr", "Français", AudioTrack.Role.DUB)
    audio(video, 0, "en", "English", AudioTrack.Role.MAIN)
    audio(video, 0, "en", "English", AudioTrack.Role.MAIN, channels=6)
    audio(video, 0, "de", "Deutsch", AudioTrack.Role.MAIN, revision="r1")
    text(video, "fr", "Français", TextTrack.Kind.SUBTITLES)
    text(video, "en", "English", TextTrack.Kind.CAPTIONS)
    return TitleFactory(name="Film", video=video)


def test_film_detail_lists_its_published_audio_and_caption_languages(api_client, film):
    response = api_client.get(f"{TITLES}{film.pk}/")

    assert response.status_code == 200
    assert response.json()["languages"] == {
        "audio": [
            {"language": "en", "name": "English", "role": "main", "surround": True},
            {"language": "fr", "name": "Français", "role": "dub", "surround": False},
            {
                "language": "en",
                "name": "English (described)",
                "role": "description",
                "surround": False,
            },
        ],
        "captions": [
            {"language": "fr", "label": "Français", "kind": "subtitles"},
            {"language": "en", "label": "English", "kind": "captions"},
        ],
    }


def test_title_page_names_the_audio_description_and_captions(client, film):
    response = client.get(film.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "English (described) (audio description)" in html
    assert "Deutsch" not in html  # a superseded revision's track
    assert "Captions for the deaf and hard of hearing" in html


def test_nothing_published_lists_no_languages(api_client):
    video = VideoFactory(status=Video.Status.PROCESSING)
    audio(video, 0, "en", "English", AudioTrack.Role.MAIN, revision="r1")
    title = TitleFactory(video=video)

    languages = api_client.get(f"{TITLES}{title.pk}/").json()["languages"]

    assert languages == {"audio": [], "captions": []}


def test_series_lists_the_languages_of_any_published_episode_once(api_client):
    series = TitleFactory(series=True)
    season = SeasonFactory(title=series, number=1)
    first, second, unpublished = (
        published_video(),
        published_video(),
        VideoFactory(status=Video.Status.PROCESSING),
    )
    audio(first, 0, "en", "English", AudioTrack.Role.MAIN)
    audio(second, 0, "en", "English", AudioTrack.Role.MAIN, channels=6)
    audio(second, 1, "es", "Español", AudioTrack.Role.DUB)
    audio(unpublished, 0, "ja", "日本語", AudioTrack.Role.DUB, revision="r9")
    for number, video in enumerate([first, second, unpublished], start=1):
        EpisodeFactory(season=season, number=number, video=video)

    languages = api_client.get(f"{TITLES}{series.pk}/").json()["languages"]

    assert [(a["language"], a["role"], a["surround"]) for a in languages["audio"]] == [
        ("en", "main", True),
        ("es", "dub", False),
    ]


def test_detail_queries_do_not_grow_with_episodes_and_tracks(api_client):
    def series_with(episodes: int):
        series = TitleFactory(series=True)
        season = SeasonFactory(title=series, number=1)
        for number in range(1, episodes + 1):
            video = published_video()
            audio(video, 0, "en", "English", AudioTrack.Role.MAIN)
            audio(video, 1, "fr", "Français", AudioTrack.Role.DUB)
            text(video, "fr", "Français", TextTrack.Kind.SUBTITLES)
            EpisodeFactory(season=season, number=number, video=video)
        return series

    def queries(title) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get(f"{TITLES}{title.pk}/").status_code == 200
        return len(captured)

    assert queries(series_with(1)) == queries(series_with(6))
