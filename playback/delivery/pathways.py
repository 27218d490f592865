"""CDN pathways: which CDNs a player may fetch media from, in which order.

Rows of ``CdnPathway`` (editable in admin) are the truth. While there are
none, ``PLAYBACK_CDN_PATHWAYS`` is used as they would be, and the health check
seeds the table from it, so an operator finds them in admin to reorder. With
neither, the one pathway is ``PLAYBACK_MEDIA_URL``: playlists then carry no
steering at all.

Manifests read the list from the cache, and each process keeps what it read
for ``MEMO_SECONDS`` (a session start and its master would otherwise read it
twice). Every write here and in admin drops the cached copy, and it lives only
``CACHE_SECONDS`` anyway, so a health change reaches every web replica within
seconds.
"""

import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from catalog.transcoding.publish import video_storage
from vod.cdn_urls import base_url_problem

from ..models import CdnPathway

logger = logging.getLogger(__name__)

CACHE_KEY = "playback:cdn-pathways:v1"
CACHE_SECONDS = 10
MEMO_SECONDS = 1.0
_memo: dict = {"until": 0.0, "found": ()}
DEFAULT_NAME = "default"


@dataclass(frozen=True)
class Pathway:
    name: str
    base_url: str
    healthy: bool = True


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _configured() -> list[Pathway]:
    return [
        Pathway(name=name, base_url=_with_slash(url))
        for name, url in settings.PLAYBACK_CDN_PATHWAYS
    ]


def _ordered(rows: list[CdnPathway]) -> list[Pathway]:
    """Enabled ones, healthy first, each group by priority; never empty while
    there are rows: with every one disabled, all of them by priority."""
    enabled = [row for row in rows if row.enabled] or rows
    ordered = sorted(enabled, key=lambda row: (not row.healthy, row.priority, row.name))
    return [
        Pathway(name=row.name, base_url=_with_slash(row.base_url), healthy=row.healthy)
        for row in ordered
    ]


def pathways_for_delivery() -> tuple[Pathway, ...]:
    """The pathways to offer players, preferred first; at least one."""
    now = time.monotonic()
    if now < _memo["until"]:
        found = _memo["found"]
    else:
        found = cache.get(CACHE_KEY)
        if found is None:
            found = tuple(_ordered(list(CdnPathway.objects.all())) or _configured())
            cache.set(CACHE_KEY, found, timeout=CACHE_SECONDS)
        _memo.update(found=found, until=now + MEMO_SECONDS)
    if not found:
        return (
            Pathway(
                name=DEFAULT_NAME, base_url=_with_slash(settings.PLAYBACK_MEDIA_URL)
            ),
        )
    return found


def pathways_cache_clear() -> None:
    """Forget the list, here at once and in other processes within MEMO_SECONDS."""
    cache.delete(CACHE_KEY)
    _memo["until"] = 0.0


@transaction.atomic
def cdn_pathways_seed() -> int:
    """Create rows for PLAYBACK_CDN_PATHWAYS while the table is empty; how many."""
    if CdnPathway.objects.exists():
        return 0
    rows = [
        CdnPathway(name=name, base_url=url, priority=position)
        for position, (name, url) in enumerate(settings.PLAYBACK_CDN_PATHWAYS)
    ]
    CdnPathway.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(pathways_cache_clear)
    return len(rows)


def health_url(pathway: CdnPathway) -> str:
    return _with_slash(pathway.base_url) + settings.PLAYBACK_CDN_HEALTH_PATH.lstrip("/")


def _health_opener() -> urllib.request.OpenerDirector:
    """http(s) and nothing else (no file:, ftp:, data:), following no redirect:
    a CDN that answers the health object with a 30x is not serving it."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        # Any other scheme: URLError("unknown url type"), never a fetch.
        urllib.request.UnknownHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _probe(url: str) -> str:
    """Empty when ``url`` answers 2xx within the timeout, else why not.

    ``url`` is under a base URL that passed ``base_url_problem`` (plain http or
    https), and the opener has no handler for any other scheme anyway.
    """
    headers = {"User-Agent": "vod-cdn-check"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with _health_opener().open(
            request, timeout=settings.PLAYBACK_CDN_HEALTH_TIMEOUT_SECONDS
        ) as response:
            response.read(64 * 1024)
            return "" if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, reset, timed out, bad URL
        reason = getattr(exc, "reason", None) or exc
        return str(reason)[:300] or exc.__class__.__name__


def cdn_pathway_record_check(*, pathway: CdnPathway, error: str) -> bool:
    """Record one health check's outcome; True when the pathway changed state.

    ``PLAYBACK_CDN_HEALTH_THRESHOLD`` checks in a row demote a pathway, and as
    many promote it back, so one lost request does not make players switch.
    """
    threshold = max(1, settings.PLAYBACK_CDN_HEALTH_THRESHOLD)
    now = timezone.now()
    was_healthy = pathway.healthy
    if error:
        pathway.consecutive_failures += 1
        pathway.consecutive_successes = 0
        pathway.failing_since = pathway.failing_since or now
        if pathway.consecutive_failures >= threshold:
            pathway.healthy = False
    else:
        pathway.consecutive_successes += 1
        pathway.consecutive_failures = 0
        if pathway.consecutive_successes >= threshold or pathway.healthy:
            pathway.healthy = True
            pathway.failing_since = None
    pathway.last_error = error
    pathway.last_checked_at = now
    pathway.save(
        update_fields=[
            "healthy",
            "failing_since",
            "consecutive_failures",
            "consecutive_successes",
            "last_checked_at",
            "last_error",
        ]
    )
    changed = pathway.healthy != was_healthy
    if changed:
        logger.warning(
            "CDN pathway %s is now %s%s",
            pathway.name,
            "healthy" if pathway.healthy else "failing",
            f" ({error})" if error else "",
        )
        pathways_cache_clear()
    return changed


def cdn_health_object_ensure() -> None:
    """Store the small object the checks fetch, where the CDNs' origin has it."""
    storage = video_storage()
    name = settings.PLAYBACK_CDN_HEALTH_PATH.lstrip("/")
    if not storage.exists(name):
        storage.save(name, ContentFile(b"ok\n"))


def cdn_pathways_check() -> dict[str, bool]:
    """GET each enabled pathway's health object; demote or promote; name -> healthy.

    A 30x answer is a failure (no redirect is followed), and so is a base URL
    that is not a plain http(s) one (a row saved before they were checked).
    """
    cdn_pathways_seed()
    pathways = list(CdnPathway.objects.filter(enabled=True))
    if any(not base_url_problem(p.base_url) for p in pathways):
        cdn_health_object_ensure()
    results = {}
    for pathway in pathways:
        # A row saved before base URLs were checked: failing, and never fetched.
        problem = base_url_problem(pathway.base_url)
        error = f"Invalid base URL: {problem}" if problem else ""
        error = error or _probe(health_url(pathway))
        cdn_pathway_record_check(pathway=pathway, error=error)
        results[pathway.name] = pathway.healthy
    return results
