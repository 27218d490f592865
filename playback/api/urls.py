from django.urls import path

from . import me_views, telemetry, views

urlpatterns = [
    path(
        "playback/sessions/",
        views.PlaybackSessionStartApi.as_view(),
        name="api-playback-session-start",
    ),
    path(
        "playback/sessions/<uuid:session_id>/heartbeat/",
        views.PlaybackSessionHeartbeatApi.as_view(),
        name="api-playback-session-heartbeat",
    ),
    path(
        "playback/sessions/<uuid:session_id>/end/",
        views.PlaybackSessionEndApi.as_view(),
        name="api-playback-session-end",
    ),
    path(
        "playback/sessions/<uuid:session_id>/telemetry/",
        telemetry.PlaybackTelemetryApi.as_view(),
        name="api-playback-session-telemetry",
    ),
    path(
        "me/continue-watching/",
        me_views.ContinueWatchingApi.as_view(),
        name="api-continue-watching",
    ),
    path("me/history/", me_views.WatchHistoryApi.as_view(), name="api-history"),
    path("me/watchlist/", me_views.WatchlistApi.as_view(), name="api-watchlist"),
    path(
        "me/watchlist/<int:title_id>/",
        me_views.WatchlistRemoveApi.as_view(),
        name="api-watchlist-remove",
    ),
]
