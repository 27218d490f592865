"""Every audio track through the real pipeline: probed, levelled, described.

Two sources made with lavfi: three tracks (English flagged default, a quiet
French one with a title, an English audio description) and a German 5.1 one.
"""

import m3u8
import pytest
from django.test import override_settings

from catalog.models import AudioTrack
from catalog.transcoding import encode
from catalog.transcoding.audio import AudioInput, Loudness, levelling, track_runs
from catalog.transcoding.audio_tracks import tracks_for
from catalog.transcoding.audio_work import AudioWork
from catalog.transcoding.ladder import Rung
from catalog.transcoding.languages import bcp47_from_source, language_name
from catalog.transcoding.probe import AudioStream, probe

from .conftest import FFMPEG, ffmpeg
from .published import MPD, mpd_adaptation_sets, rendition_loudness

TARGET_LUFS = -24.0
TRUE_PEAK_LIMIT = -2.0
DESCRIBES_VIDEO = "public.accessibility.describes-video"


def stream(index, language="und", **kwargs) -> AudioStream:
    fields = {"codec": "aac", "channels": 2, "layout": "stereo", "title": ""}
    fields.update(default=False, description=False)
    fields.update(kwargs)
    return AudioStream(index=index, language=language, **fields)


def audio_media(master: m3u8.M3U8) -> list:
    return [m for m in master.media if m.type == "AUDIO"]


# --- Languages, roles and names (no ffmpeg) ----------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("eng", "en"),
        ("fre", "fr"),  # ISO 639-2/B
        ("fra", "fr"),  # ISO 639-2/T
        ("ger", "de"),
        ("gsw", "gsw"),  # no two-letter code: BCP 47 keeps the three
        ("pt-br", "pt-BR"),
        ("und", "und"),
        ("", "und"),
        (None, "und"),
        ("zz9", "und"),
        ("qaa", "und"),  # reserved for local use: no language we can name
    ],
)
def test_source_language_tags_become_bcp47(tag, expected):
    assert bcp47_from_source(tag) == expected


def test_a_language_has_its_english_name():
    assert language_name("fr") == "French"
    assert language_name("pt-BR") == "Portuguese"


def test_the_default_flagged_track_is_main_others_dubs_descriptions_by_flag():
    tracks = tracks_for(
        [
            stream(1, "fr"),
            stream(2, "en", default=True),
            stream(3, "en", description=True, default=True),
            stream(4, "de", title="Deutsch (Kino)"),
        ]
    )
    assert [(t.position, t.stream_index, t.role, t.name) for t in tracks] == [
        (0, 1, "dub", "French"),
        (1, 2, "main", "English"),
        (2, 3, "description", "English (audio description)"),
        (3, 4, "dub", "Deutsch (Kino)"),
    ]


def test_without_a_default_flag_the_first_heard_track_is_main():
    tracks = tracks_for([stream(1, "en", description=True), stream(2, "es")])
    assert [t.role for t in tracks] == ["description", "main"]


def test_a_source_with_only_a_description_still_has_a_main_track():
    (only,) = tracks_for([stream(1, "en", description=True)])
    assert only.role == "main"


def test_track_names_are_unique_and_unknown_languages_named_plainly():
    tracks = tracks_for([stream(1), stream(2), stream(3, "it"), stream(4, "it")])
    assert [t.name for t in tracks] == ["Main", "Track 2", "Italian", "Italian (2)"]


def test_surround_tracks_get_a_51_rendition_beside_stereo():
    tracks = tracks_for([stream(1, channels=6, layout="5.1"), stream(2, "en")])
    assert [t.layouts for t in tracks] == [(2, 6), (2,)]


def test_the_video_encode_maps_no_audio(tmp_path):
    plan = encode.EncodePlan(
        source=tmp_path / "source",
        container_format="mov",
        output_dir=tmp_path / "out",
        rungs=[Rung(width=256, height=144, video_kbps=200, label="144p")],
        frame_rate=25.0,
        duration=2.0,
        storyboard=encode.storyboard_for(2.0, 256, 144),
    )
    command = encode.build_command("ffmpeg", plan)
    maps = [command[i + 1] for i, arg in enumerate(command) if arg == "-map"]
    assert maps == ["[v0]", "[board]"]
    assert "-c:a" not in command


# --- The probe --------------------------------------------------------------


def test_the_probe_reads_every_audio_stream(media_source):
    streams = probe(str(media_source("three_tracks"))).audio_streams

    assert [(s.index, s.language, s.title) for s in streams] == [
        (1, "en", ""),
        (2, "fr", "Français"),
        (3, "en", ""),
    ]
    assert [(s.default, s.description) for s in streams] == [
        (True, False),
        (False, False),
        (False, True),
    ]
    assert {(s.codec, s.channels) for s in streams} == {("aac", 1)}


def test_the_probe_reads_a_51_layout(media_source):
    (surround,) = probe(str(media_source("surround"))).audio_streams
    assert (surround.channels, surround.layout, surround.language) == (6, "5.1", "de")


# --- Published tracks ---------------------------------------------------------


@pytest.fixture(scope="module")
def three(published):
    result = published("three_tracks")
    assert result.outcome == "ready"
    return result


@pytest.fixture(scope="module")
def surround(published):
    result = published("surround")
    assert result.outcome == "ready"
    return result


def test_every_source_track_becomes_an_audio_track(three):
    rows = [
        (t.position, t.language, t.name, t.role, t.channels, t.codecs)
        for t in three.audio_tracks
    ]
    assert rows == [
        (0, "en", "English", "main", 2, "mp4a.40.2"),
        (1, "fr", "Français", "dub", 2, "mp4a.40.2"),
        (2, "en", "English (audio description)", "description", 2, "mp4a.40.2"),
    ]
    for track in three.audio_tracks:
        assert track.playlist_path.startswith(
            three.video.revision_prefix(three.video.revision)
        )
        assert three.path(track.playlist_path).exists()
        assert 0 < track.average_bandwidth <= track.bandwidth


def test_the_hls_master_lists_each_track_once_with_its_language(three):
    master = three.master()
    media = audio_media(master)

    assert [(m.group_id, m.language, m.name, m.channels) for m in media] == [
        ("aac-2", "en", "English", "2"),
        ("aac-2", "fr", "Français", "2"),
        ("aac-2", "en", "English (audio description)", "2"),
    ]
    assert all(m.autoselect == "YES" for m in media)
    assert [m.default for m in media] == ["YES", "NO", "NO"]
    assert [m.characteristics for m in media] == [None, None, DESCRIBES_VIDEO]
    assert len({m.uri for m in media}) == 3
    assert {p.stream_info.audio for p in master.playlists} == {"aac-2"}
    assert len(master.playlists) == len(three.renditions)


def test_each_hls_audio_rendition_decodes_to_the_full_length(three):
    for media in audio_media(three.master()):
        playlist = m3u8.load(str(three.folder / media.uri))
        assert playlist.is_endlist and playlist.segment_map
        seconds = sum(s.duration for s in playlist.segments)
        assert seconds == pytest.approx(three.video.duration_seconds, abs=0.15)


def test_the_mpd_has_an_audio_adaptation_set_per_track(three):
    sets = mpd_adaptation_sets(three.mpd())["audio"]

    described = []
    for adaptation in sets:
        role = adaptation.find(f"{MPD}Role")
        channels = adaptation.find(f"{MPD}AudioChannelConfiguration")
        accessibility = adaptation.findall(f"{MPD}Accessibility")
        assert role.get("schemeIdUri") == "urn:mpeg:dash:role:2011"
        assert channels.get("schemeIdUri") == (
            "urn:mpeg:mpegB:cicp:ChannelConfiguration"
        )
        (representation,) = adaptation.findall(f"{MPD}Representation")
        described.append(
            (
                adaptation.get("lang"),
                role.get("value"),
                channels.get("value"),
                [(a.get("schemeIdUri"), a.get("value")) for a in accessibility],
                representation.get("id"),
            )
        )
    assert described == [
        ("en", "main", "2", [], "audio-0-2ch"),
        ("fr", "dub", "2", [], "audio-1-2ch"),
        (
            "en",
            "description",
            "2",
            [("urn:tva:metadata:cs:AudioPurposeCS:2007", "1")],
            "audio-2-2ch",
        ),
    ]


def test_every_rendition_is_levelled_to_the_target_under_the_peak_limit(three):
    """Measured on what players get, by ebur128 rather than the pipeline's
    own loudnorm; the source tracks were 30 LU apart."""
    sources = [t.loudness_in_lufs for t in three.audio_tracks]
    assert max(sources) - min(sources) > 25
    for track in three.audio_tracks:
        measured = rendition_loudness(FFMPEG, three.path(track.playlist_path))
        assert measured.integrated == pytest.approx(TARGET_LUFS, abs=1.0)
        assert measured.true_peak <= TRUE_PEAK_LIMIT
        # What editors are shown is what was measured on the output.
        assert track.loudness_out_lufs == pytest.approx(measured.integrated, abs=0.5)
        assert track.true_peak_out_dbtp <= TRUE_PEAK_LIMIT


def test_a_51_source_keeps_51_beside_its_stereo_downmix(surround):
    rows = [(t.position, t.language, t.role, t.channels) for t in surround.audio_tracks]
    assert rows == [(0, "de", "main", 2), (0, "de", "main", 6)]
    for track in surround.audio_tracks:
        measured = rendition_loudness(FFMPEG, surround.path(track.playlist_path))
        assert measured.channels == track.channels
        assert measured.integrated == pytest.approx(TARGET_LUFS, abs=1.0)
        assert measured.true_peak <= TRUE_PEAK_LIMIT


def test_a_51_source_has_a_group_per_layout_and_every_rung_in_each(surround):
    master = surround.master()
    media = audio_media(master)

    assert [(m.group_id, m.channels, m.default, m.language) for m in media] == [
        ("aac-2", "2", "YES", "de"),
        ("aac-6", "6", "YES", "de"),
    ]
    rungs = len(surround.renditions)
    listed = [(p.uri, p.stream_info.audio) for p in master.playlists]
    assert len(listed) == 2 * rungs
    assert {group for _, group in listed} == {"aac-2", "aac-6"}
    by_group = {}
    for playlist in master.playlists:
        by_group.setdefault(playlist.stream_info.audio, []).append(playlist)
    # The 5.1 variants carry the larger audio's bandwidth.
    for stereo, surround_variant in zip(
        by_group["aac-2"], by_group["aac-6"], strict=True
    ):
        assert stereo.uri == surround_variant.uri
        assert surround_variant.stream_info.bandwidth > stereo.stream_info.bandwidth

    sets = mpd_adaptation_sets(surround.mpd())["audio"]
    configurations = [
        a.find(f"{MPD}AudioChannelConfiguration").get("value") for a in sets
    ]
    assert configurations == ["2", "6"]


def test_a_track_with_a_description_among_its_groups_is_never_default(published):
    master = published("three_tracks").master()
    for media in audio_media(master):
        if media.characteristics == DESCRIBES_VIDEO:
            assert media.default == "NO"
    defaults = [m for m in audio_media(master) if m.default == "YES"]
    assert len(defaults) == len({m.group_id for m in audio_media(master)})


def test_the_loudness_target_is_a_setting(db, media_source):
    from .conftest import attach_and_transcode

    with override_settings(TRANSCODE_LOUDNESS_LUFS=-16, TRANSCODE_TRUE_PEAK_DBTP=-1):
        video, outcome = attach_and_transcode(media_source("normal"))
    assert outcome == "ready"
    (track,) = AudioTrack.objects.filter(video=video, revision=video.revision)
    assert track.loudness_out_lufs == pytest.approx(-16, abs=1.0)
    assert track.true_peak_out_dbtp <= -1


# --- Levelling ------------------------------------------------------------------


def test_a_plain_gain_levels_a_track_whose_peak_allows_it():
    assert levelling(Loudness(-30.0, -20.0, 5.0, -40.0)) == ",volume=6.00dB"
    assert levelling(Loudness(-10.0, -1.0, 3.0, -20.0)) == ",volume=-14.00dB"


def test_loudnorm_levels_a_track_whose_peak_a_plain_gain_would_push_over():
    chain = levelling(Loudness(-40.0, -3.0, 12.0, -50.0))
    assert chain.startswith(",loudnorm=I=-24")
    assert "TP=-2" in chain and "measured_I=-40.0" in chain
    assert "measured_thresh=-50.0" in chain and "LRA=13" in chain


def test_silence_is_left_alone():
    assert levelling(Loudness(float("-inf"), float("-inf"), 0.0, -70.0)) == ""


def test_a_separate_audio_file_goes_through_the_same_step(tmp_path):
    """The per-track step on its own (as a dub uploaded later would be): a
    quiet tone with loud clicks, which a plain gain would clip, comes out at
    the target under the peak limit, through loudnorm's limiter."""
    source = tmp_path / "dub.m4a"
    tone = "0.05*sin(2*PI*440*t)+0.9*lt(mod(t\\,1)\\,0.002)*sin(2*PI*1000*t)"
    ffmpeg(
        "-f", "lavfi", "-i", f"aevalsrc={tone}:s=48000:d=6", "-c:a", "aac", str(source)
    )
    (track,) = tracks_for([stream(0, "es")])
    work = AudioWork(
        [track_runs(FFMPEG, AudioInput(source, "mov", 0), track, out=tmp_path)],
        home=tmp_path,
        timeout=120,
    )

    work.finish()

    (rendition,) = work.renditions
    assert "loudnorm" in levelling(rendition.loudness_in)
    measured = rendition_loudness(FFMPEG, rendition.folder / "media_0.m3u8")
    assert measured.integrated == pytest.approx(TARGET_LUFS, abs=1.0)
    assert measured.true_peak <= TRUE_PEAK_LIMIT
    assert rendition.loudness_out.integrated == pytest.approx(
        measured.integrated, abs=0.5
    )
