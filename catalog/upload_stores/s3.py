"""Uploads straight to the sources' bucket: S3 multipart, parts verified by S3.

The upload is created with ChecksumAlgorithm SHA256 and each part URL is
signed with the part's checksum, so S3 refuses a part whose bytes do not hash
to it (``BadDigest``) and a URL cannot carry other bytes. The client reaches
the bucket at ``AWS_S3_PUBLIC_ENDPOINT_URL`` when that differs from the
servers' endpoint; part URLs are signed for it.
"""

import hashlib

from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from storages.utils import clean_name

from . import Assembled, PartsRefused, StoredPart

CHUNK_BYTES = 8 * 1024 * 1024
# S3 may take minutes to join a big object's parts (it keeps the connection
# alive with whitespace meanwhile); a compatible store may send nothing until
# it is done, which the storage's short read timeout would take for a failure.
JOIN_READ_TIMEOUT_SECONDS = 600
# What S3 answers when the parts do not make an object; anything else is the
# store's fault (a 503 to the client, a retry for a task).
_REFUSALS = {
    "InvalidPart": "A part is not stored as listed (its ETag or checksum differs).",
    "InvalidPartOrder": "The parts are not in ascending order.",
    "EntityTooSmall": "A part other than the last is under 5 MiB.",
    "NoSuchUpload": "The store no longer holds this upload; start again.",
    "BadDigest": "A part's checksum does not match its bytes.",
    "InvalidRequest": "The store refused the parts.",
}


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


class S3Store:
    """The sources' bucket, through the storage's own client and credentials."""

    def __init__(self, storage):
        self.storage = storage

    @property
    def client(self):
        return self.storage.connection.meta.client

    @property
    def bucket(self) -> str:
        return self.storage.bucket_name

    def _key(self, upload) -> str:
        return self.storage._normalize_name(clean_name(upload.storage_key))

    def _presigning_client(self):
        """A client for the endpoint clients reach, cached on the storage."""
        cached = getattr(self.storage, "_upload_presigning_client", None)
        if cached is None:
            endpoint = settings.AWS_S3_PUBLIC_ENDPOINT_URL or self.storage.endpoint_url
            cached = self.storage._create_session().client(
                "s3",
                region_name=self.storage.region_name,
                use_ssl=self.storage.use_ssl,
                endpoint_url=endpoint,
                config=self.storage.client_config,
                verify=self.storage.verify,
            )
            self.storage._upload_presigning_client = cached
        return cached

    def _joining_client(self):
        """The storage's client with room for a long join, cached on the storage."""
        cached = getattr(self.storage, "_upload_joining_client", None)
        if cached is None:
            cached = self.storage._create_session().client(
                "s3",
                region_name=self.storage.region_name,
                use_ssl=self.storage.use_ssl,
                endpoint_url=self.storage.endpoint_url,
                config=self.storage.client_config.merge(
                    Config(read_timeout=JOIN_READ_TIMEOUT_SECONDS)
                ),
                verify=self.storage.verify,
            )
            self.storage._upload_joining_client = cached
        return cached

    def start(self, *, upload) -> str:
        """Create the multipart upload; its S3 upload id."""
        response = self.client.create_multipart_upload(
            Bucket=self.bucket,
            Key=self._key(upload),
            ContentType=upload.content_type,
            ChecksumAlgorithm="SHA256",
        )
        return response["UploadId"]

    def sign_part(self, *, upload, number: int, checksum: str, base_url: str) -> str:
        """A presigned PUT URL for part ``number`` carrying exactly ``checksum``."""
        return self._presigning_client().generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(upload),
                "UploadId": upload.s3_upload_id,
                "PartNumber": number,
                "ChecksumSHA256": checksum,
            },
            ExpiresIn=settings.UPLOAD_PART_URL_SECONDS,
        )

    def list_parts(self, *, upload) -> list[StoredPart]:
        parts = []
        pages = self.client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=self._key(upload), UploadId=upload.s3_upload_id
        )
        try:
            for page in pages:
                parts.extend(
                    StoredPart(
                        number=part["PartNumber"],
                        size=part["Size"],
                        etag=part["ETag"],
                        checksum_sha256=part.get("ChecksumSHA256", ""),
                    )
                    for part in page.get("Parts", ())
                )
        except ClientError as exc:
            if _error_code(exc) == "NoSuchUpload":
                raise PartsRefused(_REFUSALS["NoSuchUpload"]) from exc
            raise
        return parts

    def assemble(self, *, upload, parts: list[StoredPart], checksums: dict):
        """Have S3 join the parts (no byte passes through us); the object's size."""
        try:
            self._joining_client().complete_multipart_upload(
                Bucket=self.bucket,
                Key=self._key(upload),
                UploadId=upload.s3_upload_id,
                MultipartUpload={
                    "Parts": [
                        {
                            "PartNumber": part.number,
                            "ETag": part.etag,
                            # Unknown only on stores that keep no checksums.
                            **(
                                {"ChecksumSHA256": checksums[part.number]}
                                if checksums[part.number]
                                else {}
                            ),
                        }
                        for part in parts
                    ]
                },
            )
        except ClientError as exc:
            reason = _REFUSALS.get(_error_code(exc))
            if reason is None:
                raise
            raise PartsRefused(reason) from exc
        head = self.client.head_object(Bucket=self.bucket, Key=self._key(upload))
        return Assembled(size=head["ContentLength"], sha256=None)

    def sha256(self, *, upload) -> tuple[int, str]:
        """Read the stored object through once: its size and SHA-256 (hex)."""
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(upload))["Body"]
        digest, size = hashlib.sha256(), 0
        for chunk in body.iter_chunks(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()

    def abort(self, *, upload) -> None:
        """Drop the upload and every part it holds; done already is fine."""
        if not upload.s3_upload_id:
            return
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self._key(upload), UploadId=upload.s3_upload_id
            )
        except ClientError as exc:
            if _error_code(exc) != "NoSuchUpload":
                raise

    def delete_object(self, *, upload) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(upload))
