"""Tracks in more than one channel layout, through the real pipeline: an
English 5.1 main track beside a French stereo dub and an English stereo audio
description, and the German 5.1-only source.

Every group (one per codec and layout) holds every track, so a surround
variant still offers every language and the description; the manifests say
what the issue asks of each entry, and every rendition players get is
levelled, as ebur128 measures it.
"""

import pytest

from .conftest import FFMPEG
from .published import MPD, mpd_adaptation_sets, rendition_loudness
from .test_audio import DESCRIBES_VIDEO, TARGET_LUFS, TRUE_PEAK_LIMIT, audio_media

AUDIO_PURPOSE = "urn:tva:metadata:cs:AudioPurposeCS:2007"


@pytest.fixture(scope="module")
def mixed(published):
    result = published("surround_dub_description")
    assert result.outcome == "ready"
    return result


@pytest.fixture(scope="module")
def surround(published):
    result = published("surround")
    assert result.outcome == "ready"
    return result


def by_group(media) -> dict[str, list]:
    groups: dict[str, list] = {}
    for entry in media:
        groups.setdefault(entry.group_id, []).append(entry)
    return groups


def test_a_mixed_source_keeps_51_for_its_surround_track_only(db, mixed):
    rows = [(t.position, t.language, t.role, t.channels) for t in mixed.audio_tracks]
    assert sorted(rows) == [
        (0, "en", "main", 2),
        (0, "en", "main", 6),
        (1, "fr", "dub", 2),
        (2, "en", "description", 2),
    ]


def test_every_layouts_group_offers_every_track(db, mixed):
    master = mixed.master()
    groups = by_group(audio_media(master))

    described = {
        group: [
            (m.language, m.name, m.channels, m.default, m.characteristics, m.uri)
            for m in entries
        ]
        for group, entries in groups.items()
    }
    assert described == {
        "aac-2": [
            ("en", "English", "2", "YES", None, "audio-0-2ch.m3u8"),
            ("fr", "French", "2", "NO", None, "audio-1-2ch.m3u8"),
            (
                "en",
                "English (audio description)",
                "2",
                "NO",
                DESCRIBES_VIDEO,
                "audio-2-2ch.m3u8",
            ),
        ],
        # The surround group: the main track's 5.1, the others' stereo.
        "aac-6": [
            ("en", "English", "6", "YES", None, "audio-0-6ch.m3u8"),
            ("fr", "French", "2", "NO", None, "audio-1-2ch.m3u8"),
            (
                "en",
                "English (audio description)",
                "2",
                "NO",
                DESCRIBES_VIDEO,
                "audio-2-2ch.m3u8",
            ),
        ],
    }
    for entries in groups.values():
        assert all(m.autoselect == "YES" for m in entries)
        assert len({m.name for m in entries}) == len(entries)  # NAME unique
    # Every rung plays with either group.
    listed = sorted((p.stream_info.audio, p.uri) for p in master.playlists)
    rungs = sorted(p.uri for p in master.playlists)[:: len(groups)]
    assert len(rungs) == len(mixed.renditions)
    assert listed == [(group, rung) for group in sorted(groups) for rung in rungs]


def test_the_mpd_has_a_set_per_track_and_layout(db, mixed):
    sets = mpd_adaptation_sets(mixed.mpd())["audio"]

    described = sorted(
        (
            adaptation.find(f"{MPD}Representation").get("id"),
            adaptation.get("lang"),
            adaptation.find(f"{MPD}Role").get("value"),
            adaptation.find(f"{MPD}AudioChannelConfiguration").get("value"),
            [
                (a.get("schemeIdUri"), a.get("value"))
                for a in adaptation.findall(f"{MPD}Accessibility")
            ],
        )
        for adaptation in sets
    )
    assert described == [
        ("audio-0-2ch", "en", "main", "2", []),
        ("audio-0-6ch", "en", "main", "6", []),
        ("audio-1-2ch", "fr", "dub", "2", []),
        ("audio-2-2ch", "en", "description", "2", [(AUDIO_PURPOSE, "1")]),
    ]


def test_every_rendition_of_a_mixed_source_is_levelled(db, mixed):
    """The sources were over 25 LU apart; each output, 5.1 and stereo, is at
    the target under the peak limit, as ebur128 measures what players get."""
    sources = [t.loudness_in_lufs for t in mixed.audio_tracks]
    assert max(sources) - min(sources) > 25
    for track in mixed.audio_tracks:
        measured = rendition_loudness(FFMPEG, mixed.path(track.playlist_path))
        assert measured.channels == track.channels
        assert measured.integrated == pytest.approx(TARGET_LUFS, abs=1.0)
        assert measured.true_peak <= TRUE_PEAK_LIMIT


def test_a_51_only_source_says_language_and_role_in_both_layouts(db, surround):
    groups = by_group(audio_media(surround.master()))
    assert sorted(groups) == ["aac-2", "aac-6"]
    for entries in groups.values():
        (entry,) = entries
        assert (entry.language, entry.autoselect, entry.default) == ("de", "YES", "YES")
        assert entry.characteristics is None

    sets = mpd_adaptation_sets(surround.mpd())["audio"]
    assert [
        (
            a.get("lang"),
            a.find(f"{MPD}Role").get("value"),
            a.find(f"{MPD}AudioChannelConfiguration").get("value"),
            a.findall(f"{MPD}Accessibility"),
        )
        for a in sets
    ] == [("de", "main", "2", []), ("de", "main", "6", [])]
