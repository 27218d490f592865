"""Editors' video API: create a video, upload its source, follow its transcode."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import services
from catalog.models import AddedAudioTrack, Video

from .permissions import IsCatalogEditor
from .video_serializers import (
    AddedAudioTrackSerializer,
    AudioOverrideSerializer,
    AudioOverrideUpdateSerializer,
    AudioTrackUploadSerializer,
    SourceLocationSerializer,
    SourceUploadSerializer,
    TextTrackSerializer,
    TextTrackUploadSerializer,
    VideoCreateSerializer,
    VideoSerializer,
)

VIDEO_RELATIONS = (
    "renditions",
    "text_tracks",
    "audio_tracks",
    "added_audio_tracks",
    "audio_overrides",
)


def _video(uuid) -> Video:
    return get_object_or_404(
        Video.objects.select_related("title", "episode").prefetch_related(
            *VIDEO_RELATIONS
        ),
        uuid=uuid,
    )


class VideoListCreateApi(generics.ListAPIView):
    """Videos, newest first (editors only); POST creates an empty video."""

    permission_classes = [IsCatalogEditor]
    serializer_class = VideoSerializer

    def get_queryset(self):
        queryset = Video.objects.select_related("title", "episode").prefetch_related(
            *VIDEO_RELATIONS
        )
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in Video.Status.values:
                raise ValidationError(
                    {"status": [f"Use one of: {', '.join(Video.Status.values)}."]}
                )
            queryset = queryset.filter(status=wanted)
        return queryset

    @extend_schema(request=VideoCreateSerializer, responses={201: VideoSerializer})
    def post(self, request):
        params = VideoCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        video = services.video_create(**params.validated_data)
        return Response(
            VideoSerializer(_video(video.uuid)).data, status=status.HTTP_201_CREATED
        )


class VideoDetailApi(APIView):
    """A video's status, stage, progress and published renditions (editors only)."""

    permission_classes = [IsCatalogEditor]

    @extend_schema(responses=VideoSerializer)
    def get(self, request, uuid):
        return Response(VideoSerializer(_video(uuid)).data)


class VideoSourceUploadApi(APIView):
    """Upload (or replace) the source in one request; it streams to storage and a
    transcode is queued. Only where SOURCE_UPLOADS_THROUGH_WEB is on (the
    embedded default): production refuses a body over 2 MB here (413), and
    sources go through the direct uploads (`uploads/`)."""

    permission_classes = [IsCatalogEditor]
    parser_classes = [MultiPartParser]

    @extend_schema(request=SourceUploadSerializer, responses={202: VideoSerializer})
    def put(self, request, uuid):
        video = _video(uuid)
        params = SourceUploadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        upload = params.validated_data["file"]
        try:
            services.video_source_attach(video=video, file=upload, name=upload.name)
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        return Response(
            VideoSerializer(_video(uuid)).data, status=status.HTTP_202_ACCEPTED
        )


class VideoSourceLocationApi(APIView):
    """Take the source from where it already is: S3 copies it, or a worker fetches it."""

    permission_classes = [IsCatalogEditor]
    # As uploading a source: a change to an existing video.
    editor_permissions = {"POST": ["catalog.change_video"]}

    @extend_schema(
        request=SourceLocationSerializer,
        responses={202: VideoSerializer},
        description=(
            "Queues a job that copies (s3://) or fetches (https://) the source, "
            "then transcodes it; follow it on the video (stage, ingest_bytes). "
            "Refused with 400 and the reason: a scheme other than s3 or https, "
            "plain http://, a bucket not allowed, credentials in the URL, a host "
            "at a private or local address."
        ),
    )
    def post(self, request, uuid):
        video = _video(uuid)
        params = SourceLocationSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.video_source_ingest(
                video=video, location=params.validated_data["location"]
            )
        except DjangoValidationError as exc:
            raise ValidationError({"location": exc.messages}) from exc
        return Response(
            VideoSerializer(_video(uuid)).data, status=status.HTTP_202_ACCEPTED
        )


class VideoRetranscodeApi(APIView):
    """Transcode the source again into a new revision."""

    permission_classes = [IsCatalogEditor]
    # As the admin's action: a change to an existing video, not a new one.
    editor_permissions = {"POST": ["catalog.change_video"]}

    @extend_schema(request=None, responses={202: VideoSerializer})
    def post(self, request, uuid):
        services.video_retranscode(video=_video(uuid))
        return Response(
            VideoSerializer(_video(uuid)).data, status=status.HTTP_202_ACCEPTED
        )


class TextTrackUploadApi(APIView):
    """Add or replace subtitles in one language (WebVTT or SRT)."""

    permission_classes = [IsCatalogEditor]
    parser_classes = [MultiPartParser]
    # As the admin's text track inline on a video's change page; replacing a
    # language's track also needs change_texttrack (checked once it is known).
    editor_permissions = {"POST": ["catalog.change_video", "catalog.add_texttrack"]}

    @extend_schema(
        request=TextTrackUploadSerializer, responses={201: TextTrackSerializer}
    )
    def post(self, request, uuid):
        video = _video(uuid)
        params = TextTrackUploadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        replaces = video.text_tracks.filter(
            language=params.validated_data["language"],
            kind=params.validated_data["kind"],
        ).exists()
        if replaces and not request.user.has_perm("catalog.change_texttrack"):
            raise PermissionDenied("You may not replace this language's subtitles.")
        try:
            track = services.text_track_add(video=video, **params.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        return Response(TextTrackSerializer(track).data, status=status.HTTP_201_CREATED)


class AudioTrackUploadApi(APIView):
    """Add a dub or an audio description as its own file; the video is
    republished with it (repackaged: its video is not encoded again)."""

    permission_classes = [IsCatalogEditor]
    parser_classes = [MultiPartParser]
    # A change to the video, as on its admin page.
    editor_permissions = {"POST": ["catalog.change_video"]}

    @extend_schema(
        request=AudioTrackUploadSerializer, responses={201: AddedAudioTrackSerializer}
    )
    def post(self, request, uuid):
        video = _video(uuid)
        params = AudioTrackUploadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            track = services.audio_track_add(video=video, **params.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from exc
        return Response(
            AddedAudioTrackSerializer(track).data, status=status.HTTP_201_CREATED
        )


class AudioTrackRemoveApi(APIView):
    """Remove an added audio track; the video is republished without it."""

    permission_classes = [IsCatalogEditor]
    editor_permissions = {"DELETE": ["catalog.change_video"]}

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, uuid, pk):
        track = get_object_or_404(AddedAudioTrack, pk=pk, video__uuid=uuid)
        services.audio_track_remove(track=track)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AudioOverrideApi(APIView):
    """Set the role, name or language of a source's audio track (all blank:
    back to what the source says); kept for every later transcode."""

    permission_classes = [IsCatalogEditor]
    editor_permissions = {"PUT": ["catalog.change_video"]}

    @extend_schema(
        request=AudioOverrideUpdateSerializer,
        responses={200: AudioOverrideSerializer, 204: None},
    )
    def put(self, request, uuid, position):
        video = _video(uuid)
        params = AudioOverrideUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            override = services.audio_track_override(
                video=video, position=position, **params.validated_data
            )
        except DjangoValidationError as exc:
            raise ValidationError({"position": exc.messages}) from exc
        if override is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(AudioOverrideSerializer(override).data)
