"""Static files, media storage, uploads and transcoding."""

from pathlib import Path

from vod.settings.core import BASE_DIR, DEBUG, PRODUCTION, VAR_DIR
from vod.settings.env import env, env_bool, env_int, env_list

# --- Static files and media ---------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# The player's hls.js, from npm (`npm ci`, run by `make install`).
if (BASE_DIR / "node_modules/hls.js/dist").is_dir():
    STATICFILES_DIRS.append(("vendor/hls.js", BASE_DIR / "node_modules/hls.js/dist"))
# The admin's uploader: Uppy's prebuilt bundle (a global ``Uppy``), no build step.
if (BASE_DIR / "node_modules/uppy/dist").is_dir():
    STATICFILES_DIRS.append(("vendor/uppy", BASE_DIR / "node_modules/uppy/dist"))
MEDIA_URL = env("DJANGO_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Django serves public artwork from local storage itself; with S3 the storage's
# own URLs are used instead.
# S3 (or an S3-compatible store, AWS_S3_ENDPOINT_URL) when a bucket is named.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", not AWS_STORAGE_BUCKET_NAME)
STORAGES = {
    # Sources, text tracks and artwork.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Transcoded streams: playlists are rewritten in place while a revision grows.
    "videos": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    },
    "staticfiles": {
        "BACKEND": (
            # WhiteNoise's, hashing the player's ES module imports too.
            "vod.staticfiles.StaticStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if AWS_STORAGE_BUCKET_NAME:
    # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the IAM role,
    # as boto3 finds them. Timeouts and retries are in vod/storage.py.
    _s3_options = {
        "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
        "region_name": env("AWS_S3_REGION_NAME"),
    }
    STORAGES["default"] = {
        "BACKEND": "vod.storage.SourceStorage",
        "OPTIONS": {
            **_s3_options,
            "bucket_name": env("AWS_SOURCES_BUCKET_NAME", AWS_STORAGE_BUCKET_NAME),
        },
    }
    STORAGES["videos"] = {
        "BACKEND": "vod.storage.MediaStorage",
        "OPTIONS": {**_s3_options, "bucket_name": AWS_STORAGE_BUCKET_NAME},
    }
# A request that fails on the media store gets a 503 with the reason, not a 500.
WHITENOISE_USE_FINDERS = DEBUG
# Artwork uploads are small; video sources stream to storage (later issue).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
ARTWORK_MAX_UPLOAD_BYTES = env_int("ARTWORK_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Any request body but a video source's (vod.uploads): room for a title's poster
# and backdrop in one admin form, from signed-in staff; anyone else sends forms
# and JSON only (the load balancer's default cap too).
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 24 * 1024 * 1024)
REQUEST_BODY_NON_STAFF_MAX_BYTES = env_int(
    "REQUEST_BODY_NON_STAFF_MAX_BYTES", 2 * 1024 * 1024
)

# --- Transcoding ----------------------------------------------------------------
# ffmpeg comes from pip (imageio-ffmpeg's static build) unless FFMPEG_BINARY
# names another one.
FFMPEG_BINARY = env("FFMPEG_BINARY")
# Rungs as HEIGHT:KBPS; no rung is taller than the source.
TRANSCODE_LADDER = [
    (int(height), int(kbps))
    for height, kbps in (
        rung.split(":")
        for rung in env_list(
            "TRANSCODE_LADDER", "1080:5000,720:2800,480:1400,360:800,240:400"
        )
    )
]
TRANSCODE_X264_PRESET = env("TRANSCODE_X264_PRESET", "veryfast")
TRANSCODE_SEGMENT_SECONDS = env_int("TRANSCODE_SEGMENT_SECONDS", 4)
# A source at least two chunks long is encoded chunk by chunk (each a whole
# number of segments, rounded to one); 0 encodes every source in one run.
TRANSCODE_CHUNK_SECONDS = env_int("TRANSCODE_CHUNK_SECONDS", 60)
# Threads of each ffmpeg video encode; 0 leaves it to ffmpeg (one per core).
TRANSCODE_FFMPEG_THREADS = env_int("TRANSCODE_FFMPEG_THREADS", 0)
TRANSCODE_MAX_FPS = env_int("TRANSCODE_MAX_FPS", 60)
TRANSCODE_AUDIO_KBPS = env_int("TRANSCODE_AUDIO_KBPS", 128)  # each stereo rendition
TRANSCODE_AUDIO_SURROUND_KBPS = env_int("TRANSCODE_AUDIO_SURROUND_KBPS", 384)  # 5.1
# EBU R128: every audio rendition is levelled to this integrated loudness, with
# its true peak at most this high, so no title is louder than the next.
TRANSCODE_LOUDNESS_LUFS = float(env("TRANSCODE_LOUDNESS_LUFS", "-24"))
TRANSCODE_TRUE_PEAK_DBTP = float(env("TRANSCODE_TRUE_PEAK_DBTP", "-2"))
TRANSCODE_MAX_DURATION_SECONDS = env_int("TRANSCODE_MAX_DURATION_SECONDS", 4 * 3600)
# ffmpeg may run this many times the source's duration (plus a minute) before
# the job is stopped as stuck.
TRANSCODE_TIMEOUT_FACTOR = env_int("TRANSCODE_TIMEOUT_FACTOR", 10)
TRANSCODE_MAX_ATTEMPTS = env_int("TRANSCODE_MAX_ATTEMPTS", 3)
# A job whose worker has not reported for this long is taken to be dead.
TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS = env_int("TRANSCODE_HEARTBEAT_TIMEOUT_SECONDS", 90)
TRANSCODE_REAPER_INTERVAL_SECONDS = env_int("TRANSCODE_REAPER_INTERVAL_SECONDS", 30)
# Superseded revisions stay this long, so viewers mid-stream can finish.
TRANSCODE_REVISION_GRACE_SECONDS = env_int(
    "TRANSCODE_REVISION_GRACE_SECONDS", 24 * 3600
)
TRANSCODE_SCRATCH_DIR = env("TRANSCODE_SCRATCH_DIR")  # default: the system temp dir
# Caps on every ffmpeg (or other) subprocess, far above what a real encode
# needs: the largest file it may write, and the memory it may use (0: no cap).
TRANSCODE_MAX_FILE_BYTES = env_int("TRANSCODE_MAX_FILE_BYTES", 16 * 1024**3)
TRANSCODE_MAX_MEMORY_BYTES = env_int("TRANSCODE_MAX_MEMORY_BYTES", 16 * 1024**3)
# `manage.py ingest --wait` says plainly when no worker has taken the job by then.
INGEST_NO_WORKER_WARNING_SECONDS = env_int("INGEST_NO_WORKER_WARNING_SECONDS", 15)
VIDEO_UPLOAD_MAX_BYTES = env_int("VIDEO_UPLOAD_MAX_BYTES", 20 * 1024**3)
# An audio track added to a video as its own file (a dub, a description): a
# film-length master, sent in parts through the uploads API. One sent as a form
# is also held to REQUEST_BODY_MAX_BYTES.
AUDIO_TRACK_UPLOAD_MAX_BYTES = env_int("AUDIO_TRACK_UPLOAD_MAX_BYTES", 4 * 1024**3)

# --- Ingest from where the master already is ---------------------------------------
# s3://bucket/key locations are copied by S3 itself, only from these buckets
# (none by default: such locations are refused until an operator names some).
INGEST_S3_BUCKETS = env_list("INGEST_S3_BUCKETS")
# Objects above this size are copied in parts of this size (S3 copies at most
# 5 GB in one request).
INGEST_S3_MULTIPART_COPY_BYTES = env_int("INGEST_S3_MULTIPART_COPY_BYTES", 1024**3)
# https:// locations are fetched by a worker, in parts of this size stored as
# they arrive, so a retry resumes (with Range) from the last part stored.
INGEST_URL_PART_BYTES = env_int("INGEST_URL_PART_BYTES", 64 * 1024**2)
INGEST_URL_CONNECT_TIMEOUT_SECONDS = float(
    env("INGEST_URL_CONNECT_TIMEOUT_SECONDS", "10")
)
INGEST_URL_READ_TIMEOUT_SECONDS = float(env("INGEST_URL_READ_TIMEOUT_SECONDS", "60"))
INGEST_URL_MAX_REDIRECTS = env_int("INGEST_URL_MAX_REDIRECTS", 5)
# CA certificates to trust instead of the system's (a file of PEM certificates).
INGEST_URL_CA_BUNDLE = env("INGEST_URL_CA_BUNDLE")
# For tests only: host names that may resolve to private or loopback addresses.
# Empty in every real deployment, where such addresses are always refused.
INGEST_URL_ALLOW_PRIVATE_HOSTS = env_list("INGEST_URL_ALLOW_PRIVATE_HOSTS")
# Whether a source may still come through a web process in one request (the
# admin's form, the API's PUT .../source/). Off in production: the admin uploads
# with Uppy and tools with the direct upload API, straight to the store, so the
# web tier and its load balancer take small bodies only.
SOURCE_UPLOADS_THROUGH_WEB = env_bool("SOURCE_UPLOADS_THROUGH_WEB", DEBUG)
