"""What an editor may give as a source's location, and where it may lead."""

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import SplitResult, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

MAX_LENGTH = 2000


class HostNotFound(ValidationError):
    """The host name does not resolve (now): a worker retries, an editor is told."""


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class UrlLocation:
    url: str

    def __str__(self) -> str:
        return self.url


def location_parse(text: str) -> S3Location | UrlLocation:
    """The location ``text`` names; raises ValidationError saying why it may not be used."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Give an s3://bucket/key or an https:// URL.")
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"A location is at most {MAX_LENGTH} characters.")
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme == "s3":
        return _s3_location(text)
    if scheme == "https":
        parts = url_check(text)
        host_addresses(parts.hostname, parts.port or 443)
        return UrlLocation(parts.geturl())
    if scheme == "http":
        raise ValidationError(
            "Plain http:// is not accepted: the source could be altered on the way. "
            "Use https://."
        )
    if not scheme or "://" not in text:
        raise ValidationError("Give an s3://bucket/key or an https:// URL.")
    raise ValidationError(
        f"The scheme “{scheme}” is not allowed: give an s3://bucket/key "
        "or an https:// URL."
    )


def _s3_location(text: str) -> S3Location:
    parts = urlsplit(text)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if not bucket or not key or key.endswith("/"):
        raise ValidationError("An S3 location names an object: s3://bucket/key.")
    if parts.query or parts.fragment or "@" in bucket:
        raise ValidationError("An S3 location is s3://bucket/key, nothing more.")
    allowed = settings.INGEST_S3_BUCKETS
    if bucket not in allowed:
        raise ValidationError(
            f"The bucket “{bucket}” is not one sources may be copied from"
            + (f" ({', '.join(allowed)})." if allowed else " (none is allowed here).")
        )
    if not getattr(default_storage, "bucket_name", None):
        raise ValidationError(
            "Copying from S3 needs the sources on S3 too (AWS_STORAGE_BUCKET_NAME)."
        )
    return S3Location(bucket, key)


def url_check(url: str) -> SplitResult:
    """The parts of an https:// URL without credentials; raises ValidationError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"This is not a URL: {exc}.") from exc
    if parts.scheme.lower() == "http":
        raise ValidationError(
            "Plain http:// is not accepted: the source could be altered on the way. "
            "Use https://."
        )
    if parts.scheme.lower() != "https":
        raise ValidationError(
            f"The scheme “{parts.scheme}” is not allowed: use https://."
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            "The URL carries credentials (user:password@): use a signed URL instead, "
            "so no password is stored with the video."
        )
    if not parts.hostname:
        raise ValidationError("The URL names no host.")
    if port == 0:
        raise ValidationError("The URL's port is not valid.")
    return parts._replace(fragment="")


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global leaves out private, loopback, link-local (the cloud metadata
    # service at 169.254.169.254), shared and reserved ranges.
    return ip.is_global and not ip.is_multicast


def host_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, all public; raises ValidationError."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostNotFound(f"The host “{host}” could not be found.") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if host.lower() in settings.INGEST_URL_ALLOW_PRIVATE_HOSTS:
        return addresses
    private = [address for address in addresses if not _public(address)]
    if private or not addresses:
        raise ValidationError(
            f"The host “{host}” is at a private or local address ({private[0]}), "
            "which sources may not be fetched from."
            if private
            else f"The host “{host}” has no address."
        )
    return addresses


def source_file_name(location: S3Location | UrlLocation) -> str:
    """The file name to store the source under, from the location's path."""
    path = (
        location.key
        if isinstance(location, S3Location)
        else urlsplit(location.url).path
    )
    name = PurePosixPath(unquote(path)).name.strip()
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return cleaned[-200:].lstrip(".") or "source"
