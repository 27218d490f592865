"""A text track's language and label reach every viewer's master playlist.

Editors type them; a newline or a double quote in one used to start a tag of
its own (a rung, a subtitle track pointing anywhere) in every session's master.
The admin and the API refuse such values; the HLS writer quotes whatever is
stored (rows saved before the checks existed), and the MPD escapes it as XML.
"""

import xml.etree.ElementTree as ET
from pathlib import Path

import m3u8
import pytest
from django.contrib.auth.models import Group
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from catalog import services
from catalog.admin.text_tracks import TextTrackForm
from catalog.models import TextTrack, Video
from catalog.transcoding import manifest_format, packaging, pipeline
from playback.delivery import manifests, stored
from tests.catalog.factories import TitleFactory
from tests.catalog.transcoding.conftest import (
    AAC,
    FAST_TRANSCODES,
    X264,
    YUV420,
    ffmpeg,
    picture,
    tone,
)
from tests.playback.conftest import api_for
from tests.playback.factories import ProfileFactory, UserFactory, plan

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n"
EVIL = "http://evil.example/x.m3u8"
# Closes NAME, then starts a rung of its own pointing anywhere.
INJECTED_LABEL = f'English",DEFAULT=YES\n#EXT-X-STREAM-INF:BANDWIDTH=1\n{EVIL}'
# A path out of the revision's subs/ folder, which the storage refuses.
ESCAPING_LANGUAGE = "../../../escaped"
BAD_LANGUAGES = [
    "en\n",
    "en\n#EXT-X-STREAM-INF:BANDWIDTH=1",
    'en",URI="x',
    "en,fr",
    "../../etc",
    "english language",
    "",
]
BAD_LABELS = [
    "English\nFrench",
    "Eng\rlish",
    'The "director" cut',
    "Bell\x07",
    "x" * 101,
]
GOOD = [
    ("en", "English"),
    ("pt-BR", "Português (Brasil)"),
    ("zh-Hant-TW", "中文, 繁體"),
]


@pytest.fixture
def editor_client(api_client):
    user = User.objects.create_user(email="ed@example.com", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    api_client.force_authenticate(user)
    return api_client


def _upload(client, video, *, language="en", label="English"):
    return client.post(
        f"/api/v1/videos/{video.uuid}/text-tracks/",
        {
            "language": language,
            "label": label,
            "file": SimpleUploadedFile("en.vtt", VTT),
        },
        format="multipart",
    )


@pytest.mark.parametrize("language", BAD_LANGUAGES)
def test_the_api_refuses_a_language_that_is_not_a_bcp47_tag(editor_client, language):
    video = Video.objects.create()

    response = _upload(editor_client, video, language=language)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    if language:  # an empty one is just "may not be blank"
        assert "BCP 47" in error["fields"]["language"][0]
    assert not TextTrack.objects.exists()


@pytest.mark.parametrize("label", BAD_LABELS)
def test_the_api_refuses_a_label_that_is_not_one_line_of_text(editor_client, label):
    video = Video.objects.create()

    response = _upload(editor_client, video, label=label)

    assert response.status_code == 400, response.content
    message = " ".join(response.json()["error"]["fields"]["label"])
    assert any(
        words in message
        for words in ("one line", "double quote", "no more than 100 characters")
    ), message
    assert not TextTrack.objects.exists()


@pytest.mark.parametrize(("language", "label"), GOOD)
def test_the_api_takes_real_language_tags_and_labels(editor_client, language, label):
    video = Video.objects.create()

    response = _upload(editor_client, video, language=language, label=label)

    assert response.status_code == 201, response.content
    assert TextTrack.objects.get().label == label


@pytest.mark.parametrize(
    ("language", "label", "field"),
    # Forms strip surrounding whitespace: "en\n" is stored as "en", which is fine.
    [(language, "English", "language") for language in BAD_LANGUAGES[1:-1]]
    + [("en", label, "label") for label in BAD_LABELS],
)
def test_the_admin_form_refuses_bad_languages_and_labels(language, label, field):
    form = TextTrackForm(
        data={"language": language, "label": label, "kind": "subtitles"},
        files={"file": SimpleUploadedFile("en.vtt", VTT)},
        instance=TextTrack(video=Video.objects.create()),
    )

    assert not form.is_valid()
    assert field in form.errors, form.errors


def test_the_service_refuses_them_too():
    with pytest.raises(Exception) as raised:
        services.text_track_add(
            video=Video.objects.create(),
            language="en",
            label=INJECTED_LABEL,
            file=ContentFile(VTT, name="en.vtt"),
        )
    assert "label" in raised.value.message_dict


# --- Rows stored before the checks: the writers quote them -------------------------


def _tags(text: str) -> list[str]:
    return [line.split(":", 1)[0] for line in text.splitlines() if line]


def test_the_master_writer_keeps_a_stored_newline_or_quote_inside_its_attribute():
    track = manifest_format.TextTrackEntry(
        uri="subs/en-subtitles.m3u8",
        vtt_uri="subs/en-subtitles.vtt",
        language='en"\n#EXT-X-STREAM-INF:BANDWIDTH=2',
        name=INJECTED_LABEL,
    )
    variant = manifest_format.Variant(
        "144p.m3u8", 200_000, 180_000, 256, 144, "avc1", 25
    )

    written = manifest_format.master_playlist([variant], text_tracks=[track])
    master = stored.parse_master(written)
    session = manifests.session_master_text(
        master, master.rungs, url=lambda name: f"https://cdn.example/{name}?sig=1"
    )

    for text, rung in ((written, "144p.m3u8"), (session, "https://cdn.example/")):
        lines = text.splitlines()
        assert _tags(text)[:-1] == [
            "#EXTM3U",
            "#EXT-X-VERSION",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            "#EXT-X-MEDIA",
            "#EXT-X-STREAM-INF",
        ]
        assert lines[-1].startswith(rung)
        assert EVIL not in lines
        parsed = m3u8.loads(text)
        assert [p.uri for p in parsed.playlists] == [lines[-1]]
        assert parsed.playlists[0].stream_info.bandwidth == 200_000
        (media,) = parsed.media
        assert media.default == "NO"
        assert "\n" not in media.name


def test_the_mpd_writer_escapes_a_stored_language_as_xml():
    mpd = (
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period>'
        '<AdaptationSet id="0" contentType="video"/></Period></MPD>'
    )
    track = manifest_format.TextTrackEntry(
        uri="subs/x.m3u8",
        vtt_uri="subs/x.vtt",
        language='en"><BaseURL>http://evil.example/</BaseURL><x a="',
        name="English",
    )

    root = ET.fromstring(packaging.mpd_with_text_tracks(mpd, [track]))  # noqa: S314

    ns = "{urn:mpeg:dash:schema:mpd:2011}"
    base_urls = [element.text for element in root.iter(f"{ns}BaseURL")]
    assert base_urls == ["subs/x.vtt"]


def test_a_stored_bad_label_cannot_inject_a_tag_into_a_session_master(
    settings, tmp_path
):
    for name, value in FAST_TRANSCODES.items():
        setattr(settings, name, value)
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")
    source = tmp_path / "source.mp4"
    ffmpeg(*picture("256x144", 2), *tone(2), *X264, *YUV420, *AAC, str(source))
    video = services.video_create()
    services.text_track_add(
        video=video,
        language="en",
        label="English",
        file=ContentFile(VTT, name="en.vtt"),
    )
    services.text_track_add(
        video=video,
        language="fr",
        label="French",
        kind=TextTrack.Kind.CAPTIONS,
        file=ContentFile(VTT, name="fr.vtt"),
    )
    # As rows saved before labels and languages were checked.
    TextTrack.objects.filter(language="en").update(label=INJECTED_LABEL)
    TextTrack.objects.filter(language="fr").update(language=ESCAPING_LANGUAGE)
    with open(source, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name="source.mp4"), name="source.mp4"
        )
    assert pipeline.transcode(video_id=video.pk, job_token=str(video.job_token)) == (
        "ready"
    )
    title = TitleFactory(video=Video.objects.get(pk=video.pk))
    viewer = api_for(ProfileFactory(user=UserFactory(plan=plan("premium"))))
    session = viewer.post(
        "/api/v1/playback/sessions/", {"title_id": title.pk}, format="json"
    )
    assert session.status_code == 201, session.content

    master = viewer.get(session.json()["hls_url"])

    assert master.status_code == 200
    text = master.content.decode()
    assert EVIL not in text.splitlines()
    parsed = m3u8.loads(text)
    assert all(EVIL not in playlist.uri for playlist in parsed.playlists)
    assert all(p.stream_info.bandwidth > 1 for p in parsed.playlists)
    subtitles = [media for media in parsed.media if media.type == "SUBTITLES"]
    assert len(subtitles) == 1
    assert subtitles[0].default == "NO"
    assert "\n" not in subtitles[0].name
    # The track whose language is a path is left out, and only it: the
    # storage refuses such a name, which used to fail the whole transcode.
    media = Path(settings.MEDIA_ROOT)
    assert not list(media.rglob("escaped*"))
    assert ESCAPING_LANGUAGE not in text
