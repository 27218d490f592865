from django.urls import path

from . import views
from .delivery import views as delivery

app_name = "playback"

urlpatterns = [
    path("watch/<slug:slug>/", views.watch, name="watch"),
    path(
        "watch/<slug:slug>/s<int:season>e<int:episode>/",
        views.watch,
        name="watch_episode",
    ),
    # Delivery: a session's own manifests, and media behind its signed grant.
    path(
        "playback/s/<str:token>/master.m3u8",
        delivery.session_master,
        name="session_master",
    ),
    path(
        "playback/s/<str:token>/manifest.mpd",
        delivery.session_mpd,
        name="session_mpd",
    ),
    path("media/s/<str:token>/<path:path>", delivery.media, name="media"),
]
