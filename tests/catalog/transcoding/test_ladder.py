"""Choosing rungs and the output frame rate from what the probe found."""

from fractions import Fraction

import pytest

from catalog.transcoding.ladder import Rung, ladder_for, output_frame_rate
from catalog.transcoding.probe import Probe

LADDER = [(1080, 5000), (720, 2800), (480, 1400), (360, 800), (240, 400)]
SIZES = [
    (1920, 1080),
    (1080, 1920),
    (1280, 720),
    (1000, 600),
    (853, 481),
    (1918, 1080),
    (1920, 800),
    (1440, 1080),
    (4096, 2160),
    (1280, 536),
    (720, 576),
    (600, 600),
    (320, 180),
    (100, 56),
    (3, 3),
]


def probe(width: int, height: int, frame_rate: float = 25.0) -> Probe:
    return Probe(
        duration=10.0,
        width=width,
        height=height,
        coded_width=width,
        coded_height=height,
        rotation=0,
        frame_rate=frame_rate,
        variable_frame_rate=False,
        pixel_format="yuv420p",
        sample_aspect_ratio="1:1",
        video_codec="h264",
        has_audio=True,
        audio_codec="aac",
        audio_channels=2,
        container_format="mov",
    )


def sizes(rungs: list[Rung]) -> list[tuple[int, int]]:
    return [(rung.width, rung.height) for rung in rungs]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_rung_is_taller_than_the_source(width, height):
    for rung in ladder_for(probe(width, height), LADDER):
        assert min(rung.width, rung.height) <= min(width, height)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_rungs_have_even_sizes_and_exactly_one_shared_aspect(width, height):
    rungs = ladder_for(probe(width, height), LADDER)
    assert rungs  # at least one, however small the source
    for rung in rungs:
        assert rung.width % 2 == 0 and rung.height % 2 == 0
    aspects = {Fraction(rung.width, rung.height) for rung in rungs}
    assert len(aspects) == 1
    if min(width, height) >= 100:
        assert float(aspects.pop()) == pytest.approx(width / height, rel=0.004)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_rungs_come_tallest_first_without_repeats(width, height):
    heights = [
        min(rung.width, rung.height)
        for rung in ladder_for(probe(width, height), LADDER)
    ]
    assert heights == sorted(set(heights), reverse=True)


def test_full_hd_gets_every_configured_step_with_16_9_sizes():
    rungs = ladder_for(probe(1920, 1080), LADDER)
    assert [rung.label for rung in rungs] == ["1080p", "720p", "480p", "360p", "240p"]
    # 854x480 is not exactly 16:9: the nearest size that is, even, is 864x486.
    assert sizes(rungs) == [
        (1920, 1080),
        (1280, 720),
        (864, 486),
        (640, 360),
        (416, 234),
    ]
    assert [rung.video_kbps for rung in rungs] == [5000, 2800, 1400, 800, 400]


def test_source_at_a_step_gets_no_extra_rung_of_its_own():
    assert sizes(ladder_for(probe(1280, 720), LADDER)) == [
        (1280, 720),
        (864, 486),
        (640, 360),
        (416, 234),
    ]


def test_source_between_steps_keeps_its_own_height_with_an_interpolated_bitrate():
    top, *rest = ladder_for(probe(1000, 600), LADDER)
    assert (top.width, top.height, top.label) == (1000, 600, "600p")
    assert top.video_kbps == 2100  # halfway from 480p (1400) to 720p (2800)
    assert sizes(rest) == [(800, 480), (600, 360), (400, 240)]


def test_source_under_every_step_gets_one_rung_of_its_own_size():
    (rung,) = ladder_for(probe(320, 180), LADDER)
    assert (rung.width, rung.height) == (320, 180)
    assert 100 <= rung.video_kbps < 400  # less than the smallest step's bitrate


@pytest.mark.parametrize(("width", "height"), [(3, 3), (2, 2), (1, 1), (0, 0)])
def test_tiny_source_still_gets_one_rung(width, height):
    (rung,) = ladder_for(probe(width, height), LADDER)
    assert (rung.width, rung.height) == (2, 2)


def test_portrait_source_gets_the_same_steps_turned_upright():
    landscape = ladder_for(probe(1920, 1080), LADDER)
    portrait = ladder_for(probe(1080, 1920), LADDER)
    assert sizes(portrait) == [(h, w) for w, h in sizes(landscape)]
    assert [r.label for r in portrait] == [r.label for r in landscape]
    assert all(rung.height > rung.width for rung in portrait)


def test_ladder_comes_from_settings_unless_given(settings):
    settings.TRANSCODE_LADDER = [(360, 800), (240, 400)]
    assert sizes(ladder_for(probe(1920, 1080))) == [(640, 360), (416, 234)]
    assert sizes(ladder_for(probe(1920, 1080), [(720, 2800)])) == [(1280, 720)]


def test_rung_rate_control_follows_its_bitrate():
    rung = Rung(width=1280, height=720, video_kbps=2800, label="720p")
    assert (rung.name, rung.maxrate_kbps, rung.bufsize_kbps) == ("720p", 2996, 4200)


@pytest.mark.parametrize(
    ("source_rate", "expected"),
    [
        (120.0, 60.0),
        (1000.0, 60.0),
        (60.0, 60.0),
        (59.9401, 59.94),
        (29.969, 29.97),
        (23.98, 23.976),
        (25.0, 25.0),
        (12.5, 12.5),
        (0.5, 1.0),
        (0.0, 25.0),  # unknown: the PAL default
    ],
)
def test_output_frame_rate_is_capped_and_snapped_to_a_standard(source_rate, expected):
    assert output_frame_rate(probe(320, 180, source_rate)) == expected


def test_output_frame_rate_cap_comes_from_settings(settings):
    settings.TRANSCODE_MAX_FPS = 30
    assert output_frame_rate(probe(1920, 1080, 59.94)) == 30.0
    assert output_frame_rate(probe(1920, 1080, 29.97)) == 29.97
