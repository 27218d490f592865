"""A viewer switches audio language while playing; a profile preferring audio
descriptions starts on the description.

Everything is real: ffmpeg makes a master with three audio streams (English,
a French dub, an English audio description flagged ``visual_impaired`` and
``descriptions``, each its own tone), the pipeline transcodes and publishes
it, the live server starts the session (answering with the profile's
preferences) and serves the per-session master and the media; Chromium plays
it through hls.js.
"""

import re
import subprocess
import time
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.core.files import File

from catalog import services as catalog_services
from catalog.models import AudioTrack, Title
from catalog.transcoding import pipeline
from tests.catalog.factories import TitleFactory
from tests.e2e import test_watch as watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

viewer = watch.viewer
browser = watch.browser

SECONDS = 16
SLUG = "three-voices"
# (ISO 639-2 language, title, tone in Hz, disposition): as a studio master has them.
SOURCE_TRACKS = [
    ("eng", "", 440, "default"),
    ("fre", "Français", 660, "0"),
    ("eng", "", 880, "visual_impaired+descriptions"),
]
# Names of what the player fetches (catalog.transcoding.layout): a video
# segment is seg-<rung>-<number>.m4s, an audio one audio-<track>-2ch-<number>.m4s.
VIDEO_FILE = re.compile(r"/(?:init-(\d+)|seg-(\d+)-(\d+))\.m4s(?:\?|$)")
AUDIO_FILE = re.compile(r"/audio-(\d+)-\dch-(?:init|\d+)\.m4s(?:\?|$)")


@pytest.fixture(scope="module")
def three_voices(tmp_path_factory) -> Path:
    """16 s of test pattern with three audio streams, as a studio master has them."""
    path = tmp_path_factory.mktemp("e2e-audio") / "three-voices.mkv"
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={SECONDS}"]
    maps, metadata = ["-map", "0:v"], []
    for index, (language, title, tone, disposition) in enumerate(SOURCE_TRACKS):
        sine = f"sine=frequency={tone}:sample_rate=48000:duration={SECONDS}"
        inputs += ["-f", "lavfi", "-i", sine]
        maps += ["-map", f"{index + 1}:a"]
        metadata += [f"-metadata:s:a:{index}", f"language={language}"]
        if title:
            metadata += [f"-metadata:s:a:{index}", f"title={title}"]
        metadata += [f"-disposition:a:{index}", disposition]
    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
            *inputs,
            *maps,
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-shortest"),
            *metadata,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def movie(settings, tmp_path, monkeypatch, three_voices) -> Title:
    """A title published by the real pipeline from the three-voice master."""
    # One rung: the video segments a player asks for are one numbered series.
    settings.TRANSCODE_LADDER = [(180, 300)]
    settings.TRANSCODE_X264_PRESET = "ultrafast"
    settings.TRANSCODE_SEGMENT_SECONDS = 4
    settings.TRANSCODE_SCRATCH_DIR = str(tmp_path / "scratch")
    # The pipeline runs right here, as a worker would: queue nothing.
    monkeypatch.setattr("catalog.tasks.video_transcode.delay", lambda *a, **k: None)

    title = TitleFactory(name="Three Voices", slug=SLUG)
    video = catalog_services.video_create(title=title)
    with open(three_voices, "rb") as handle:
        video = catalog_services.video_source_attach(
            video=video,
            file=File(handle, name=three_voices.name),
            name=three_voices.name,
        )
    outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
    assert outcome == "ready"
    video.refresh_from_db()
    tracks = AudioTrack.objects.filter(video=video, revision=video.revision)
    assert sorted(tracks.values_list("position", "language", "role")) == [
        (0, "en", "main"),
        (1, "fr", "dub"),
        (2, "en", "description"),
    ]
    title.refresh_from_db()
    return title


@pytest.fixture
def describing_viewer(viewer):
    """The viewer's profile asks for audio descriptions (made before the browser
    starts: its event loop keeps this thread from the database)."""
    viewer.audio_description = True
    viewer.save(update_fields=["audio_description"])
    return viewer


# Installed in the page before its scripts: from the moment hls.js exists,
# which buffers it flushed and which audio fragments it buffered; from
# ``p.markSwitch()`` on, every position the video reported.
WATCH_PLAYER = """
document.addEventListener('DOMContentLoaded', () => {
  const poll = setInterval(() => {
    const p = window.vodPlayer;
    if (!p || !p.hls) return;
    clearInterval(poll);
    p.flushed = [];
    p.audioFragments = [];
    p.hls.on(Hls.Events.BUFFER_FLUSHING, (event, data) => p.flushed.push(data.type));
    p.hls.on(Hls.Events.FRAG_BUFFERED, (event, data) => {
      if (data.frag.type === 'audio') p.audioFragments.push(data.frag.url);
    });
    p.markSwitch = () => {
      p.flushedAtSwitch = p.flushed.length;
      p.timesAfterSwitch = [p.video.currentTime];
      p.video.addEventListener('timeupdate',
        () => p.timesAfterSwitch.push(p.video.currentTime));
      return p.timesAfterSwitch[0];
    };
  }, 5);
});
"""


def _audio_state(page) -> dict:
    return page.evaluate(
        """() => {
          const p = window.vodPlayer, root = document.getElementById('player');
          const menu = document.getElementById('player-audio-menu');
          return {
            track: p.hls.audioTrack,
            dataAudio: root.dataset.audio,
            buttonHidden: document.querySelector('[data-menu="audio"]').hidden,
            entries: Array.from(menu.querySelectorAll('[role="menuitemradio"]'),
              (item) => [item.textContent, item.getAttribute('aria-checked')]),
            audioFragments: p.audioFragments,
            flushed: p.flushed,
            flushedAfterSwitch: p.flushed.slice(p.flushedAtSwitch || 0),
            timesAfterSwitch: p.timesAfterSwitch || [],
            currentTime: p.video.currentTime,
          };
        }"""
    )


class Fetched:
    """The media files the page asked for, in order: video segments by
    number, audio renditions by track position."""

    def __init__(self, page):
        self.video: list[str | int] = []  # "init" or the segment's number
        self.audio: list[int] = []
        page.on("request", self._heard)

    def _heard(self, request) -> None:
        url = request.url
        if video := VIDEO_FILE.search(url):
            self.video.append("init" if video.group(1) else int(video.group(3)))
        elif audio := AUDIO_FILE.search(url):
            self.audio.append(int(audio.group(1)))


def _open_player(page, base_url: str) -> None:
    page.add_init_script(WATCH_PLAYER)
    page.goto(f"{base_url}/accounts/login/?next=/watch/{SLUG}/")
    page.get_by_label("Email address").fill(watch.EMAIL)
    page.get_by_label("Password").fill(watch.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/watch/{SLUG}/")
    watch._wait_playing_past(page, 1.0)


def _leave(page, base_url: str) -> None:
    # Leave cleanly, so no request is still running when the test database goes.
    page.goto(f"{base_url}/")
    page.close()
    time.sleep(0.2)


def test_switching_audio_language_while_playing_keeps_position_and_video(
    live_server, movie, viewer, browser
):
    page = browser.new_page()
    page.set_default_timeout(watch.TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    fetched = Fetched(page)
    _open_player(page, live_server.url)

    # No preference: the title's main track, and no other audio fetched.
    start = _audio_state(page)
    assert start["entries"] == [
        ["English", "true"],
        ["French", "false"],
        ["English – Audio description", "false"],
    ]
    assert start["buttonHidden"] is False
    assert (start["track"], start["dataAudio"]) == (0, "en")
    assert set(fetched.audio) == {0}, fetched.audio
    assert fetched.video[:2] == ["init", 1], fetched.video  # ffmpeg counts from 1

    # Switch to the French dub while playing.
    before = page.evaluate("() => window.vodPlayer.markSwitch()")
    video_before = len(fetched.video)
    page.get_by_role("button", name=re.compile("^Audio")).click()
    page.get_by_role("menuitemradio", name="French").click()
    page.wait_for_function(
        """() => {
          const p = window.vodPlayer;
          return p.hls.audioTrack === 1 && p.eventCounts.AUDIO_TRACK_SWITCHED >= 1
            && p.audioFragments.some((url) => /audio-1-2ch-\\d+\\.m4s/.test(url));
        }"""
    )
    watch._wait_playing_past(page, before + 2)

    after = _audio_state(page)
    assert after["dataAudio"] == "fr"
    assert ["French", "true"] in after["entries"]
    assert page.get_by_role("button", name="Audio: French").is_visible()
    # The French rendition was fetched, from where playback was.
    assert 1 in fetched.audio[fetched.audio.index(0) :]
    # The position went on from where it was: never back.
    times = after["timesAfterSwitch"]
    assert times == sorted(times), times
    assert after["currentTime"] > before + 2
    # The video stayed buffered: no video flush, no video file asked for again
    # (neither its init nor a segment already fetched).
    assert set(after["flushedAfterSwitch"]) <= {"audio"}, after["flushed"]
    video_after = fetched.video[video_before:]
    assert "init" not in video_after, fetched.video
    assert not set(video_after) & set(fetched.video[:video_before]), fetched.video
    numbers = [n for n in fetched.video if n != "init"]
    assert numbers == sorted(set(numbers)), fetched.video
    assert not problems, problems
    _leave(page, live_server.url)


def test_a_profile_preferring_descriptions_starts_on_the_description(
    live_server, movie, describing_viewer, browser
):
    page = browser.new_page()
    page.set_default_timeout(watch.TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    fetched = Fetched(page)
    _open_player(page, live_server.url)

    # The session answered with the profile's preferences; the player started
    # on the description, and fetched no other audio before it.
    start = _audio_state(page)
    assert start["entries"] == [
        ["English", "false"],
        ["French", "false"],
        ["English – Audio description", "true"],
    ]
    assert (start["track"], start["dataAudio"]) == (2, "en+description")
    assert start["audioFragments"], "no audio was buffered"
    assert all("/audio-2-2ch-" in url for url in start["audioFragments"])
    assert set(fetched.audio) == {2}, fetched.audio
    button = page.get_by_role("button", name="Audio: English – Audio description")
    assert button.is_visible()
    assert not problems, problems
    _leave(page, live_server.url)
