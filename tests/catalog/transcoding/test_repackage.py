"""Tracks added later: published by repackaging, the video never encoded again."""

import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

import m3u8
import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from catalog import services
from catalog.models import AddedAudioTrack, AudioTrack, AudioTrackOverride, Video
from catalog.transcoding import audio, encode, pipeline, repackage
from catalog.transcoding.audio_tracks import TrackPlan, with_editors
from catalog.transcoding.publish import files_under

from .conftest import FFMPEG, ffmpeg
from .published import (
    MPD,
    decoded_audio_seconds,
    ffmpeg_decode_errors,
    mpd_adaptation_sets,
)


def speech(folder: Path, name: str, seconds: float, *, channels: int = 1) -> Path:
    """A tone of ``seconds`` standing in for a dub, in the file ``name``."""
    path = folder / name
    graph = f"aevalsrc=0.2*sin(2*PI*330*t):s=48000:d={seconds}"
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        graph,
        "-af",
        f"aformat=channel_layouts={layout}",
        str(path),
    )
    return path


def add(video: Video, path: Path, **fields) -> AddedAudioTrack:
    with open(path, "rb") as handle:
        return services.audio_track_add(
            video=video, file=File(handle, name=path.name), **fields
        )


def run_queued(video: Video) -> tuple[Video, str]:
    """Run the video's queued job as the worker would (its kind decides)."""
    video.refresh_from_db()
    run = (
        repackage.repackage
        if video.job_kind == Video.JobKind.REPACKAGE
        else pipeline.transcode
    )
    outcome = run(video_id=video.pk, job_token=str(video.job_token))
    video.refresh_from_db()
    return video, outcome


def stored(video: Video, revision: str) -> dict[str, bytes]:
    """Every file of a revision and its bytes, by name within the revision."""
    storage = storages["videos"]
    prefix = video.revision_prefix(revision)
    files = {}
    for name in files_under(prefix, storage):
        with storage.open(prefix + name, "rb") as handle:
            files[name] = handle.read()
    return files


def master(settings, video: Video) -> m3u8.M3U8:
    return m3u8.load(str(settings.MEDIA_ROOT / video.hls_master_path))


def mpd_audio(settings, video: Video) -> list[ET.Element]:
    root = ET.parse(settings.MEDIA_ROOT / video.dash_manifest_path).getroot()  # noqa: S314
    return mpd_adaptation_sets(root)["audio"]


def roles(adaptation: ET.Element) -> list[str]:
    return [role.get("value") for role in adaptation.iter(f"{MPD}Role")]


@pytest.fixture
def video_encode_spy():
    with mock.patch.object(encode, "run", wraps=encode.run) as spy:
        yield spy


def test_a_dub_added_later_is_a_new_revision_with_the_video_copied_byte_for_byte(
    transcoded, settings, tmp_path, video_encode_spy
):
    video, outcome = transcoded("normal")
    assert outcome == "ready"
    video_encode_spy.reset_mock()
    before = stored(video, video.revision)
    old_revision = video.revision

    track = add(video, speech(tmp_path, "fr.wav", 2.5), language="fr", name="Français")
    video.refresh_from_db()
    assert video.job_kind == Video.JobKind.REPACKAGE
    assert video.status == Video.Status.QUEUED
    assert video.revision == old_revision  # still playing while it works
    assert track.warning == ""

    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    assert video.revision != old_revision
    video_encode_spy.assert_not_called()

    after = stored(video, video.revision)
    untouched = [name for name in before if name not in ("master.m3u8", "manifest.mpd")]
    assert any(name.startswith("seg-") for name in untouched)
    assert any(name.startswith("init-") for name in untouched)
    assert "storyboard.jpg" in untouched and "poster.jpg" in untouched
    for name in untouched:  # video, artwork and the source's audio: same bytes
        assert after[name] == before[name], name
    new_files = set(after) - set(before)
    assert any(name.startswith(f"audio-{track.position}-2ch") for name in new_files)

    playlist = master(settings, video)
    audio_media = [m for m in playlist.media if m.type == "AUDIO"]
    (french,) = [m for m in audio_media if m.language == "fr"]
    assert (french.name, french.default, french.characteristics) == (
        "Français",
        "NO",
        None,
    )
    assert [m.default for m in audio_media].count("YES") == 1
    (fr_set,) = [a for a in mpd_audio(settings, video) if a.get("lang") == "fr"]
    assert roles(fr_set) == ["dub"]
    folder = settings.MEDIA_ROOT / video.revision_prefix(video.revision)
    assert decoded_audio_seconds(folder / french.uri) == pytest.approx(2.5, abs=0.1)

    rows = AudioTrack.objects.filter(video=video, revision=video.revision)
    assert {(r.language, r.role) for r in rows} >= {("fr", "dub"), ("und", "main")}
    new_row = rows.get(position=track.position)
    assert new_row.loudness_out_lufs == pytest.approx(
        settings.TRANSCODE_LOUDNESS_LUFS, abs=1
    )
    assert video.cleanups.filter(revision=old_revision).exists()  # retired, with grace
    for manifest in (video.hls_master_path, video.dash_manifest_path):
        assert ffmpeg_decode_errors(FFMPEG, settings.MEDIA_ROOT / manifest) == ""


@pytest.mark.parametrize(
    ("seconds", "done"), [(5.0, "trimmed"), (1.0, "padded with silence")]
)
def test_an_added_track_is_aligned_to_the_video_and_a_difference_is_warned(
    transcoded, settings, tmp_path, seconds, done
):
    video, _ = transcoded("normal")  # 2.5 s
    track = add(
        video,
        speech(tmp_path, f"dub-{seconds}.wav", seconds),
        language="de",
        name="Deutsch",
    )
    assert done in track.warning and "2.5 s" in track.warning
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    (german,) = [m for m in master(settings, video).media if m.language == "de"]
    folder = settings.MEDIA_ROOT / video.revision_prefix(video.revision)
    assert decoded_audio_seconds(folder / german.uri) == pytest.approx(2.5, abs=0.1)


def test_an_added_description_is_never_the_default(transcoded, settings, tmp_path):
    video, _ = transcoded("normal")
    add(
        video,
        speech(tmp_path, "ad.m4a", 2.5),
        language="en",
        name="English (audio description)",
        role="description",
    )
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    audio_media = [m for m in master(settings, video).media if m.type == "AUDIO"]
    (described,) = [m for m in audio_media if m.characteristics]
    assert described.characteristics == "public.accessibility.describes-video"
    assert described.default == "NO"
    assert [m.default for m in audio_media].count("YES") == 1
    (ad_set,) = [a for a in mpd_audio(settings, video) if "description" in roles(a)]
    assert ad_set.get("lang") == "en"


def test_a_role_override_republishes_without_encoding_audio_or_video(
    transcoded, settings, video_encode_spy
):
    video, _ = transcoded("three_tracks")  # en main, fr dub, en description
    video_encode_spy.reset_mock()
    before = stored(video, video.revision)
    services.audio_track_override(
        video=video, position=1, role="main", name="Français", language="fr-CA"
    )
    with mock.patch.object(audio, "track_runs", wraps=audio.track_runs) as runs:
        video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    runs.assert_not_called()
    video_encode_spy.assert_not_called()
    after = stored(video, video.revision)
    assert all(
        after[name] == data
        for name, data in before.items()
        if name not in ("master.m3u8", "manifest.mpd")
    )
    audio_media = [m for m in master(settings, video).media if m.type == "AUDIO"]
    defaults = {m.group_id: m.language for m in audio_media if m.default == "YES"}
    assert set(defaults.values()) == {"fr-CA"}
    rows = AudioTrack.objects.filter(video=video, revision=video.revision)
    assert rows.get(position=1).role == "main"
    assert rows.get(position=0).role == "dub"  # one main remains
    (fr_set,) = [a for a in mpd_audio(settings, video) if a.get("lang") == "fr-CA"]
    assert roles(fr_set) == ["main"]


def test_subtitles_added_later_publish_a_new_revision_without_video_encode(
    transcoded, settings, video_encode_spy
):
    video, _ = transcoded("normal")
    video_encode_spy.reset_mock()
    old = video.revision
    services.text_track_add(
        video=video,
        language="en",
        label="English",
        file=ContentFile(b"WEBVTT\n\n00:00.500 --> 00:01.500\nHello.\n", name="en.vtt"),
    )
    video.refresh_from_db()
    assert video.job_kind == Video.JobKind.REPACKAGE
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    assert video.revision != old
    video_encode_spy.assert_not_called()
    (subtitles,) = [m for m in master(settings, video).media if m.type == "SUBTITLES"]
    assert subtitles.language == "en"
    root = ET.parse(settings.MEDIA_ROOT / video.dash_manifest_path).getroot()  # noqa: S314
    assert [t.get("lang") for t in mpd_adaptation_sets(root)["text"]] == ["en"]


def test_a_retranscode_keeps_added_tracks_and_overrides(transcoded, settings, tmp_path):
    video, _ = transcoded("normal")
    track = add(video, speech(tmp_path, "es.flac", 2.5), language="es", name="Español")
    services.audio_track_override(video=video, position=0, name="Original")
    services.video_retranscode(video=video)
    video, outcome = run_queued(video)
    assert video.job_kind == Video.JobKind.TRANSCODE
    assert outcome == "ready", video.failure_reason
    names = {
        (m.language, m.name) for m in master(settings, video).media if m.type == "AUDIO"
    }
    assert names == {("und", "Original"), ("es", "Español")}
    assert AudioTrack.objects.filter(
        video=video, revision=video.revision, position=track.position
    ).exists()


def test_removing_an_added_track_republishes_without_it(transcoded, settings, tmp_path):
    video, _ = transcoded("normal")
    track = add(video, speech(tmp_path, "it.wav", 2.5), language="it", name="Italiano")
    video, _ = run_queued(video)
    assert "it" in {m.language for m in master(settings, video).media}
    services.audio_track_remove(track=track)
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    assert "it" not in {m.language for m in master(settings, video).media}
    assert not any(
        name.startswith(f"audio-{track.position}-")
        for name in stored(video, video.revision)
    )


def test_a_track_added_while_a_transcode_runs_is_published_after_it(
    db, media_source, settings, tmp_path
):
    video = services.video_create()
    path = media_source("normal")
    with open(path, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name=path.name), name=path.name
        )
    token = str(video.job_token)
    real_plan = pipeline.track_work.plan_tracks

    def add_meanwhile(job, streams):
        planned = real_plan(job, streams)  # the transcode has read the tracks
        add(video, speech(tmp_path, "pl.wav", 2.5), language="pl", name="Polski")
        return planned

    with mock.patch.object(pipeline.track_work, "plan_tracks", add_meanwhile):
        assert pipeline.transcode(video_id=video.pk, job_token=token) == "ready"
    video.refresh_from_db()
    assert video.job_kind == Video.JobKind.REPACKAGE  # queued on publishing
    assert "pl" not in {m.language for m in master(settings, video).media}
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    assert "pl" in {m.language for m in master(settings, video).media}


def test_a_failed_repackage_keeps_the_published_revision_and_says_why(
    transcoded, settings, tmp_path
):
    video, _ = transcoded("normal")
    published = (video.revision, video.hls_master_path)
    track = add(
        video, speech(tmp_path, "nl.wav", 2.5), language="nl", name="Nederlands"
    )
    track.file.storage.delete(track.file.name)  # lost from storage meanwhile
    video, outcome = run_queued(video)
    assert outcome == "failed"
    assert (video.revision, video.hls_master_path) == published
    assert video.is_playable
    assert "still plays" in video.failure_reason
    assert "missing from storage" in video.failure_reason


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: folder / "notes.wav", "not an audio file"),
        (lambda folder: folder / "empty.wav", "empty"),
    ],
    ids=["text", "empty"],
)
def test_a_file_that_is_not_audio_is_refused_and_nothing_is_stored(
    transcoded, tmp_path, make, reason
):
    video, _ = transcoded("normal")
    (tmp_path / "notes.wav").write_text("A shopping list.\n" * 200)
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(ValidationError) as refused:
        add(video, make(tmp_path), language="fr", name="Français")
    assert reason in " ".join(refused.value.messages)
    assert not AddedAudioTrack.objects.exists()
    video.refresh_from_db()
    assert video.status == Video.Status.READY


def test_a_too_big_file_is_refused(transcoded, tmp_path, settings):
    video, _ = transcoded("normal")
    settings.AUDIO_TRACK_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        add(video, speech(tmp_path, "big.wav", 2.5), language="fr", name="Français")
    assert "limit" in " ".join(refused.value.messages)
    assert not AddedAudioTrack.objects.exists()


def test_a_dub_added_to_a_video_without_sound_becomes_its_default_track(
    transcoded, settings, tmp_path, video_encode_spy
):
    video, _ = transcoded("no_audio")
    video_encode_spy.reset_mock()
    before = stored(video, video.revision)
    add(video, speech(tmp_path, "en.wav", 2, channels=6), language="en", name="English")
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    video_encode_spy.assert_not_called()
    playlist = master(settings, video)
    audio_media = [m for m in playlist.media if m.type == "AUDIO"]
    assert {(m.group_id, m.channels, m.default) for m in audio_media} == {
        ("aac-2", "2", "YES"),
        ("aac-6", "6", "YES"),
    }
    assert all(v.stream_info.audio in ("aac-2", "aac-6") for v in playlist.playlists)
    assert all("mp4a.40.2" in v.stream_info.codecs for v in playlist.playlists)
    after = stored(video, video.revision)
    for name in before:
        if name not in ("master.m3u8", "manifest.mpd"):
            assert after[name] == before[name], name


def _plan(position, role, language="en", name=None):
    return TrackPlan(
        position=position,
        stream_index=position + 1,
        language=language,
        name=name or f"Track {position}",
        role=role,
        layouts=(2,),
    )


def test_editors_main_wins_one_main_remains_and_names_stay_unique():
    tracks = [_plan(0, "main"), _plan(1, "dub"), _plan(2, "description")]
    override = AudioTrackOverride(position=1, role="main", name="Track 0")
    added = AddedAudioTrack(
        pk=7, position=1000, language="fr", name="Track 0", role="dub", channels=2
    )
    planned = with_editors(tracks, overrides=[override], added=[added])
    assert [(t.position, t.role, t.name) for t in planned] == [
        (0, "dub", "Track 0"),
        (1, "main", "Track 0 (2)"),
        (2, "description", "Track 2"),
        (1000, "dub", "Track 0 (3)"),
    ]
    assert planned[-1].added_id == 7
    # The main turned into a description: the first other track takes over.
    demoted = with_editors(
        tracks,
        overrides=[AudioTrackOverride(position=0, role="description")],
        added=[],
    )
    assert [t.role for t in demoted] == ["description", "main", "description"]


def test_a_track_added_before_a_queued_transcode_starts_is_part_of_it(
    db, media_source, settings, tmp_path
):
    video = services.video_create()
    path = media_source("normal")
    with open(path, "rb") as handle:
        video = services.video_source_attach(
            video=video, file=File(handle, name=path.name), name=path.name
        )
    token = video.job_token
    track = add(video, speech(tmp_path, "sv.wav", 5), language="sv", name="Svenska")
    assert track.warning == ""  # the video's length is not known yet
    video.refresh_from_db()
    assert (video.job_token, video.job_kind) == (token, Video.JobKind.TRANSCODE)
    video, outcome = run_queued(video)
    assert outcome == "ready", video.failure_reason
    assert not video.repackage_wanted and video.status == Video.Status.READY
    assert "sv" in {m.language for m in master(settings, video).media}
    track.refresh_from_db()
    assert "trimmed" in track.warning  # known once the source was probed


def test_the_repackage_task_runs_on_the_transcode_queue(transcoded, tmp_path):
    from catalog.tasks import video_repackage

    assert video_repackage.acks_late
    assert settings_route("catalog.tasks.video_repackage") == "transcode"
    video, _ = transcoded("normal")
    add(video, speech(tmp_path, "da.wav", 2.5), language="da", name="Dansk")
    video.refresh_from_db()
    result = video_repackage.apply(args=(video.pk, str(video.job_token)))
    assert result.get() == "ready"


def settings_route(name: str) -> str:
    from django.conf import settings

    return settings.CELERY_TASK_ROUTES[name]["queue"]


def test_a_revision_from_before_audio_was_encoded_apart_is_transcoded_again(
    transcoded,
):
    video, _ = transcoded("normal")
    AudioTrack.objects.filter(video=video).delete()  # as published before 0007
    services.text_track_add(
        video=video,
        language="en",
        label="English",
        file=ContentFile(b"WEBVTT\n\n00:00.500 --> 00:01.500\nHello.\n", name="en.vtt"),
    )
    video.refresh_from_db()
    assert video.job_kind == Video.JobKind.TRANSCODE
    assert video.status == Video.Status.QUEUED
