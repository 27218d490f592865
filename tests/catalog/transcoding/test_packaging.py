"""Playlists, manifests and the thumbnails track around ffmpeg's segments."""

import dataclasses
import xml.etree.ElementTree as ET

import m3u8
import pytest

from catalog.transcoding.manifest_format import (
    AudioEntry,
    TextTrackEntry,
    Variant,
    master_playlist,
)
from catalog.transcoding.packaging import (
    MediaPlaylist,
    Segment,
    codecs_from_ffmpeg_master,
    mpd_with_text_tracks,
    read_media_playlist,
    storyboard_vtt,
    subtitles_playlist,
    variant_playlist,
)

NS = "{urn:mpeg:dash:schema:mpd:2011}"

FFMPEG_MEDIA_PLAYLIST = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-MAP:URI="init-0.m4s"
#EXTINF:4.000000,
seg-0-00001.m4s
#EXTINF:4.000000,
seg-0-00002.m4s
#EXTINF:1.500000,
seg-0-00003.m4s
"""

ENGLISH = TextTrackEntry(
    uri="subs/en-subtitles.m3u8",
    vtt_uri="subs/en-subtitles.vtt",
    language="en",
    name='The "English" one',
    default=True,
)


def variants() -> list[Variant]:
    return [
        Variant("720p.m3u8", 3_000_000, 2_500_000, 1280, 720, "avc1.64001f", 25.0),
        Variant("360p.m3u8", 900_000, 700_000, 640, 360, "avc1.64001e", 25.0),
    ]


# --- ffmpeg's media playlists ------------------------------------------------


def test_read_media_playlist_measures_segments_on_disk(tmp_path):
    (tmp_path / "media_0.m3u8").write_text(FFMPEG_MEDIA_PLAYLIST)
    (tmp_path / "seg-0-00001.m4s").write_bytes(b"x" * 1000)
    (tmp_path / "seg-0-00002.m4s").write_bytes(b"x" * 3000)
    # seg-0-00003.m4s is listed but not written yet.

    playlist = read_media_playlist(tmp_path / "media_0.m3u8")

    assert playlist.init == "init-0.m4s"
    assert [(s.name, s.duration, s.size) for s in playlist.segments] == [
        ("seg-0-00001.m4s", 4.0, 1000),
        ("seg-0-00002.m4s", 4.0, 3000),
        ("seg-0-00003.m4s", 1.5, 0),
    ]
    assert playlist.ended is False
    assert playlist.duration == 9.5


def test_read_media_playlist_sees_the_end_and_tolerates_a_missing_file(tmp_path):
    (tmp_path / "media_0.m3u8").write_text(FFMPEG_MEDIA_PLAYLIST + "#EXT-X-ENDLIST\n")
    assert read_media_playlist(tmp_path / "media_0.m3u8").ended is True
    assert read_media_playlist(tmp_path / "media_1.m3u8") is None


def test_bandwidths_are_peak_and_average_bits_per_second():
    playlist = MediaPlaylist(
        init="init-0.m4s",
        segments=[
            Segment("a.m4s", 4.0, 400_000),  # 800 kb/s
            Segment("b.m4s", 4.0, 600_000),  # 1200 kb/s
            Segment("c.m4s", 0.2, 20_000),  # short: counted as 0.5 s for the peak
        ],
    )
    peak, average = playlist.bandwidths()
    assert peak == 1_200_000
    assert average == pytest.approx(1_020_000 * 8 / 8.2, abs=1)
    assert MediaPlaylist(init=None).bandwidths() == (0, 0)


def test_bandwidth_peak_is_never_under_the_average_for_a_very_short_video():
    one_frame = MediaPlaylist(init="i.m4s", segments=[Segment("a.m4s", 0.04, 6_000)])
    peak, average = one_frame.bandwidths()
    assert average == 1_200_000
    assert peak >= average


def test_codecs_come_from_ffmpeg_master_in_rung_order(tmp_path):
    (tmp_path / "master.m3u8").write_text(
        "#EXTM3U\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="avc1.64001f,mp4a.40.2"\nmedia_0.m3u8\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="avc1.42c00d,mp4a.40.2"\nmedia_1.m3u8\n'
    )
    assert codecs_from_ffmpeg_master(tmp_path / "master.m3u8") == [
        "avc1.64001f",
        "avc1.42c00d",
    ]
    assert codecs_from_ffmpeg_master(tmp_path / "missing.m3u8") == []


# --- Variant playlists -----------------------------------------------------------


def growing_playlist() -> MediaPlaylist:
    return MediaPlaylist(
        init="init-0.m4s",
        segments=[Segment("seg-1.m4s", 4.0, 10), Segment("seg-2.m4s", 4.2, 10)],
    )


def test_variant_playlist_is_an_event_while_the_encode_runs():
    text = variant_playlist(growing_playlist(), final=False)
    parsed = m3u8.loads(text)
    assert parsed.playlist_type == "event"
    assert not parsed.is_endlist
    assert "#EXT-X-ENDLIST" not in text


def test_variant_playlist_is_vod_with_an_end_once_done():
    text = variant_playlist(growing_playlist(), final=True)
    parsed = m3u8.loads(text)
    assert parsed.playlist_type == "vod"
    assert parsed.is_endlist
    assert text.rstrip().endswith("#EXT-X-ENDLIST")
    assert parsed.target_duration == 5  # 4.2 s rounds up
    assert parsed.segment_map[0].uri == "init-0.m4s"
    assert [(s.uri, s.duration) for s in parsed.segments] == [
        ("seg-1.m4s", 4.0),
        ("seg-2.m4s", 4.2),
    ]


def test_variant_playlist_without_segments_yet_is_still_valid():
    parsed = m3u8.loads(variant_playlist(MediaPlaylist(init=None), final=False))
    assert parsed.target_duration == 1
    assert parsed.segments == []


# --- The master playlist ---------------------------------------------------------


def with_audio(group: str = "aac-2", audio_peak: int = 130_000) -> list[Variant]:
    """The rungs as listed with an audio group: the group's bandwidth added."""
    return [
        dataclasses.replace(
            v,
            bandwidth=v.bandwidth + audio_peak,
            average_bandwidth=v.average_bandwidth + 128_000,
            codecs=v.codecs + ",mp4a.40.2",
            audio_group=group,
        )
        for v in variants()
    ]


MAIN = AudioEntry(
    "audio-0-2ch.m3u8", "aac-2", "en", "English", channels=2, default=True
)
DESCRIBED = AudioEntry(
    "audio-1-2ch.m3u8",
    "aac-2",
    "en",
    "English (audio description)",
    2,
    description=True,
)


def test_master_lists_every_rung_with_its_attributes_and_audio_group():
    text = master_playlist(with_audio(), audio=[MAIN, DESCRIBED])
    master = m3u8.loads(text)
    assert [p.uri for p in master.playlists] == ["720p.m3u8", "360p.m3u8"]
    top = master.playlists[0].stream_info
    assert top.bandwidth == 3_130_000  # the rung's peak plus the audio's
    assert top.average_bandwidth == 2_628_000
    assert top.resolution == (1280, 720)
    assert top.codecs == "avc1.64001f,mp4a.40.2"
    assert top.frame_rate == 25.0
    assert top.audio == "aac-2"
    main, described = master.media
    assert (main.type, main.group_id, main.uri, main.default, main.language) == (
        "AUDIO",
        "aac-2",
        "audio-0-2ch.m3u8",
        "YES",
        "en",
    )
    assert (main.autoselect, main.channels, main.characteristics) == (
        "YES",
        "2",
        None,
    )
    assert described.default == "NO"
    assert described.characteristics == "public.accessibility.describes-video"
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in text


def test_master_lists_a_rung_once_per_audio_group():
    surround = dataclasses.replace(MAIN, group="aac-6", channels=6)
    text = master_playlist(
        with_audio() + with_audio("aac-6", 390_000), audio=[MAIN, surround]
    )
    master = m3u8.loads(text)
    assert [(p.uri, p.stream_info.audio) for p in master.playlists] == [
        ("720p.m3u8", "aac-2"),
        ("360p.m3u8", "aac-2"),
        ("720p.m3u8", "aac-6"),
        ("360p.m3u8", "aac-6"),
    ]
    assert [(m.group_id, m.channels) for m in master.media] == [
        ("aac-2", "2"),
        ("aac-6", "6"),
    ]


def test_master_without_audio_has_no_audio_group_or_codec():
    master = m3u8.loads(master_playlist(variants()))
    assert master.media == []
    for playlist in master.playlists:
        assert playlist.stream_info.audio is None
        assert "mp4a" not in playlist.stream_info.codecs


def test_master_lists_text_tracks_as_a_subtitles_group():
    master = m3u8.loads(
        master_playlist(with_audio(), audio=[MAIN], text_tracks=[ENGLISH])
    )
    (subtitles,) = [m for m in master.media if m.type == "SUBTITLES"]
    assert subtitles.group_id == "subs"
    assert subtitles.language == "en"
    assert subtitles.name == "The 'English' one"  # a quote would end the attribute
    assert subtitles.default == "YES"
    assert subtitles.uri == "subs/en-subtitles.m3u8"
    assert all(p.stream_info.subtitles == "subs" for p in master.playlists)


def test_master_maps_every_uri_for_signed_urls():
    master = m3u8.loads(
        master_playlist(
            with_audio(),
            audio=[MAIN],
            text_tracks=[ENGLISH],
            uri=lambda path: f"https://cdn.example.com/{path}?sig=abc",
        )
    )
    uris = [p.uri for p in master.playlists] + [m.uri for m in master.media]
    assert len(uris) == 4
    assert all(uri.startswith("https://cdn.example.com/") for uri in uris)
    assert all(uri.endswith("?sig=abc") for uri in uris)


def test_subtitles_playlist_is_one_whole_webvtt_segment():
    parsed = m3u8.loads(subtitles_playlist(vtt_name="en-subtitles.vtt", duration=9.5))
    assert parsed.is_endlist and parsed.playlist_type == "vod"
    assert parsed.target_duration == 10
    assert [(s.uri, s.duration) for s in parsed.segments] == [("en-subtitles.vtt", 9.5)]


# --- The MPD with text tracks ---------------------------------------------------

FFMPEG_MPD = """<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT9.0S">
  <Period id="0" start="PT0.0S">
    <AdaptationSet id="0" contentType="video"><Representation id="0" bandwidth="1"/></AdaptationSet>
    <AdaptationSet id="1" contentType="audio"><Representation id="1" bandwidth="1"/></AdaptationSet>
  </Period>
</MPD>"""


def test_mpd_gets_one_text_adaptation_set_per_track():
    french = TextTrackEntry("subs/fr-captions.m3u8", "subs/fr-captions.vtt", "fr", "Fr")
    text = mpd_with_text_tracks(FFMPEG_MPD, [ENGLISH, french])

    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "ns0:" not in text  # the MPD namespace stays the default one
    period = ET.fromstring(text).find(f"{NS}Period")  # noqa: S314
    sets = period.findall(f"{NS}AdaptationSet")
    assert [(s.get("id"), s.get("contentType")) for s in sets] == [
        ("0", "video"),
        ("1", "audio"),
        ("2", "text"),
        ("3", "text"),
    ]
    english = sets[2]
    assert (english.get("lang"), english.get("mimeType")) == ("en", "text/vtt")
    assert english.find(f"{NS}Role").get("value") == "subtitle"
    assert english.find(f"{NS}Representation/{NS}BaseURL").text == (
        "subs/en-subtitles.vtt"
    )
    assert sets[3].find(f"{NS}Representation/{NS}BaseURL").text == (
        "subs/fr-captions.vtt"
    )


def test_mpd_without_text_tracks_keeps_its_adaptation_sets():
    root = ET.fromstring(mpd_with_text_tracks(FFMPEG_MPD, []))  # noqa: S314
    assert len(root.findall(f"{NS}Period/{NS}AdaptationSet")) == 2


def test_mpd_without_a_period_is_refused():
    with pytest.raises(ValueError, match="no Period"):
        mpd_with_text_tracks('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"/>', [ENGLISH])


# --- The storyboard's thumbnails track ------------------------------------------


def cues(vtt: str) -> list[tuple[str, str]]:
    lines = vtt.splitlines()
    assert lines[0] == "WEBVTT"
    return [(line, lines[i + 1]) for i, line in enumerate(lines) if " --> " in line]


def test_storyboard_cues_walk_the_sprite_left_to_right_then_down():
    vtt = storyboard_vtt(
        image="storyboard.jpg",
        interval=2.0,
        count=25,
        columns=10,
        tile_width=160,
        tile_height=90,
        duration=49.5,
    )
    found = cues(vtt)
    assert len(found) == 25
    assert found[0] == (
        "00:00:00.000 --> 00:00:02.000",
        "storyboard.jpg#xywh=0,0,160,90",
    )
    assert found[9][1] == "storyboard.jpg#xywh=1440,0,160,90"
    assert found[10] == (
        "00:00:20.000 --> 00:00:22.000",
        "storyboard.jpg#xywh=0,90,160,90",
    )
    assert found[23][1] == "storyboard.jpg#xywh=480,180,160,90"
    # The last tile stands for the rest of the video.
    assert found[24] == (
        "00:00:48.000 --> 00:00:49.500",
        "storyboard.jpg#xywh=640,180,160,90",
    )


def test_storyboard_cues_stop_at_the_end_of_the_video():
    vtt = storyboard_vtt(
        image="s.jpg",
        interval=1.0,
        count=30,
        columns=10,
        tile_width=160,
        tile_height=90,
        duration=9.5,
    )
    found = cues(vtt)
    assert len(found) == 10
    assert found[-1][0] == "00:00:09.000 --> 00:00:09.500"


def test_storyboard_of_a_one_frame_video_has_one_short_cue():
    vtt = storyboard_vtt(
        image="s.jpg",
        interval=1.0,
        count=1,
        columns=1,
        tile_width=160,
        tile_height=90,
        duration=0.04,
    )
    assert cues(vtt) == [("00:00:00.000 --> 00:00:00.040", "s.jpg#xywh=0,0,160,90")]


def test_storyboard_timestamps_count_hours_and_minutes():
    vtt = storyboard_vtt(
        image="s.jpg",
        interval=20.0,
        count=200,
        columns=10,
        tile_width=160,
        tile_height=90,
        duration=3725.25,
    )
    found = cues(vtt)
    assert found[-1][0] == "01:02:00.000 --> 01:02:05.250"
