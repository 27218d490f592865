"""The editors' API for audio tracks: add, remove, override; who may; bad input."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from catalog.models import AddedAudioTrack, AudioTrackOverride, Video

from .test_repackage import speech

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(api_client):
    user = User.objects.create_user(email="ed@example.com", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    api_client.force_authenticate(user)
    return api_client


def upload(path, **fields):
    data = {"language": "fr", "name": "Français", "role": "dub", **fields}
    data["file"] = SimpleUploadedFile(path.name, path.read_bytes())
    return data


@pytest.mark.parametrize("who", ["anonymous", "viewer", "staff_without_editors_group"])
def test_only_editors_may_change_audio_tracks(api_client, who, transcoded, tmp_path):
    video, _ = transcoded("normal")
    if who == "viewer":
        api_client.force_authenticate(User.objects.create_user(email="v@example.com"))
    elif who == "staff_without_editors_group":
        api_client.force_authenticate(
            User.objects.create_user(email="s@example.com", is_staff=True)
        )
    base = f"/api/v1/videos/{video.uuid}"
    calls = [
        api_client.post(
            f"{base}/audio-tracks/",
            upload(speech(tmp_path, "fr.wav", 2.5)),
            format="multipart",
        ),
        api_client.delete(f"{base}/audio-tracks/1/"),
        api_client.put(f"{base}/audio-overrides/0/", {"role": "dub"}, format="json"),
    ]
    expected = 401 if who == "anonymous" else 403
    assert {response.status_code for response in calls} == {expected}
    assert not AddedAudioTrack.objects.exists()
    assert not AudioTrackOverride.objects.exists()


def test_an_editor_adds_a_dub_and_sees_its_warning(editor_client, transcoded, tmp_path):
    video, _ = transcoded("normal")
    response = editor_client.post(
        f"/api/v1/videos/{video.uuid}/audio-tracks/",
        upload(speech(tmp_path, "long.wav", 6), role="description"),
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["language"], body["role"]) == ("fr", "description")
    assert "trimmed" in body["warning"]
    video.refresh_from_db()
    assert video.job_kind == Video.JobKind.REPACKAGE
    detail = editor_client.get(f"/api/v1/videos/{video.uuid}/").json()
    (added,) = detail["added_audio_tracks"]
    assert added["warning"] == body["warning"]
    assert {t["role"] for t in detail["audio_tracks"]} == {"main"}  # as published

    removed = editor_client.delete(
        f"/api/v1/videos/{video.uuid}/audio-tracks/{body['id']}/"
    )
    assert removed.status_code == 204
    assert not AddedAudioTrack.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"language": "not a language"}, "language", "BCP 47"),
        ({"role": "main"}, "role", "valid choice"),
        ({"name": "two\nlines"}, "name", "line"),
    ],
    ids=["language", "role", "name"],
)
def test_bad_fields_are_a_400_and_nothing_is_stored(
    editor_client, transcoded, tmp_path, fields, field, says
):
    video, _ = transcoded("normal")
    response = editor_client.post(
        f"/api/v1/videos/{video.uuid}/audio-tracks/",
        upload(speech(tmp_path, "fr.wav", 2.5), **fields),
        format="multipart",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert says in " ".join(error["fields"][field])
    assert not AddedAudioTrack.objects.exists()


def test_a_file_that_is_not_audio_or_too_big_is_a_400(
    editor_client, transcoded, tmp_path, settings
):
    video, _ = transcoded("normal")
    url = f"/api/v1/videos/{video.uuid}/audio-tracks/"
    notes = tmp_path / "notes.mp3"
    notes.write_text("Not a sound.\n" * 100)
    response = editor_client.post(url, upload(notes), format="multipart")
    assert response.status_code == 400
    assert "not an audio file" in " ".join(response.json()["error"]["fields"]["file"])

    settings.AUDIO_TRACK_UPLOAD_MAX_BYTES = 1000
    response = editor_client.post(
        url, upload(speech(tmp_path, "fr.wav", 2.5)), format="multipart"
    )
    assert response.status_code == 400
    assert "limit" in " ".join(response.json()["error"]["fields"]["file"])
    assert not AddedAudioTrack.objects.exists()
    video.refresh_from_db()
    assert video.status == Video.Status.READY


def test_an_override_is_stored_and_a_track_the_source_lacks_is_a_400(
    editor_client, transcoded
):
    video, _ = transcoded("three_tracks")
    url = f"/api/v1/videos/{video.uuid}/audio-overrides"
    response = editor_client.put(
        f"{url}/1/", {"role": "description", "name": "Described"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "position": 1,
        "role": "description",
        "name": "Described",
        "language": "",
    }
    missing = editor_client.put(f"{url}/7/", {"role": "dub"}, format="json")
    assert missing.status_code == 400
    assert "no audio track 7" in " ".join(missing.json()["error"]["fields"]["position"])
    cleared = editor_client.put(f"{url}/1/", {}, format="json")
    assert cleared.status_code == 204
    assert not AudioTrackOverride.objects.exists()
