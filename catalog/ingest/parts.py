"""A source being fetched, stored part by part so that a retry can resume.

Each part is an object named by its offset and size under
``sources/<video uuid>/incoming/<job token>/``, so what is stored says how far
the fetch got without reading anything back. When the last part is in, they are
joined into the source: by S3 itself (a multipart upload copying each part)
when the parts are large enough for it, else streamed through the worker.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage

from .s3_copy import copy_client

VALIDATOR = "validator"
# S3's smallest part but the last.
S3_MIN_PART_BYTES = 5 * 1024**2


@dataclass(frozen=True)
class Part:
    offset: int
    size: int
    name: str


def incoming_root(video_uuid) -> str:
    return f"sources/{video_uuid}/incoming/"


class Parts:
    """The parts one job has stored so far."""

    def __init__(self, *, storage: Storage, video_uuid, job_token: str):
        self.storage = storage
        self.root = incoming_root(video_uuid)
        self.prefix = f"{self.root}{job_token}/"
        self.job_token = job_token

    def stored(self) -> list[Part]:
        """The parts from offset 0 on without a gap (later ones are dropped)."""
        try:
            _, files = self.storage.listdir(self.prefix)
        except FileNotFoundError:
            return []
        found = {}
        for file in files:
            offset, _, size = file.partition("-")
            if offset.isdigit() and size.isdigit():
                found[int(offset)] = Part(int(offset), int(size), self.prefix + file)
        parts, offset = [], 0
        while offset in found:
            parts.append(found[offset])
            offset += found[offset].size
        # A part cut short by a crash mid-write (local disk) is written again.
        if parts and self.storage.size(parts[-1].name) != parts[-1].size:
            self.storage.delete(parts.pop().name)
        return parts

    def add(self, *, offset: int, content: io.IOBase, size: int) -> Part:
        name = f"{self.prefix}{offset:016d}-{size:016d}"
        content.seek(0)
        stored = self.storage.save(name, File(content, name=name))
        return Part(offset, size, stored)

    def remember(self, validator: str) -> None:
        """Keep the response's ETag or Last-Modified, for the resume's If-Range."""
        name = self.prefix + VALIDATOR
        if self.storage.exists(name):
            self.storage.delete(name)
        self.storage.save(name, ContentFile(validator.encode()))

    def validator(self) -> str | None:
        try:
            with self.storage.open(self.prefix + VALIDATOR, "rb") as handle:
                return handle.read().decode() or None
        except FileNotFoundError:
            return None

    def clear(self) -> None:
        """Delete this job's parts."""
        for part in self._all(self.prefix):
            self.storage.delete(part)

    def clear_others(self) -> None:
        """Delete what earlier jobs of the video left behind."""
        try:
            dirs, _ = self.storage.listdir(self.root)
        except FileNotFoundError:
            return
        for folder in dirs:
            if folder != self.job_token:
                for part in self._all(f"{self.root}{folder}/"):
                    self.storage.delete(part)

    def _all(self, prefix: str) -> list[str]:
        try:
            _, files = self.storage.listdir(prefix)
        except FileNotFoundError:
            return []
        return [prefix + file for file in files]

    def join(self, *, name: str, parts: list[Part], tick: Callable[[], None]) -> str:
        """Store the parts, in order, as ``name``; returns the name stored.

        ``tick`` is called as the work goes on (it keeps the job's heartbeat).
        """
        name = self.storage.get_available_name(name)
        bucket = getattr(self.storage, "bucket_name", None)
        if bucket and all(p.size >= S3_MIN_PART_BYTES for p in parts[:-1]):
            self._join_in_s3(bucket, name, parts, tick)
        else:
            joined = File(_Joined(self.storage, parts, tick), name=name)
            joined.size = sum(part.size for part in parts)
            name = self.storage.save(name, joined)
        return name

    def _join_in_s3(
        self, bucket: str, name: str, parts: list[Part], tick: Callable[[], None]
    ) -> None:
        client = copy_client(self.storage)
        key = self.storage._normalize_name(name)
        upload = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        try:
            etags = []
            for number, part in enumerate(parts, start=1):
                tick()
                copied = client.upload_part_copy(
                    Bucket=bucket,
                    Key=key,
                    UploadId=upload,
                    PartNumber=number,
                    CopySource={
                        "Bucket": bucket,
                        "Key": self.storage._normalize_name(part.name),
                    },
                )
                etags.append(
                    {"PartNumber": number, "ETag": copied["CopyPartResult"]["ETag"]}
                )
            client.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=upload,
                MultipartUpload={"Parts": etags},
            )
        except BaseException:
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
            raise


class _Joined(io.RawIOBase):
    """The parts read one after the other, as one stream."""

    def __init__(self, storage: Storage, parts: list[Part], tick: Callable[[], None]):
        self.storage, self.parts, self.tick = storage, list(parts), tick
        self.current = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.current is None:
                if not self.parts:
                    return 0
                self.current = self.storage.open(self.parts.pop(0).name, "rb")
            data = self.current.read(len(buffer))
            self.tick()
            if data:
                buffer[: len(data)] = data
                return len(data)
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        super().close()
