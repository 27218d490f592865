from django.urls import path

from vod.uploads import accepts_large_body

from . import upload_part_view, upload_views, video_views, views

urlpatterns = [
    path("titles/", views.TitleListApi.as_view(), name="api-title-list"),
    path("titles/<int:pk>/", views.TitleDetailApi.as_view(), name="api-title-detail"),
    path("search/", views.TitleSearchApi.as_view(), name="api-title-search"),
    path("genres/", views.GenreListApi.as_view(), name="api-genre-list"),
    path("people/", views.PersonListApi.as_view(), name="api-person-list"),
    path("people/<int:pk>/", views.PersonDetailApi.as_view(), name="api-person-detail"),
    # Editors only
    path("videos/", video_views.VideoListCreateApi.as_view(), name="api-video-list"),
    path(
        "videos/<uuid:uuid>/",
        video_views.VideoDetailApi.as_view(),
        name="api-video-detail",
    ),
    path(
        "videos/<uuid:uuid>/source/",
        # PUT only: DRF authenticates (a Bearer token, or the session, whose
        # CSRF check reads no PUT body) and checks permissions before parsing.
        accepts_large_body(
            methods=["PUT"],
            permission="catalog.change_video",
            bearer=True,
            whole_source=True,
        )(video_views.VideoSourceUploadApi.as_view()),
        name="api-video-source",
    ),
    path(
        "videos/<uuid:uuid>/source/location/",
        video_views.VideoSourceLocationApi.as_view(),
        name="api-video-source-location",
    ),
    path(
        "videos/<uuid:uuid>/retranscode/",
        video_views.VideoRetranscodeApi.as_view(),
        name="api-video-retranscode",
    ),
    path(
        "videos/<uuid:uuid>/text-tracks/",
        video_views.TextTrackUploadApi.as_view(),
        name="api-video-text-tracks",
    ),
    path(
        "videos/<uuid:uuid>/audio-tracks/",
        video_views.AudioTrackUploadApi.as_view(),
        name="api-video-audio-tracks",
    ),
    path(
        "videos/<uuid:uuid>/audio-tracks/<int:pk>/",
        video_views.AudioTrackRemoveApi.as_view(),
        name="api-video-audio-track",
    ),
    path(
        "videos/<uuid:uuid>/audio-overrides/<int:position>/",
        video_views.AudioOverrideApi.as_view(),
        name="api-video-audio-override",
    ),
    # Direct uploads (editors only; a part URL carries its own authorisation)
    path("uploads/", upload_views.UploadCreateApi.as_view(), name="api-upload-list"),
    path(
        "uploads/<uuid:uuid>/",
        upload_views.UploadDetailApi.as_view(),
        name="api-upload-detail",
    ),
    path(
        "uploads/<uuid:uuid>/part-urls/",
        upload_views.UploadPartsSignApi.as_view(),
        name="api-upload-part-urls",
    ),
    path(
        "uploads/<uuid:uuid>/parts/",
        upload_views.UploadPartsListApi.as_view(),
        name="api-upload-parts",
    ),
    path(
        "uploads/<uuid:uuid>/parts/<int:number>/",
        accepts_large_body(methods=["PUT"], signed=True)(
            upload_part_view.upload_part_put
        ),
        name="api-upload-part-data",
    ),
    path(
        "uploads/<uuid:uuid>/complete/",
        upload_views.UploadCompleteApi.as_view(),
        name="api-upload-complete",
    ),
]
