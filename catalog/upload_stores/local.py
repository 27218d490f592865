"""Uploads on local storage: Django receives the parts and joins them itself.

The embedded default answers the same protocol as S3: each part is PUT to a
URL that Django signed (``django.core.signing``, expiring, bound to the upload,
the part number and its checksum), streamed to disk in chunks, and kept only if
its bytes hash to the checksum. A part lives as ``<number>.<sha256 hex>`` in
the upload's folder, so listing the parts is listing the folder.
"""

import base64
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from django.core import signing
from django.urls import reverse

from . import Assembled, PartsRefused, StoredPart

CHUNK_BYTES = 1024 * 1024
PARTS_FOLDER = "upload-parts"
_SIGNER_SALT = "catalog.uploads.part"


class PartRefused(Exception):
    """A part PUT refused before or while reading it: a status and a reason."""

    def __init__(self, status: int, code: str, reason: str):
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason


def part_token(*, upload_uuid: str, number: int, checksum: str) -> str:
    return signing.TimestampSigner(salt=_SIGNER_SALT).sign_object(
        {"u": upload_uuid, "n": number, "c": checksum}
    )


def part_token_read(token: str, *, upload_uuid: str, number: int, max_age: int) -> str:
    """The checksum a part URL was signed for; PartRefused if it is not valid
    for this upload and part, or has expired."""
    signer = signing.TimestampSigner(salt=_SIGNER_SALT)
    try:
        claims = signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise PartRefused(
            403, "expired", "This part URL has expired; ask for a new one."
        ) from exc
    except signing.BadSignature as exc:
        raise PartRefused(403, "bad_signature", "This part URL is not valid.") from exc
    if claims.get("u") != upload_uuid or claims.get("n") != number:
        raise PartRefused(403, "bad_signature", "This URL is for another part.")
    return claims["c"]


def checksum_hex(checksum: str) -> str:
    """A base64 SHA-256 (S3's form) as hex; ValueError if it is not one."""
    raw = base64.b64decode(checksum, validate=True)
    if len(raw) != 32:
        raise ValueError("not a SHA-256")
    return raw.hex()


class LocalStore:
    """Parts in a folder of the sources' FileSystemStorage, joined on completion."""

    def __init__(self, storage):
        self.storage = storage

    def _folder(self, upload) -> Path:
        return Path(self.storage.path(f"{PARTS_FOLDER}/{upload.uuid}"))

    def start(self, *, upload) -> str:
        self._folder(upload).mkdir(parents=True, exist_ok=True)
        return ""

    def sign_part(self, *, upload, number: int, checksum: str, base_url: str) -> str:
        path = reverse(
            "api-upload-part-data", kwargs={"uuid": upload.uuid, "number": number}
        )
        token = part_token(
            upload_uuid=str(upload.uuid), number=number, checksum=checksum
        )
        return f"{base_url.rstrip('/')}{path}?token={token}"

    def receive(self, *, upload, number: int, checksum: str, stream, length: int):
        """Stream ``length`` bytes of part ``number`` to disk; keep them only if
        they hash to ``checksum``. Returns the stored part."""
        folder = self._folder(upload)
        if not folder.is_dir():
            raise PartRefused(409, "not_open", "This upload is no longer open.")
        digest, received = hashlib.sha256(), 0
        with tempfile.NamedTemporaryFile(
            dir=folder, prefix=f".{number:05d}-", delete=False
        ) as temporary:
            try:
                while received < length:
                    chunk = stream.read(min(CHUNK_BYTES, length - received))
                    if not chunk:
                        break
                    digest.update(chunk)
                    temporary.write(chunk)
                    received += len(chunk)
            except BaseException:
                os.unlink(temporary.name)
                raise
        if received != length:
            os.unlink(temporary.name)
            raise PartRefused(
                400, "incomplete", f"Got {received} of the part's {length} bytes."
            )
        got = base64.b64encode(digest.digest()).decode()
        if got != checksum:
            os.unlink(temporary.name)
            raise PartRefused(
                400,
                "bad_digest",
                "The part's bytes do not match its SHA-256 checksum; send it again.",
            )
        for older in folder.glob(f"{number:05d}.*"):
            older.unlink(missing_ok=True)
        os.replace(temporary.name, folder / f"{number:05d}.{digest.hexdigest()}")
        return StoredPart(
            number=number, size=length, etag=digest.hexdigest(), checksum_sha256=got
        )

    def list_parts(self, *, upload) -> list[StoredPart]:
        folder = self._folder(upload)
        if not folder.is_dir():
            raise PartsRefused("The store no longer holds this upload; start again.")
        parts = []
        for entry in folder.iterdir():
            number, _, hex_digest = entry.name.partition(".")
            if not number.isdigit() or len(hex_digest) != 64:
                continue  # a part still arriving
            parts.append(
                StoredPart(
                    number=int(number),
                    size=entry.stat().st_size,
                    etag=hex_digest,
                    checksum_sha256=base64.b64encode(
                        bytes.fromhex(hex_digest)
                    ).decode(),
                )
            )
        return sorted(parts, key=lambda part: part.number)

    def assemble(self, *, upload, parts: list[StoredPart], checksums: dict):
        """Join the parts into the source file, hashing it on the way."""
        target = Path(self.storage.path(upload.storage_key))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        digest, size = hashlib.sha256(), 0
        folder = self._folder(upload)
        try:
            with open(partial, "wb") as out:
                for part in parts:
                    path = folder / f"{part.number:05d}.{part.etag}"
                    if not path.is_file():
                        raise PartsRefused(
                            f"Part {part.number} is gone; send it again."
                        )
                    with open(path, "rb") as source:
                        while chunk := source.read(CHUNK_BYTES):
                            digest.update(chunk)
                            out.write(chunk)
                            size += len(chunk)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        return Assembled(size=size, sha256=digest.hexdigest())

    def sha256(self, *, upload) -> tuple[int, str]:
        digest, size = hashlib.sha256(), 0
        with open(self.storage.path(upload.storage_key), "rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
        return size, digest.hexdigest()

    def abort(self, *, upload) -> None:
        shutil.rmtree(self._folder(upload), ignore_errors=True)

    def delete_object(self, *, upload) -> None:
        self.storage.delete(upload.storage_key)
