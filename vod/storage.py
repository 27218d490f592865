"""Media on S3 (or an S3-compatible store) through django-storages and boto3.

Two storages, named in settings.STORAGES when AWS_STORAGE_BUCKET_NAME is set:

- ``default`` (``SourceStorage``): uploaded sources, subtitles and editors'
  artwork. Never public: objects get no ACL (buckets with ACLs disabled refuse
  any but the owner's), so they stay as private as the bucket, and their URLs are
  presigned and expire.
- ``videos`` (``MediaStorage``): published revisions. Every object carries the
  Content-Type and Cache-Control of vod/media_types.py, so the
  CDN in front of the bucket says the same as Django's own delivery.

Both fail fast: a short connect and read timeout and one retry, so a web
request that needs an unreachable store gets a 503 in about a second (see
``StorageUnavailableMiddleware``) and a transcode retries later with backoff.
"""

import io
import logging

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    IncompleteReadError,
)
from django.shortcuts import render
from s3transfer.exceptions import RetriesExceededError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name, setting

from vod.api.errors import is_api_request, json_error
from vod.media_types import cache_control_for, content_type_for

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
# One retry in all: botocore's standard mode waits up to a second before it.
MAX_ATTEMPTS = 2

# Every failure a storage call can raise, local disk or S3.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError, Boto3Error, RetriesExceededError)
# S3 error codes that say "try again later" whatever their status.
_RETRYABLE_CODES = {
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "InternalError",
    "ServiceUnavailable",
}


def client_config(*, path_style: bool) -> Config:
    return Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        signature_version="s3v4",
        # S3-compatible stores on an address of their own rarely serve
        # bucket subdomains.
        s3={"addressing_style": "path" if path_style else "auto"},
    )


def is_transient(exc: BaseException) -> bool:
    """Whether retrying later may succeed: the store was unreachable, slow or busy.

    Refusals (credentials, a missing bucket, a bad request) are not transient:
    an operator has to act.
    """
    if isinstance(exc, RetriesExceededError):
        return exc.last_exception is None or is_transient(exc.last_exception)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return (
            status >= 500
            or status in (408, 429)
            or error.get("Code") in _RETRYABLE_CODES
        )
    if isinstance(exc, (ConnectionError, HTTPClientError, IncompleteReadError)):
        return True
    if isinstance(exc, Boto3Error):
        # boto3 wraps the client error it gave up on (S3UploadFailedError).
        cause = exc.__cause__ or exc.__context__
        return cause is None or is_transient(cause)
    return isinstance(exc, OSError)


def is_remote_storage_error(exc: BaseException) -> bool:
    return isinstance(exc, STORAGE_ERRORS) and not isinstance(exc, OSError)


class _S3(S3Storage):
    """Fails fast, reads byte ranges and whole objects without holding them."""

    # Files opened through the storage API spill to disk past this size (the
    # django-storages default keeps a whole object in memory).
    max_memory_size = 8 * 1024 * 1024

    def __init__(self, **settings):
        if "client_config" not in settings and not setting("AWS_S3_CLIENT_CONFIG"):
            endpoint = settings.get("endpoint_url") or setting("AWS_S3_ENDPOINT_URL")
            settings["client_config"] = client_config(path_style=bool(endpoint))
        super().__init__(**settings)

    def download_to(self, name: str, target) -> None:
        """Write the object to the local file ``target``, in parallel parts."""
        key = self._normalize_name(clean_name(name))
        try:
            self.bucket.Object(key).download_file(
                str(target), Config=self.transfer_config
            )
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404:
                raise FileNotFoundError(f"No such object: {key}") from exc
            raise

    def open_range(self, name: str, start: int, length: int):
        """A stream of ``length`` bytes from ``start``: one ranged GET, read as sent."""
        if length <= 0:
            return io.BytesIO(b"")
        response = self.connection.meta.client.get_object(
            Bucket=self.bucket_name,
            Key=self._normalize_name(clean_name(name)),
            Range=f"bytes={start}-{start + length - 1}",
        )
        return response["Body"]

    def copy(self, source: str, target: str) -> None:
        """Copy an object within the bucket on the server side (one CopyObject:
        no byte passes through this process), keeping its type and caching."""
        self.connection.meta.client.copy_object(
            Bucket=self.bucket_name,
            Key=self._normalize_name(clean_name(target)),
            CopySource={
                "Bucket": self.bucket_name,
                "Key": self._normalize_name(clean_name(source)),
            },
            MetadataDirective="COPY",
        )

    def ping(self) -> None:
        """Raise unless the bucket answers to these credentials."""
        self.connection.meta.client.head_bucket(Bucket=self.bucket_name)


class SourceStorage(_S3):
    """Private uploads: presigned, expiring URLs, and no name is ever reused."""

    querystring_auth = True
    file_overwrite = False
    default_acl = None


class MediaStorage(_S3):
    """Published revisions, typed and cached as media_types says."""

    file_overwrite = True  # playlists are rewritten while a revision grows
    default_acl = None

    def get_object_parameters(self, name: str) -> dict:
        params = super().get_object_parameters(name)
        params.setdefault("ContentType", content_type_for(name))
        params.setdefault("CacheControl", cache_control_for(name))
        return params

    def _get_write_parameters(self, name, content=None):
        params = super()._get_write_parameters(name, content)
        # A playlist of a revision still being written changes every segment.
        if getattr(content, "growing", False):
            params["CacheControl"] = cache_control_for(name, growing=True)
        return params


def storage_unavailable_response(request, exc: BaseException):
    """503 with the reason: JSON for the API and players, a page for browsers."""
    logger.warning("storage unavailable for %s: %s", request.path, exc)
    message = "Media storage is unavailable right now; please try again shortly."
    wants_page = not is_api_request(request) and "text/html" in (
        request.headers.get("Accept", "")
    )
    if wants_page:
        response = render(request, "503.html", {"message": message}, status=503)
    else:
        response = json_error(status=503, code="storage_unavailable", message=message)
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response


class StorageUnavailableMiddleware:
    """A request that fails on S3 is the store's fault: 503, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_remote_storage_error(exception):
            return storage_unavailable_response(request, exception)
        return None
