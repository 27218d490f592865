from django.urls import path

from .delivery import views as delivery

# Routed under the "playback" namespace by pages/urls.py, next to the watch
# page (playback:watch, playback:watch_episode).
app_name = "playback"

urlpatterns = [
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
    path(
        "playback/s/<str:token>/steering.json",
        delivery.session_steering,
        name="session_steering",
    ),
    # Media playlists signed URI by URI, for signers whose signature relative
    # URIs do not inherit (CloudFront's query string).
    path(
        "playback/s/<str:token>/p/<slug:pathway>/<path:name>",
        delivery.session_playlist,
        name="session_playlist",
    ),
    path("media/s/<str:token>/<path:path>", delivery.media, name="media"),
]
