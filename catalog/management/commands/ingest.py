"""``python manage.py ingest PATH --title "Name" [--wait]``: a source from the shell.

PATH is a local file, or where the source already is: s3://bucket/key (an
allowed bucket; S3 copies it) or an https:// URL (a worker fetches it).
"""

import re
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from catalog import services
from catalog.models import Title, Video

# Anything with a scheme is a location (refused with its reason if not allowed).
LOCATION = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class Command(BaseCommand):
    help = (
        "Ingest a video source for a movie: create the title (as a draft) if there "
        "is none of that name, store the source and queue its transcode."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            help="The source file, or its location: s3://bucket/key or https://…",
        )
        parser.add_argument("--title", required=True, help="The movie's name.")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Show progress until the job ends; exit 1 with the reason if it fails.",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=0,
            help="With --wait, give up after this many seconds (default: never).",
        )

    def handle(
        self, *args, path: str, title: str, wait: bool, timeout: float, **options
    ):
        if LOCATION.match(path):
            video, movie = self._ingest_location(path, title)
            self.stdout.write(
                f"Queued video {video.uuid} for “{movie.name}” from {path}."
            )
        else:
            video, movie = self._ingest_file(path, title)
        if wait:
            self._wait(video, timeout)

    def _ingest_location(self, location: str, title: str) -> tuple[Video, Title]:
        with transaction.atomic():
            movie = self._movie(title.strip())
            try:
                video = movie.video or services.video_create(title=movie)
                video = services.video_source_ingest(video=video, location=location)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        return video, movie

    def _ingest_file(self, path: str, title: str) -> tuple[Video, Title]:
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            handle = source.open("rb")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read it ({exc.strerror}).") from exc
        with handle, transaction.atomic():
            movie = self._movie(title.strip())
            try:
                video = movie.video or services.video_create(title=movie)
                video = services.video_source_attach(
                    video=video, file=File(handle, name=source.name), name=source.name
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Queued video {video.uuid} for “{movie.name}” "
            f"({source.stat().st_size / 1e6:.1f} MB)."
        )
        return video, movie

    def _movie(self, name: str) -> Title:
        if not name:
            raise CommandError("--title must not be empty.")
        movie = Title.objects.filter(name__iexact=name, kind=Title.Kind.MOVIE).first()
        if movie:
            return movie
        base = slugify(name)[:180] or "untitled"
        slug, n = base, 1
        while Title.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        self.stdout.write(
            f"Created the draft movie “{name}” (publish it in the admin)."
        )
        return Title.objects.create(name=name, slug=slug, kind=Title.Kind.MOVIE)

    def _wait(self, video: Video, timeout: float) -> None:
        started = time.monotonic()
        last_line, warned = "", False
        no_worker_after = settings.INGEST_NO_WORKER_WARNING_SECONDS
        while True:
            video.refresh_from_db()
            line = f"{video.get_status_display()}"
            if video.stage:
                line += f" · {video.get_stage_display()}"
            if video.status == Video.Status.PROCESSING:
                line += f" · {video.progress}%"
            if video.ingest_location and video.ingest_bytes:
                line += f" · {video.ingest_bytes / 1e6:,.0f} MB fetched"
            if line != last_line:
                self.stdout.write(line)
                last_line = line
            if video.status == Video.Status.READY:
                self.stdout.write(self.style.SUCCESS(f"Ready: {video.hls_master_path}"))
                return
            if video.status == Video.Status.FAILED:
                failed = "Fetching the source" if video.ingest_location else "Transcode"
                raise CommandError(f"{failed} failed: {video.failure_reason}")
            waited = time.monotonic() - started
            if (
                not warned
                and video.status in (Video.Status.QUEUED, Video.Status.UPLOADED)
                and waited > no_worker_after
            ):
                warned = True
                queue = "default" if video.ingest_location else "transcode"
                self.stderr.write(
                    f"No worker has picked the job up after {no_worker_after} s: "
                    f"is a worker consuming the '{queue}' queue? Start one with "
                    f"`celery -A vod worker --queues {queue}` (or `make run`). "
                    "Still waiting…"
                )
            if timeout and waited > timeout:
                raise CommandError(
                    f"Gave up waiting after {timeout:.0f} s; the job is still "
                    f"{video.get_status_display().lower()} and goes on without us."
                )
            time.sleep(1)
