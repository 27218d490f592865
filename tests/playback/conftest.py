"""Real streams to play, and the viewers who play them.

One tiny source runs through the real pipeline once per module (with an
English subtitle track, so the revision has audio, subtitles, a storyboard and
a poster); its rows are rolled back and its files kept in a module folder.
Each test then gets Video rows pointing at copies of those files, one folder
per video, as many as it asks for.
"""

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import Profile
from catalog import services as catalog_services
from catalog.models import Rendition, Video
from catalog.transcoding import pipeline
from tests.catalog.transcoding.conftest import (
    AAC,
    FAST_TRANSCODES,
    X264,
    YUV420,
    ffmpeg,
    picture,
    tone,
)

from .factories import ProfileFactory, UserFactory, plan

SUBTITLES = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello there.\n"
VIDEO_FIELDS = [
    "status",
    "stage",
    "progress",
    "revision",
    "hls_master_path",
    "dash_manifest_path",
    "poster_path",
    "thumbnails_path",
    "duration_seconds",
    "width",
    "height",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Stream:
    """A published revision on disk, and how to make Video rows for copies of it."""

    media_root: Path
    uuid: str
    fields: dict
    renditions: list[dict]
    copies: dict[int, str] = field(default_factory=dict)

    def copy(self, index: int) -> str:
        """The uuid of copy ``index`` of the video's files (made on first use)."""
        if index not in self.copies:
            new = str(uuid.uuid4())
            videos = self.media_root / "videos"
            shutil.copytree(videos / self.uuid, videos / new)
            self.copies[index] = new
        return self.copies[index]

    def video(self, index: int = 0, *, preview: bool = False) -> Video:
        new = self.copy(index)
        fields = {
            name: value.replace(self.uuid, new) if isinstance(value, str) else value
            for name, value in self.fields.items()
        }
        if preview:  # the first transcode, still running but already playable
            fields.update(
                status=Video.Status.PROCESSING,
                stage=Video.Stage.PLAYABLE,
                progress=40,
                preview_revision=fields["revision"],
                revision="",
                dash_manifest_path="",
                poster_path="",
                thumbnails_path="",
            )
        video = Video.objects.create(uuid=new, **fields)
        if not preview:
            Rendition.objects.bulk_create(
                Rendition(
                    video=video,
                    **{
                        **r,
                        "playlist_path": r["playlist_path"].replace(self.uuid, new),
                    },
                )
                for r in self.renditions
            )
        return video

    def path(self, video: Video, name: str) -> Path:
        revision = video.revision or video.preview_revision
        return self.media_root / video.revision_prefix(revision) / name


@pytest.fixture(scope="module")
def stream(django_db_setup, django_db_blocker, tmp_path_factory) -> Stream:
    folder = tmp_path_factory.mktemp("playback-stream")
    source = folder / "source.mp4"
    ffmpeg(*picture("320x180", 3), *tone(3), *X264, *YUV420, *AAC, str(source))
    return published_stream(django_db_blocker, folder, source)


def published_stream(django_db_blocker, folder: Path, source: Path) -> Stream:
    """``source`` through the real pipeline into ``folder``, rows rolled back."""
    media_root = folder / "media"
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media_root,
            TRANSCODE_SCRATCH_DIR=str(folder / "scratch"),
            **FAST_TRANSCODES,
        ),
        transaction.atomic(),
    ):
        video = catalog_services.video_create()
        catalog_services.text_track_add(
            video=video,
            language="en",
            label="English",
            file=ContentFile(SUBTITLES.encode(), name="en.vtt"),
        )
        with open(source, "rb") as handle:
            video = catalog_services.video_source_attach(
                video=video, file=File(handle, name=source.name), name=source.name
            )
        outcome = pipeline.transcode(video_id=video.pk, job_token=str(video.job_token))
        assert outcome == "ready"
        video.refresh_from_db()
        fields = {name: getattr(video, name) for name in VIDEO_FIELDS}
        renditions = list(
            video.renditions.values(
                "revision",
                "width",
                "height",
                "bandwidth",
                "average_bandwidth",
                "codecs",
                "frame_rate",
                "playlist_path",
            )
        )
        transaction.set_rollback(True)
    return Stream(
        media_root=media_root,
        uuid=str(video.uuid),
        fields=fields,
        renditions=renditions,
    )


@pytest.fixture
def videos(settings, stream, db) -> Stream:
    """``videos.video(index)``: a playable Video row over its own copy of the files."""
    settings.MEDIA_ROOT = stream.media_root
    return stream


def api_for(profile: Profile | None) -> APIClient:
    """An API client signed in as the profile's account, acting for that profile."""
    client = APIClient()
    if profile is not None:
        client.force_authenticate(profile.user)
        client.credentials(HTTP_X_PROFILE_ID=str(profile.pk))
    return client


@dataclass
class Viewers:
    free: Profile  # on the Free plan
    premium: Profile  # on the Premium plan, an adult profile...
    kids: Profile  # ...and a kids profile (7+) of the same account
    other: Profile  # another Premium account


@pytest.fixture
def viewers(db) -> Viewers:
    free_user = UserFactory(plan=plan("free"))
    premium_user = UserFactory(plan=plan("premium"))
    other_user = UserFactory(plan=plan("premium"))
    return Viewers(
        free=ProfileFactory(user=free_user, name="Free"),
        premium=ProfileFactory(user=premium_user, name="Grown-up"),
        kids=ProfileFactory(user=premium_user, name="Kid", kids=True),
        other=ProfileFactory(user=other_user, name="Other"),
    )
