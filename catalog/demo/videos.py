"""Real, playable demo videos, made locally and sent through the real pipeline.

Each source is the title's backdrop with a moving test pattern and a tone, made
by ffmpeg from lavfi in a second or so, then ingested like any upload: the
worker started by ``make run`` transcodes it.
"""

import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Case, F, When

from ..models import Episode, Title
from ..services import video_create, video_source_attach
from ..transcoding import ffmpeg

SECONDS = 24


def _make_source(backdrop: str, target: Path, *, frequency: int) -> None:
    with tempfile.NamedTemporaryFile(suffix=".jpg") as still:
        with default_storage.open(backdrop, "rb") as handle:
            still.write(handle.read())
        still.flush()
        ffmpeg.run(
            [
                ffmpeg.ffmpeg_binary(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-loop",
                "1",
                "-framerate",
                "25",
                "-protocol_whitelist",
                "file",
                "-i",
                still.name,
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=320x180:rate=25",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={frequency}:sample_rate=48000",
                "-filter_complex",
                "[0:v]scale=1280:720,format=yuv420p[bg];"
                "[bg][1:v]overlay=x='(W-w)*(0.5+0.45*sin(t/2))':y=H-h-40[v]",
                "-map",
                "[v]",
                "-map",
                "2:a",
                "-t",
                str(SECONDS),
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "20",
                "-c:a",
                "aac",
                str(target),
            ],
            home=target.parent,
            check=True,
            timeout=120,
        )


def demo_videos_ensure(*, limit: int) -> int:
    """Give up to ``limit`` demo episodes and movies without one a video; returns how many.

    Free titles come first, so a newly signed-up account (on the free plan) has
    something to watch.
    """
    visible = Title.objects.visible_to_viewers()
    free_first = Case(When(access_level=Title.AccessLevel.FREE, then=0), default=1)
    series = (
        visible.filter(kind=Title.Kind.SERIES)
        .exclude(backdrop="")
        .order_by(free_first, "-is_featured", "name")
        .first()
    )
    episodes = list(
        Episode.objects.filter(
            season__title=series, season__number=1, video__isnull=True
        )
        .select_related("season__title")
        .order_by("number")[: limit // 2]
    )
    movies = list(
        visible.filter(kind=Title.Kind.MOVIE, video__isnull=True)
        .exclude(backdrop="")
        .order_by(free_first, F("published_at").desc())[: limit - len(episodes)]
    )
    owners = [({"title": movie}, movie.backdrop.name) for movie in movies]
    owners += [({"episode": ep}, ep.season.title.backdrop.name) for ep in episodes]
    with tempfile.TemporaryDirectory(prefix="vod-demo-") as work:
        for index, (attach, backdrop) in enumerate(owners):
            source = Path(work) / f"demo-{index}.mp4"
            _make_source(backdrop, source, frequency=220 + 55 * index)
            video = video_create(**attach)
            with open(source, "rb") as handle:
                video_source_attach(
                    video=video, file=File(handle, name=source.name), name=source.name
                )
    return len(owners)
