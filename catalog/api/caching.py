"""Shared caching of anonymous catalog reads, with ETags for revalidation.

Anonymous catalog responses are the same for everyone, so the rendered bytes
are cached under the catalog version (see ``catalog.caching``) and the request's
path and format. ``ConditionalGetMiddleware`` answers ``If-None-Match`` with 304
from the ETag set here.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import quote_etag

from catalog.caching import catalog_version
from vod.api.throttling import AnonWindowThrottle


def _cache_key(request, fmt: str) -> str:
    path_hash = hashlib.md5(request.get_full_path().encode(), usedforsecurity=False)
    return f"catalog:api:{catalog_version()}:{fmt}:{path_hash.hexdigest()}"


class CachedCatalogReadMixin:
    # Documented by vod.api.schema.AutoSchema.
    schema_extra_responses = {
        304: "Not modified: the `If-None-Match` ETag is still current (no body)."
    }

    def dispatch(self, request, *args, **kwargs):
        # The common case, an anonymous JSON read already cached, is answered
        # before DRF builds its request: that machinery costs more than the hit.
        hit = self._anonymous_json_hit(request)
        return hit if hit is not None else super().dispatch(request, *args, **kwargs)

    def _anonymous_json_hit(self, request) -> HttpResponse | None:
        if request.method != "GET" or settings.CATALOG_CACHE_SECONDS <= 0:
            return None
        if "HTTP_AUTHORIZATION" in request.META or (
            settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return None  # may be signed in: let DRF authenticate
        if "format" in request.GET or "text/html" in request.headers.get("Accept", ""):
            return None  # the browsable API, in development
        throttle = AnonWindowThrottle()
        if throttle.rate is None:
            hit = cache.get(_cache_key(request, "json"))
        else:
            allowed, hit = throttle.allow_request_and_get(
                request, also_get=_cache_key(request, "json")
            )
            if not allowed:
                return None  # DRF answers with its 429
            request.anonymous_throttle_counted = True
        return self._response_from(hit) if hit is not None else None

    def _catalog_cache_key(self, request) -> str | None:
        if request.method != "GET" or settings.CATALOG_CACHE_SECONDS <= 0:
            return None
        if request.user.is_authenticated:
            return None
        return _cache_key(request, request.accepted_renderer.format)

    def _response_from(self, hit) -> HttpResponse:
        content, content_type, etag = hit
        response = HttpResponse(content, content_type=content_type)
        response["ETag"] = etag
        self._cached_headers(response)
        self._served_from_cache = True
        return response

    def _cached_headers(self, response) -> None:
        patch_cache_control(
            response, public=True, max_age=settings.CATALOG_CACHE_SECONDS
        )
        patch_vary_headers(response, ["Accept"])

    def handle_cached(self, request) -> HttpResponse | None:
        self._cache_key = self._catalog_cache_key(request)
        hit = cache.get(self._cache_key) if self._cache_key else None
        return self._response_from(hit) if hit is not None else None

    def get(self, request, *args, **kwargs):
        return self.handle_cached(request) or super().get(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "_cache_key", None)
        if (
            key
            and response.status_code == 200
            and not getattr(self, "_served_from_cache", False)
        ):
            response.render()
            digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
            etag = quote_etag(digest)
            response["ETag"] = etag
            self._cached_headers(response)
            cache.set(
                key,
                (response.content, response["Content-Type"], etag),
                timeout=settings.CATALOG_CACHE_SECONDS,
            )
        return response
