"""An object in an allowed bucket copied into the sources by S3 itself.

S3 copies the bytes between buckets (CopyObject, or UploadPartCopy in parts for
objects above INGEST_S3_MULTIPART_COPY_BYTES): none pass through a process of
ours, whatever the object's size.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import Storage

from ..transcoding.errors import SourceRejected
from .locations import S3Location

PROGRESS_SECONDS = 2.0
# A part copy of a gigabyte takes S3 a while: the storage's read timeout is
# made for small requests that must fail fast.
COPY_CONFIG = Config(
    read_timeout=300, retries={"total_max_attempts": 5, "mode": "standard"}
)


def copy_client(storage: Storage):
    """A client on the storage's endpoint and credentials, patient enough to copy."""
    session = storage._create_session()
    return session.client(
        "s3",
        region_name=storage.region_name,
        use_ssl=storage.use_ssl,
        endpoint_url=storage.endpoint_url,
        config=storage.client_config.merge(COPY_CONFIG),
        verify=storage.verify,
    )


def source_size(*, storage: Storage, location: S3Location) -> int:
    """The object's size; raises SourceRejected if it is missing or unreadable."""
    try:
        head = copy_client(storage).head_object(
            Bucket=location.bucket, Key=location.key
        )
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            raise SourceRejected(f"There is no object at {location}.") from exc
        if status == 403:
            raise SourceRejected(
                f"The platform may not read {location} (access denied): grant its "
                "role s3:GetObject on that bucket."
            ) from exc
        raise
    return head["ContentLength"]


def copy_into(
    *,
    storage: Storage,
    location: S3Location,
    name: str,
    on_progress: Callable[[int], None],
) -> str:
    """Have S3 copy the object to ``name`` in the sources; returns the name stored.

    ``on_progress`` gets the bytes copied so far every few seconds, in this
    thread (it is the job's heartbeat: a copy of a big master takes minutes).
    """
    name = storage.get_available_name(name)
    threshold = settings.INGEST_S3_MULTIPART_COPY_BYTES
    copied = 0

    def count(amount: int) -> None:  # on the transfer's threads
        nonlocal copied
        copied += amount

    with ThreadPoolExecutor(max_workers=1) as pool:
        copying = pool.submit(
            copy_client(storage).copy,
            CopySource={"Bucket": location.bucket, "Key": location.key},
            Bucket=storage.bucket_name,
            Key=storage._normalize_name(name),
            Callback=count,
            Config=TransferConfig(
                multipart_threshold=threshold, multipart_chunksize=threshold
            ),
        )
        while True:
            try:
                copying.result(timeout=PROGRESS_SECONDS)
                break
            except FutureTimeout:
                on_progress(copied)
    return name
