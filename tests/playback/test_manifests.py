"""Reading the stored master and cutting it (and the MPD) down to a plan."""

import re
import xml.etree.ElementTree as ET

import m3u8
import pytest

from catalog.transcoding import manifest_format
from playback.delivery import manifests, stored

MPD = "{urn:mpeg:dash:schema:mpd:2011}"

pytestmark = pytest.mark.django_db


def variant(
    name: str, width: int, height: int, group: str | None = None
) -> manifest_format.Variant:
    audio = {None: 0, "aac-2": 128_000, "aac-6": 384_000}[group]
    return manifest_format.Variant(
        uri=name,
        bandwidth=1000 * height + audio,
        average_bandwidth=900 * height + audio,
        width=width,
        height=height,
        codecs="avc1.64001f" + (",mp4a.40.2" if group else ""),
        frame_rate=25.0,
        audio_group=group,
    )


def ladder(group: str | None = None) -> list[manifest_format.Variant]:
    return [
        variant("1080p.m3u8", 1920, 1080, group),
        variant("720p.m3u8", 1280, 720, group),
        variant("480p.m3u8", 864, 486, group),  # 16:9 at an even size near 480
        variant("240p.m3u8", 426, 240, group),
    ]


def audio(stem: str, group: str, channels: int, **kwargs):
    name = "English (audio description)" if "description" in kwargs else "English"
    return manifest_format.AudioEntry(
        f"{stem}.m3u8", group, "en", name, channels, **kwargs
    )


# A main track in stereo and 5.1, and a stereo audio description, which the
# 5.1 group holds too: every group offers every track.
AUDIO = [
    audio("audio-0-2ch", "aac-2", 2, default=True),
    audio("audio-1-2ch", "aac-2", 2, description=True),
    audio("audio-0-6ch", "aac-6", 6, default=True),
    audio("audio-1-2ch", "aac-6", 2, description=True),
]
LADDER = manifest_format.master_playlist(
    ladder("aac-2") + ladder("aac-6"),
    audio=AUDIO,
    text_tracks=[
        manifest_format.TextTrackEntry(
            uri="subs/pt-BR-captions.m3u8",
            vtt_uri="subs/pt-BR-captions.vtt",
            language="pt-BR",
            name="Português",
        )
    ],
)


def test_the_stored_master_is_read_back_rung_by_rung(videos):
    video = videos.video()
    text = videos.path(video, "master.m3u8").read_text()

    master = stored.parse_master(text)

    assert [(r.index, r.lines, r.variant.uri) for r in master.rungs] == [
        (0, 180, "180p.m3u8"),
        (1, 144, "144p.m3u8"),
    ]
    assert [(a.uri, a.group, a.default) for a in master.audio] == [
        ("audio-0-2ch.m3u8", "aac-2", True)
    ]
    assert [(t.language, t.name, t.vtt_uri) for t in master.text_tracks] == [
        ("en", "English", "subs/en-subtitles.vtt")
    ]


def test_writing_every_rung_back_gives_the_stored_master(videos):
    text = videos.path(videos.video(), "master.m3u8").read_text()
    master = stored.parse_master(text)

    assert manifests.session_master_text(master, master.rungs, url=str) == text
    again = stored.parse_master(LADDER)
    assert (
        manifests.session_master_text(again, again.rungs, url=str, audio=again.audio)
        == LADDER
    )


def test_rungs_are_matched_to_their_segment_files_by_position(videos):
    """The assumption granted_files makes: rung N's files are init-N, seg-N-*."""
    video = videos.video()
    master = stored.parse_master(videos.path(video, "master.m3u8").read_text())

    for rung in master.rungs:
        playlist = m3u8.load(str(videos.path(video, rung.variant.uri)))
        assert playlist.segment_map[0].uri == f"init-{rung.index}.m4s"
        assert all(s.uri.startswith(f"seg-{rung.index}-") for s in playlist.segments), (
            playlist.segments
        )


def test_a_plan_gets_the_rungs_up_to_its_height_by_their_names():
    master = stored.parse_master(LADDER)

    allowed, withheld = manifests.rungs_for_height(master, 480)

    # The 864x486 rung is the ladder's "480p": a 480-line plan plays it.
    assert [r.variant.uri for r in allowed] == ["480p.m3u8", "240p.m3u8"]
    assert [r.variant.uri for r in withheld] == ["1080p.m3u8", "720p.m3u8"]


def test_a_plan_below_every_rung_still_gets_the_lowest():
    master = stored.parse_master(LADDER)

    allowed, withheld = manifests.rungs_for_height(master, 100)

    assert [r.variant.uri for r in allowed] == ["240p.m3u8"]
    assert len(withheld) == 3


def test_a_portrait_rung_is_measured_by_its_short_side():
    portrait = manifest_format.master_playlist(
        [variant("720.m3u8", 720, 1280), variant("360.m3u8", 360, 640)]
    )
    master = stored.parse_master(portrait)

    allowed, _ = manifests.rungs_for_height(master, 720)

    assert [r.lines for r in allowed] == [720, 360]


def test_a_grants_rungs_are_those_whose_playlists_it_names():
    master = stored.parse_master(LADDER)
    allowed, _ = manifests.rungs_for_height(master, 480)
    granted = manifests.granted_files(master, allowed)

    from_grant, withheld = manifests.rungs_granted(master, granted)

    assert from_grant == allowed
    assert [r.variant.uri for r in withheld] == ["1080p.m3u8", "720p.m3u8"]
    # A grant is exact: a rung's init and segments do not stand for its playlist.
    assert manifests.rungs_granted(master, granted[1:])[0] == allowed[1:]
    # A session downgraded since the grant was made: its height caps it too.
    capped, withheld = manifests.rungs_granted(master, granted, max_height=240)
    assert [r.variant.uri for r in capped] == ["240p.m3u8"]
    assert len(withheld) == 3


def test_a_grant_names_the_allowed_rungs_files_audio_text_and_artwork_only():
    master = stored.parse_master(LADDER)
    allowed, _ = manifests.rungs_for_height(master, 720)

    assert manifests.granted_files(master, allowed) == (
        "720p.m3u8",
        "init-1.m4s",
        "seg-1-?????.m4s",
        "480p.m3u8",
        "init-2.m4s",
        "seg-2-?????.m4s",
        "240p.m3u8",
        "init-3.m4s",
        "seg-3-?????.m4s",
        # Stereo only, by default: the main track and the description.
        "audio-0-2ch.m3u8",
        "audio-0-2ch-init.m4s",
        "audio-0-2ch-?????.m4s",
        "audio-1-2ch.m3u8",
        "audio-1-2ch-init.m4s",
        "audio-1-2ch-?????.m4s",
        "subs/pt-BR-captions.m3u8",
        "subs/pt-BR-captions.vtt",
        "poster.jpg",
        "storyboard.vtt",
        "storyboard.jpg",
    )


def test_a_surround_plan_is_granted_the_51_renditions_too():
    master = stored.parse_master(LADDER)
    allowed, _ = manifests.rungs_for_height(master, 240)
    stereo = manifests.audio_for_channels(master, 2)
    surround = manifests.audio_for_channels(master, 6)

    assert {a.group for a in stereo} == {"aac-2"}
    assert {a.group for a in surround} == {"aac-2", "aac-6"}
    plain = manifests.granted_files(master, allowed, stereo)
    full = manifests.granted_files(master, allowed, surround)
    assert not [name for name in plain if "6ch" in name]
    assert set(full) - set(plain) == {
        "audio-0-6ch.m3u8",
        "audio-0-6ch-init.m4s",
        "audio-0-6ch-?????.m4s",
    }
    # What a grant names is what its manifests offer: whole groups only.
    assert manifests.audio_granted(master, plain) == stereo
    assert manifests.audio_granted(master, full) == surround
    assert manifests.audio_withheld(master, stereo) == {"audio-0-6ch"}


def test_a_master_from_before_audio_tracks_still_grants_its_one_track():
    legacy = (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Main",DEFAULT=YES,'
        'AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"\n'
        "#EXT-X-STREAM-INF:BANDWIDTH=300000,AVERAGE-BANDWIDTH=250000,"
        'RESOLUTION=426x240,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=25.000,'
        'AUDIO="audio"\n240p.m3u8\n'
    )
    master = stored.parse_master(legacy)

    granted = manifests.granted_files(master, master.rungs)

    # Its audio was ffmpeg's representation after the video rungs.
    assert granted[:6] == (
        "240p.m3u8",
        "init-0.m4s",
        "seg-0-?????.m4s",
        "audio.m3u8",
        "init-1.m4s",
        "seg-1-?????.m4s",
    )
    text = manifests.session_master_text(master, master.rungs, url=str)
    assert text == legacy


def test_every_stored_file_is_granted_to_a_plan_with_every_rung_but_manifests(
    videos,
):
    """The grant names what the pipeline really writes: all of it, for a plan
    that plays every rung, but the stored master and MPD."""
    video = videos.video()
    folder = videos.path(video, "")
    master = stored.parse_master((folder / "master.m3u8").read_text())
    grant = manifests.granted_files(master, master.rungs)

    on_disk = {
        str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()
    }
    ungranted = {
        name
        for name in on_disk
        if not any(re.fullmatch(_regex(p), name) for p in grant)
    }
    assert ungranted == {"master.m3u8", "manifest.mpd"}


def _regex(pattern: str) -> str:
    return re.escape(pattern).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")


def test_the_session_master_keeps_audio_and_subtitles_and_maps_every_uri():
    master = stored.parse_master(LADDER)
    allowed, _ = manifests.rungs_for_height(master, 720)

    text = manifests.session_master_text(
        master, allowed, url=lambda name: f"https://cdn/x/{name}"
    )

    parsed = m3u8.loads(text)
    assert [p.uri for p in parsed.playlists] == [
        "https://cdn/x/720p.m3u8",
        "https://cdn/x/480p.m3u8",
        "https://cdn/x/240p.m3u8",
    ]
    assert {(m.type, m.uri) for m in parsed.media} == {
        ("AUDIO", "https://cdn/x/audio-0-2ch.m3u8"),
        ("AUDIO", "https://cdn/x/audio-1-2ch.m3u8"),
        ("SUBTITLES", "https://cdn/x/subs/pt-BR-captions.m3u8"),
    }
    assert {p.stream_info.audio for p in parsed.playlists} == {"aac-2"}
    # Bandwidths and codecs are the stored ones, audio included once.
    assert 'CODECS="avc1.64001f,mp4a.40.2"' in text
    assert "BANDWIDTH=848000," in text
    assert not re.search(r"^[^#h]", text, re.MULTILINE)  # no relative URI left


def test_the_session_mpd_drops_withheld_representations_and_points_at_the_grant(
    videos,
):
    video = videos.video()
    prefix = video.revision_prefix(video.revision)
    master = stored.stored_master(prefix, growing=False)
    _, withheld = manifests.rungs_for_height(master, 150)

    text = manifests.session_mpd_text(
        prefix, withheld, base_url="https://cdn/s/TOKEN&/" + prefix
    )

    root = ET.fromstring(text)  # noqa: S314
    assert root.find(f"{MPD}BaseURL").text == "https://cdn/s/TOKEN&/" + prefix
    video_set = next(
        a for a in root.iter(f"{MPD}AdaptationSet") if a.get("contentType") == "video"
    )
    representations = video_set.findall(f"{MPD}Representation")
    assert [(r.get("id"), r.get("height")) for r in representations] == [("1", "144")]
    assert video_set.get("maxHeight") == "144"
    content_types = {a.get("contentType") for a in root.iter(f"{MPD}AdaptationSet")}
    assert content_types == {"video", "audio", "text"}


def test_a_missing_master_reads_as_none(videos):
    assert stored.stored_master("videos/nothing/here/", growing=False) is None
