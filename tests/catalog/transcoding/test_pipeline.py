"""The real pipeline on tiny sources: what editors see and what players get.

Sources that should play are transcoded once per module (``published``) and
read back from disk the way a player would; everything that changes rows runs
its own transcode.
"""

import datetime
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import av
import m3u8
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageChops, ImageStat

from catalog import services
from catalog.models import Rendition, RevisionCleanup, TextTrack, Video
from catalog.transcoding import pipeline

from .conftest import FFMPEG
from .published import (
    Published,
    decode_video,
    decoded_audio_seconds,
    ffmpeg_decode_errors,
    mpd_adaptation_sets,
    storyboard_cues,
)

SEGMENT_SECONDS = 4
# Sources that should play, and whether they have sound.
PLAYABLE = {
    "normal": True,
    "segmented": True,
    "no_audio": False,
    "rotated": True,
    "odd_dimensions": False,
    "anamorphic": False,
    "variable_frame_rate": True,
    "ten_bit": False,
    "one_frame": False,
}


@pytest.fixture(params=list(PLAYABLE))
def playable(request, published) -> Published:
    return published(request.param)


def files_under(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def video_files(video: Video, media_root: Path) -> set[str]:
    return files_under(media_root / "videos" / str(video.uuid))


def segment_starts(playlist: m3u8.M3U8) -> list[float]:
    starts, elapsed = [], 0.0
    for segment in playlist.segments:
        starts.append(round(elapsed, 2))
        elapsed += segment.duration
    return starts


def test_playable_source_ends_ready_with_every_file_stored(playable):
    video = playable.video
    assert playable.outcome == "ready"
    assert video.status == Video.Status.READY
    assert video.stage == Video.Stage.DONE
    assert video.progress == 100
    assert video.failure_reason == ""
    assert video.preview_revision == ""
    prefix = video.revision_prefix(video.revision)
    for name in (
        video.hls_master_path,
        video.dash_manifest_path,
        video.poster_path,
        video.thumbnails_path,
    ):
        assert name.startswith(prefix)
        assert playable.path(name).is_file(), name
    assert playable.scratch_left == []


def test_every_rung_in_the_master_decodes_end_to_end(playable):
    duration = playable.video.duration_seconds
    master = playable.master()
    assert master.playlists
    for variant in master.playlists:
        fps = float(variant.stream_info.frame_rate)
        decoded = decode_video(playable.folder / variant.uri)
        assert (decoded.width, decoded.height) == variant.stream_info.resolution
        assert abs(decoded.frames - round(duration * fps)) <= 1, variant.uri
        assert decoded.frame_times[0] == pytest.approx(0, abs=0.01)
        assert decoded.frame_times[-1] + 1 / fps == pytest.approx(duration, abs=0.05)
        assert decoded.pixel_format == "yuv420p"
        assert decoded.sample_aspect_ratio in (None, Fraction(1))
        assert decoded.rotation == 0  # turned upright already: players must not turn it
    for media in master.media:
        if media.type == "AUDIO":
            seconds = decoded_audio_seconds(playable.folder / media.uri)
            assert seconds == pytest.approx(duration, abs=0.15)


def test_dash_manifest_plays_every_stream(playable):
    manifest = playable.path(playable.video.dash_manifest_path)
    assert ffmpeg_decode_errors(FFMPEG, manifest) == ""


def test_master_playlist_describes_each_rung_and_the_audio(playable):
    has_audio = PLAYABLE[playable.kind]
    master = playable.master()
    assert master.is_variant
    described = []
    for variant in master.playlists:
        info = variant.stream_info
        assert 0 < info.average_bandwidth <= info.bandwidth
        assert info.codecs.startswith("avc1.")
        assert ("mp4a.40.2" in info.codecs) is has_audio
        assert info.frame_rate > 0
        assert info.audio == ("aac-2" if has_audio else None)
        assert info.subtitles is None
        described.append((*info.resolution, info.bandwidth))
    stored = [(r.width, r.height, r.bandwidth) for r in playable.renditions]
    assert sorted(described) == sorted(stored)
    groups = [(media.type, media.group_id) for media in master.media]
    assert groups == ([("AUDIO", "aac-2")] if has_audio else [])


def test_mpd_has_a_representation_per_rung_and_audio_only_with_sound(playable):
    has_audio = PLAYABLE[playable.kind]
    sets = mpd_adaptation_sets(playable.mpd())
    assert len(sets["video"]) == 1
    representations = [
        (int(r.get("width")), int(r.get("height")), r.get("sar"))
        for r in sets["video"][0].iter("{urn:mpeg:dash:schema:mpd:2011}Representation")
    ]
    rungs = [(r.width, r.height, "1:1") for r in playable.renditions]
    assert sorted(representations) == sorted(rungs)
    assert len(sets.get("audio", [])) == (1 if has_audio else 0)
    assert "text" not in sets


def test_segments_last_the_segment_length_except_the_last(playable):
    duration = playable.video.duration_seconds
    master = playable.master()
    uris = [v.uri for v in master.playlists] + [m.uri for m in master.media]
    for uri in uris:
        playlist = m3u8.load(str(playable.folder / uri))
        assert playlist.playlist_type == "vod"
        assert playlist.is_endlist
        assert playlist.segment_map
        durations = [segment.duration for segment in playlist.segments]
        for length in durations[:-1]:
            assert length == pytest.approx(SEGMENT_SECONDS, abs=0.05), uri
        assert 0 < durations[-1] <= SEGMENT_SECONDS + 0.05
        assert sum(durations) == pytest.approx(duration, abs=0.1)
        for segment in playlist.segments:
            assert (playable.folder / segment.uri).stat().st_size > 0


def test_keyframes_align_across_rungs_at_every_segment_start(playable):
    master = playable.master()
    keyframes = {}
    for variant in master.playlists:
        playlist = m3u8.load(str(playable.folder / variant.uri))
        times = decode_video(playable.folder / variant.uri).keyframe_times
        # A fixed GOP: a keyframe opens every segment, and there are no others.
        assert [round(t, 2) for t in times] == segment_starts(playlist), variant.uri
        keyframes[variant.uri] = times
    assert len(set(map(tuple, keyframes.values()))) == 1


def test_segmented_source_has_three_aligned_segments(published):
    run = published("segmented")
    for variant in run.master().playlists:
        assert decode_video(run.folder / variant.uri).keyframe_times == [0, 4, 8]


def test_poster_and_storyboard_are_published(playable):
    video = playable.video
    top = max(playable.renditions, key=lambda r: r.width * r.height)
    with Image.open(playable.path(video.poster_path)) as poster:
        assert poster.format == "JPEG"
        assert poster.size == (top.width, top.height)
    vtt = playable.path(video.thumbnails_path).read_text()
    sprite_path = playable.path(video.thumbnails_path).with_name("storyboard.jpg")
    with Image.open(sprite_path) as sprite:
        assert sprite.format == "JPEG"
        sprite_width, sprite_height = sprite.size
    cues = storyboard_cues(vtt)
    assert cues
    assert cues[0][0] == 0
    assert cues[-1][1] == pytest.approx(video.duration_seconds, abs=0.01)
    for (_, end, _), (start, _, _) in zip(cues, cues[1:], strict=False):
        assert end == pytest.approx(start)
    for _, _, target in cues:
        image, _, region = target.partition("#xywh=")
        assert image == "storyboard.jpg"
        x, y, w, h = map(int, region.split(","))
        assert x + w <= sprite_width and y + h <= sprite_height


def test_no_rung_is_taller_than_the_source(playable):
    source_short_side = min(playable.video.width, playable.video.height)
    for rendition in playable.renditions:
        assert min(rendition.width, rendition.height) <= source_short_side


def test_source_between_rungs_keeps_its_own_size_as_the_top_rung(published):
    # 180 lies between the test ladder's 240 and 144: 320x180 itself, then 144p.
    run = published("normal")
    sizes = sorted(((r.width, r.height) for r in run.renditions), reverse=True)
    assert sizes == [(320, 180), (256, 144)]


def test_rotated_phone_video_is_published_portrait_and_upright(published):
    run = published("rotated")
    assert (run.video.width, run.video.height) == (180, 320)
    assert run.video.probe["rotation"] == 90
    assert run.renditions
    for rendition in run.renditions:
        assert rendition.height > rendition.width
    # The poster matches a frame of the (upright) top rung, not that frame upside down.
    top = max(run.renditions, key=lambda r: r.height)
    with Image.open(run.path(run.video.poster_path)) as image:
        poster = image.convert("RGB")
    frames = []
    with av.open(str(run.path(top.playlist_path))) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_image().convert("RGB").resize(poster.size))

    def distance(image):
        return min(
            sum(ImageStat.Stat(ImageChops.difference(image, f)).mean) for f in frames
        )

    assert distance(poster) * 5 < distance(poster.rotate(180))


def test_odd_sized_source_gets_even_square_pixel_rungs_of_its_shape(published):
    run = published("odd_dimensions")
    assert (run.video.width, run.video.height) == (853, 481)
    assert len(run.renditions) == 3
    for rendition in run.renditions:
        assert rendition.width % 2 == 0 and rendition.height % 2 == 0
        decoded = decode_video(run.path(rendition.playlist_path))
        assert (decoded.width, decoded.height) == (rendition.width, rendition.height)
        assert decoded.sample_aspect_ratio in (None, Fraction(1))
    shapes = {Fraction(r.width, r.height) for r in run.renditions}
    assert len(shapes) == 1  # exactly one aspect ratio, for DASH switching
    assert float(shapes.pop()) == pytest.approx(853 / 481, rel=0.005)


def test_anamorphic_source_is_published_at_its_display_shape(published):
    run = published("anamorphic")
    assert run.video.probe["sample_aspect_ratio"] == "4:3"
    assert (run.video.width, run.video.height) == (640, 360)
    top = max(run.renditions, key=lambda r: r.height)
    assert (top.width, top.height) == (640, 360)


def test_variable_frame_rate_source_is_encoded_at_a_constant_rate(published):
    run = published("variable_frame_rate")
    assert run.video.probe["variable_frame_rate"] is True
    for variant in run.master().playlists:
        assert variant.stream_info.frame_rate == 15
        times = decode_video(run.folder / variant.uri).frame_times
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) == pytest.approx(1 / 15, abs=0.002)
        assert max(gaps) == pytest.approx(1 / 15, abs=0.002)


def test_ten_bit_source_is_encoded_as_8_bit_for_every_player(published):
    run = published("ten_bit")
    assert run.video.probe["pixel_format"] == "yuv420p10le"
    for rendition in run.renditions:
        # avc1.PPCCLL: Baseline (42), Main (4d) or High (64), never High 10 (6e).
        assert rendition.codecs[5:7] in {"42", "4d", "64"}
        assert decode_video(run.path(rendition.playlist_path)).pixel_format == (
            "yuv420p"
        )


def test_one_frame_video_is_published_with_one_frame_per_rung(published):
    run = published("one_frame")
    assert run.outcome == "ready"
    for rendition in run.renditions:
        assert decode_video(run.path(rendition.playlist_path)).frames == 1
    assert len(storyboard_cues(run.path(run.video.thumbnails_path).read_text())) == 1


# --- Sources that cannot play ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("audio_only", "audio file"),
        ("still_picture", "still picture"),
        ("empty", "empty"),
        ("random_bytes", "not a video file we can read"),
        ("text", "not a video file we can read"),
        ("truncated", "not a video file we can read"),
    ],
)
def test_unplayable_source_fails_with_a_reason_and_publishes_nothing(
    kind, reason, transcoded, scratch_root, settings
):
    video, outcome = transcoded(kind)
    assert outcome == "failed"
    assert video.status == Video.Status.FAILED
    assert video.stage == Video.Stage.NONE
    assert reason in video.failure_reason.lower()
    assert video.revision == video.preview_revision == video.hls_master_path == ""
    assert not video.renditions.exists()
    assert video_files(video, settings.MEDIA_ROOT) == set()
    assert list(scratch_root.iterdir()) == []


def test_source_over_the_duration_limit_fails_before_encoding(
    transcoded, scratch_root, settings
):
    settings.TRANSCODE_MAX_DURATION_SECONDS = 1
    video, outcome = transcoded("normal")
    assert outcome == "failed"
    assert video.status == Video.Status.FAILED
    assert "limit is 0:00:01" in video.failure_reason
    assert video_files(video, settings.MEDIA_ROOT) == set()
    assert list(scratch_root.iterdir()) == []


def test_source_missing_from_storage_fails_with_a_reason(
    db, media_source, scratch_root
):
    path = media_source("normal")
    video = services.video_create()
    video = services.video_source_attach(
        video=video, file=ContentFile(path.read_bytes()), name=path.name
    )
    video.source.storage.delete(video.source.name)
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    video.refresh_from_db()
    assert outcome == "failed"
    assert "missing" in video.failure_reason
    assert list(scratch_root.iterdir()) == []


# --- The job token: stale, duplicated and taken-away tasks ----------------------


def test_task_with_a_stale_job_token_is_skipped_and_changes_nothing(
    db, media_source, settings, scratch_root
):
    path = media_source("no_audio")
    video = services.video_source_attach(
        video=services.video_create(),
        file=ContentFile(path.read_bytes()),
        name=path.name,
    )
    stale_token = str(video.job_token)
    video = services.video_retranscode(video=video)

    assert pipeline.transcode(video_id=video.pk, job_token=stale_token) == "skipped"

    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED
    assert str(video.job_token) != stale_token
    assert (video.attempts, video.worker, video.revision) == (0, "", "")
    assert video_files(video, settings.MEDIA_ROOT) == set()
    assert not scratch_root.exists() or list(scratch_root.iterdir()) == []


def test_duplicate_task_after_ready_is_skipped(transcoded, settings):
    video, outcome = transcoded("no_audio")
    assert outcome == "ready"
    files = video_files(video, settings.MEDIA_ROOT)

    duplicate = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))

    assert duplicate == "skipped"
    again = Video.objects.get(pk=video.pk)
    assert (again.status, again.revision, again.attempts, again.finished_at) == (
        Video.Status.READY,
        video.revision,
        video.attempts,
        video.finished_at,
    )
    assert video_files(video, settings.MEDIA_ROOT) == files


def test_job_taken_away_mid_transcode_is_abandoned_without_publishing(
    db, media_source, settings, scratch_root, monkeypatch
):
    path = media_source("no_audio")
    video = services.video_source_attach(
        video=services.video_create(),
        file=ContentFile(path.read_bytes()),
        name=path.name,
    )
    real_probe = pipeline.probe

    def probe_then_editor_asks_again(source):
        # An editor asks for a re-transcode while this worker reads the source.
        services.video_retranscode(video=Video.objects.get(pk=video.pk))
        return real_probe(source)

    monkeypatch.setattr(pipeline, "probe", probe_then_editor_asks_again)

    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))

    video.refresh_from_db()
    assert outcome == "abandoned"
    assert video.status == Video.Status.QUEUED  # the new job waits for a worker
    assert video.revision == video.hls_master_path == ""
    assert not Rendition.objects.filter(video=video).exists()
    assert RevisionCleanup.objects.filter(video=video).count() == 1
    assert list(scratch_root.iterdir()) == []


# --- Re-transcodes and revisions ------------------------------------------------


def test_retranscode_publishes_a_new_revision_and_keeps_the_old_for_its_grace(
    transcoded, settings
):
    settings.TRANSCODE_REVISION_GRACE_SECONDS = 3600
    video, _ = transcoded("no_audio")
    first = video.revision

    video = services.video_retranscode(video=video)
    assert video.status == Video.Status.QUEUED
    assert video.revision == first  # still playing the published revision meanwhile
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))

    video.refresh_from_db()
    assert outcome == "ready"
    assert video.revision not in ("", first)
    assert video.hls_master_path.startswith(video.revision_prefix(video.revision))
    cleanup = RevisionCleanup.objects.get(video=video)
    assert cleanup.revision == first
    assert cleanup.delete_after > timezone.now() + datetime.timedelta(minutes=59)
    assert services.video_revisions_cleanup() == 0
    old_folder = settings.MEDIA_ROOT / video.revision_prefix(first)
    assert (old_folder / "master.m3u8").is_file()


def test_revisions_cleanup_deletes_only_the_superseded_revision(transcoded, settings):
    settings.TRANSCODE_REVISION_GRACE_SECONDS = 0
    video, _ = transcoded("no_audio")
    first = video.revision
    video = services.video_retranscode(video=video)
    pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    video.refresh_from_db()
    current = video.revision
    current_files = files_under(settings.MEDIA_ROOT / video.revision_prefix(current))

    deleted = services.video_revisions_cleanup()

    assert deleted == len(current_files)  # the same set of files, one revision older
    assert files_under(settings.MEDIA_ROOT / video.revision_prefix(first)) == set()
    assert (
        files_under(settings.MEDIA_ROOT / video.revision_prefix(current))
        == current_files
    )
    assert not RevisionCleanup.objects.filter(video=video).exists()
    assert set(
        Rendition.objects.filter(video=video).values_list("revision", flat=True)
    ) == {current}


# --- Text tracks ----------------------------------------------------------------

SRT = b"""1
00:00:00,500 --> 00:00:01,500
Hello there.

2
00:00:01,600 --> 00:00:01,900
Goodbye.
"""


def test_text_track_is_packaged_as_hls_subtitles_and_a_dash_text_set(
    transcoded, settings
):
    video, _ = transcoded("no_audio")
    services.text_track_add(
        video=video,
        language="en",
        label="English",
        file=ContentFile(SRT, name="english.srt"),
        is_default=True,
    )
    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED  # packaged again to carry the track
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    video.refresh_from_db()
    assert outcome == "ready"
    folder = settings.MEDIA_ROOT / video.revision_prefix(video.revision)

    master = m3u8.load(str(settings.MEDIA_ROOT / video.hls_master_path))
    (subtitles,) = [m for m in master.media if m.type == "SUBTITLES"]
    assert (subtitles.group_id, subtitles.language, subtitles.name) == (
        "subs",
        "en",
        "English",
    )
    assert subtitles.default == "YES"
    assert all(v.stream_info.subtitles == "subs" for v in master.playlists)
    playlist = m3u8.load(str(folder / subtitles.uri))
    assert playlist.is_endlist
    (segment,) = playlist.segments
    vtt = (folder / Path(subtitles.uri).parent / segment.uri).read_text()
    assert vtt.startswith("WEBVTT")
    assert "00:00:00.500 --> 00:00:01.500" in vtt and "Hello there." in vtt

    mpd = ET.parse(settings.MEDIA_ROOT / video.dash_manifest_path).getroot()  # noqa: S314
    (text,) = mpd_adaptation_sets(mpd)["text"]
    assert text.get("lang") == "en" and text.get("mimeType") == "text/vtt"
    base_url = text.find(".//{urn:mpeg:dash:schema:mpd:2011}BaseURL").text
    assert (folder / base_url).read_text() == vtt


@pytest.mark.parametrize(
    ("content", "filename", "reason"),
    [
        (bytes(range(256)) * 4, "junk.srt", "UTF-8"),
        (b"1\n00:00:02,000 --> 00:00:01,000\nBackwards.\n", "en.srt", "ends before"),
        (b"", "en.srt", "empty"),
    ],
    ids=["binary-junk", "end-before-start", "empty"],
)
def test_unreadable_subtitles_are_refused_with_a_reason(content, filename, reason, db):
    video = services.video_create()
    with pytest.raises(ValidationError) as refused:
        services.text_track_add(
            video=video,
            language="en",
            label="English",
            file=ContentFile(content, name=filename),
        )
    assert reason in " ".join(refused.value.messages)
    assert not TextTrack.objects.filter(video=video).exists()
