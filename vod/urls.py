from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import errors, health
from .api.guide import ApiGuideView
from .media import serve_public_media
from .metrics.views import metrics

admin.site.site_header = "VOD editors"
admin.site.site_title = "VOD editors"
admin.site.index_title = "Catalog and media"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("api/guide/", ApiGuideView.as_view(), name="api-guide"),
    path("api/v1/", include("catalog.api.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("playback.api.urls")),
    path("api/v1/", include("analytics.api.urls")),
    path("accounts/", include("accounts.urls")),
    # The viewer pages, with the catalog's and playback's routes (pages/urls.py).
    path("", include("pages.urls")),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(
            rf"^{media_prefix}(?P<path>artwork/.+)$", serve_public_media, name="media"
        ),
    ]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
