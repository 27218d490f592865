"""The site's viewer pages, under the names they have always had.

The home and title pages keep the catalog's namespace (``catalog:home``,
``catalog:title``) and the watch page playback's (``playback:watch``): each
namespace is the app's own routes plus the pages here that compose its rows
with the viewer's.
"""

from django.urls import include, path

from catalog import urls as catalog_urls
from playback import urls as playback_urls

from . import views, watch

playback_routes = [
    path("watch/<slug:slug>/", watch.watch, name="watch"),
    path(
        "watch/<slug:slug>/s<int:season>e<int:episode>/",
        watch.watch,
        name="watch_episode",
    ),
    *playback_urls.urlpatterns,
]

catalog_routes = [
    path("", views.home, name="home"),
    *catalog_urls.urlpatterns,
    path("titles/<slug:slug>/", views.title_detail, name="title"),
]

urlpatterns = [
    path("", include((playback_routes, playback_urls.app_name))),
    path("", include((catalog_routes, catalog_urls.app_name))),
]
