"""A viewer switches audio language while playing; a profile preferring audio
descriptions starts on the description.

The stream is a fixture made here by ffmpeg: one video rendition and three
fMP4 audio renditions (English, a French dub, an English audio description),
described by a master playlist written by hand as the pipeline writes them
(``EXT-X-MEDIA`` with LANGUAGE, NAME, DEFAULT, AUTOSELECT, CHANNELS and the
description's CHARACTERISTICS). Today's per-session master carries one audio
rendition, so the browser is handed the fixture in place of the session's
master and its media; everything else is real: sign-in, the session start
(which answers with the profile's preferences), the player in Chromium on
hls.js, its heartbeats.
"""

import re
import subprocess
import time
from pathlib import Path

import imageio_ffmpeg
import pytest

from tests.e2e import test_watch as watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

source_clip = watch.source_clip
movie = watch.movie
viewer = watch.viewer
browser = watch.browser

SECONDS = 24
FIXTURE_PATH = "/e2e-fixture/multi-audio/"
DESCRIBES = "public.accessibility.describes-video"
# (folder, LANGUAGE, NAME, tone in Hz, DEFAULT, CHARACTERISTICS)
TRACKS = [
    ("en", "en", "English", 440, True, ""),
    ("fr", "fr", "Français", 660, False, ""),
    ("ad", "en", "English (described)", 880, False, DESCRIBES),
]
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment"}


@pytest.fixture(scope="module")
def multi_audio(tmp_path_factory) -> Path:
    """The fixture stream's folder: video/, en/, fr/ and ad/, each a playlist
    with its init and media segments (4 s, keyframes aligned)."""
    folder = tmp_path_factory.mktemp("multi-audio")
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={SECONDS}"]
    maps = ["-map", "0:v"]
    streams = ["v:0,agroup:aud,name:video"]
    for index, (name, language, _, tone, default, _) in enumerate(TRACKS):
        sine = f"sine=frequency={tone}:sample_rate=48000:duration={SECONDS}"
        inputs += ["-f", "lavfi", "-i", sine]
        maps += ["-map", f"{index + 1}:a"]
        streams.append(
            f"a:{index},agroup:aud,name:{name},language:{language}"
            + (",default:yes" if default else "")
        )
    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
            *inputs,
            *maps,
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-g", "100", "-keyint_min", "100", "-sc_threshold", "0"),
            *("-c:a", "aac", "-b:a", "64k", "-ac", "2"),
            *("-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod"),
            *("-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"),
            *("-hls_segment_filename", str(folder / "%v" / "seg%d.m4s")),
            *("-var_stream_map", " ".join(streams)),
            *("-master_pl_name", "ffmpeg-master.m3u8"),
            str(folder / "%v" / "index.m3u8"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    ffmpeg_master = (folder / "ffmpeg-master.m3u8").read_text()
    codecs = re.search(r'CODECS="([^"]+)"', ffmpeg_master).group(1)
    (folder / "codecs").write_text(codecs)
    return folder


def _master(base_url: str, codecs: str) -> str:
    """The master playlist as the pipeline writes one, naming the fixture's files."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for folder, language, name, _, default, characteristics in TRACKS:
        extra = f',CHARACTERISTICS="{characteristics}"' if characteristics else ""
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac-2",LANGUAGE="{language}",'
            f'NAME="{name}",DEFAULT={"YES" if default else "NO"},AUTOSELECT=YES,'
            f'CHANNELS="2"{extra},URI="{base_url}{folder}/index.m3u8"'
        )
    lines += [
        f'#EXT-X-STREAM-INF:BANDWIDTH=700000,RESOLUTION=320x180,CODECS="{codecs}",'
        'AUDIO="aac-2"',
        f"{base_url}video/index.m3u8",
    ]
    return "\n".join(lines) + "\n"


def _serve_fixture(page, base_url: str, folder: Path) -> dict[str, list[str]]:
    """The session's master is replaced by the fixture's; the fixture's files
    are served from ``folder``. Returns what was asked for: the session's
    masters, and the fixture's files by name."""
    asked: dict[str, list[str]] = {"masters": [], "files": []}
    codecs = (folder / "codecs").read_text()

    def master(route):
        asked["masters"].append(route.request.url)
        route.fulfill(
            status=200,
            content_type=CONTENT_TYPES[".m3u8"],
            body=_master(base_url + FIXTURE_PATH, codecs),
        )

    def media(route):
        name = route.request.url.split(FIXTURE_PATH, 1)[1].split("?", 1)[0]
        asked["files"].append(name)
        path = (folder / name).resolve()
        assert path.is_relative_to(folder.resolve()), name
        route.fulfill(
            status=200,
            content_type=CONTENT_TYPES.get(path.suffix, "video/mp4"),
            body=path.read_bytes(),
        )

    page.route(re.compile(r".*/playback/s/.*/master\.m3u8(\?.*)?$"), master)
    page.route(re.compile(f".*{re.escape(FIXTURE_PATH)}.*"), media)
    return asked


# Collected in the page: which audio playlist each buffered audio fragment
# came from, and which buffers hls.js flushed.
WATCH_BUFFERS = """() => {
  const p = window.vodPlayer;
  if (!p.hls || p.watchingBuffers === p.hls) return;
  p.watchingBuffers = p.hls;
  p.audioFragments = p.audioFragments || [];
  p.flushed = p.flushed || [];
  p.hls.on(Hls.Events.FRAG_BUFFERED, (event, data) => {
    if (data.frag.type === 'audio') p.audioFragments.push(data.frag.url);
  });
  p.hls.on(Hls.Events.BUFFER_FLUSHING, (event, data) => p.flushed.push(data.type));
}"""


def _audio_state(page) -> dict:
    return page.evaluate(
        """() => {
          const p = window.vodPlayer, root = document.getElementById('player');
          const menu = document.getElementById('player-audio-menu');
          return {
            track: p.hls ? p.hls.audioTrack : null,
            dataAudio: root.dataset.audio,
            buttonHidden: document.querySelector('[data-menu="audio"]').hidden,
            entries: Array.from(menu.querySelectorAll('[role="menuitemradio"]'),
              (item) => [item.textContent, item.getAttribute('aria-checked')]),
            fragments: (p.audioFragments || []).map((url) => url.split('/').slice(-2)[0]),
            flushed: p.flushed || [],
            currentTime: p.video.currentTime,
            events: p.events,
          };
        }"""
    )


@pytest.fixture
def describing_viewer(viewer):
    """The viewer's profile asks for audio descriptions (made before the browser
    starts: its event loop keeps this thread from the database)."""
    viewer.audio_description = True
    viewer.save(update_fields=["audio_description"])
    return viewer


def test_a_profile_preferring_descriptions_starts_on_it_and_switches_language_live(
    live_server, movie, describing_viewer, multi_audio, browser
):
    page = browser.new_page()
    page.set_default_timeout(watch.TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    asked = _serve_fixture(page, live_server.url, multi_audio)
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        " const poll = setInterval(() => { if (window.vodPlayer && window.vodPlayer.hls)"
        f" {{ ({WATCH_BUFFERS})(); clearInterval(poll); }} }}, 5); }});"
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/watch/glass-harvest/")
    page.get_by_label("Email address").fill(watch.EMAIL)
    page.get_by_label("Password").fill(watch.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/watch/glass-harvest/")
    watch._wait_playing_past(page, 1.0)

    # The session answered with the profile's preferences; the player started
    # on the description, and fetched no other audio before it.
    start = _audio_state(page)
    assert asked["masters"], "the player did not load the session's master"
    assert start["entries"] == [
        ["English", "false"],
        ["French", "false"],
        ["English – Audio description", "true"],
    ]
    assert start["buttonHidden"] is False
    assert (start["track"], start["dataAudio"]) == (2, "en+description")
    assert start["fragments"] and set(start["fragments"]) == {"ad"}
    audio_asked = {name.split("/")[0] for name in asked["files"]} - {"video"}
    assert audio_asked == {"ad"}, asked["files"]

    # Switch to the French dub while playing: only the audio buffer goes.
    before = start["currentTime"]
    page.get_by_role("button", name=re.compile("^Audio")).click()
    page.get_by_role("menuitemradio", name="French").click()
    page.wait_for_function(
        """() => {
          const p = window.vodPlayer;
          return p.hls.audioTrack === 1 && p.eventCounts.AUDIO_TRACK_SWITCHED >= 1
            && (p.audioFragments || []).some((url) => url.includes('/fr/'));
        }"""
    )
    watch._wait_playing_past(page, before + 2)

    after = _audio_state(page)
    assert after["dataAudio"] == "fr"
    assert ["French", "true"] in after["entries"]
    assert "video" not in after["flushed"], after["flushed"]
    assert after["currentTime"] > before  # playing on, never back to the start
    assert page.get_by_role("button", name="Audio: French").is_visible()
    assert not problems, problems
    page.goto(f"{live_server.url}/")
    page.close()
    time.sleep(0.2)  # let the page's last request end before the database goes
