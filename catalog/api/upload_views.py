"""Editors' direct uploads: resumable S3 multipart, on S3 or local storage.

create → sign part URLs (with each part's SHA-256) → PUT the parts → list the
stored parts to resume → complete (or abort). What is uploaded is a video's
source, or (``purpose: audio_track``) a dub or an audio description of any
length added to a video. An upload is its creator's: another editor gets a 404
(superusers see all).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Upload
from catalog.services import uploads
from vod.api.schema import error_response
from vod.api.throttling import AccountWindowThrottle, AnonWindowThrottle

from .permissions import IsCatalogEditor
from .upload_serializers import (
    PartsCompleteSerializer,
    PartsSignSerializer,
    SignedPartsSerializer,
    StoredPartsSerializer,
    UploadCreateSerializer,
    UploadSerializer,
)

TAGS = ["uploads"]
NOT_OPEN = "`not_open`: the upload is completed, aborted, failed or expired."
STORE_DOWN = "`storage_unavailable`: the store did not answer; try again shortly."


class UploadNotOpen(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_open"
    default_detail = "This upload takes no more parts."


class UploadVerificationFailed(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "verification_failed"
    default_detail = "The assembled file is not the one announced."


def _checksums(parts: list[dict]) -> dict[int, str]:
    return {part["part_number"]: part.get("checksum_sha256", "") for part in parts}


class _UploadApi(APIView):
    permission_classes = [IsCatalogEditor]
    throttle_classes = [AnonWindowThrottle, AccountWindowThrottle]
    throttle_scope = "uploads"
    # Uploading is changing a video's source, as the video API's PUT.
    editor_permissions = {
        "GET": ["catalog.view_video"],
        "POST": ["catalog.change_video"],
        "DELETE": ["catalog.change_video"],
    }
    schema_extra_responses = {409: NOT_OPEN, 503: STORE_DOWN}

    def _upload(self, uuid) -> Upload:
        uploads_seen = Upload.objects.select_related("video")
        if not self.request.user.is_superuser:
            uploads_seen = uploads_seen.filter(created_by=self.request.user)
        return get_object_or_404(uploads_seen, uuid=uuid)

    def handle_exception(self, exc):
        if isinstance(exc, uploads.UploadNotOpen):
            exc = UploadNotOpen(exc.reason)
        elif isinstance(exc, uploads.UploadFailed):
            exc = UploadVerificationFailed(exc.reason)
        return super().handle_exception(exc)


class UploadCreateApi(_UploadApi):
    """Start an upload of a video's source, or of an audio track added to a
    video (``purpose: audio_track``); parts are then sent to signed URLs."""

    editor_permissions = {"POST": ["catalog.add_video"]}
    schema_extra_responses = {503: STORE_DOWN}

    @extend_schema(
        tags=TAGS,
        request=UploadCreateSerializer,
        responses={
            201: UploadSerializer,
            400: error_response(
                "`invalid`: a source over VIDEO_UPLOAD_MAX_BYTES or not a video "
                "type; an audio track over AUDIO_TRACK_UPLOAD_MAX_BYTES, not an "
                "audio type, without its video, or with a bad language, name or "
                "role; or another bad field (`fields` says which). Nothing is "
                "created."
            ),
        },
    )
    def post(self, request):
        params = UploadCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        video = params.validated_data.get("video")
        if video is not None and not request.user.has_perm("catalog.change_video"):
            raise PermissionDenied("You may not change this video.")
        upload = uploads.upload_create(user=request.user, **params.validated_data)
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)


class UploadDetailApi(_UploadApi):
    """An upload's state (``verifying`` turns ``completed`` or ``failed``);
    DELETE aborts it and deletes its parts."""

    @extend_schema(tags=TAGS, responses=UploadSerializer)
    def get(self, request, uuid):
        return Response(UploadSerializer(self._upload(uuid)).data)

    @extend_schema(
        tags=TAGS,
        responses={
            200: OpenApiResponse(
                UploadSerializer,
                description="`aborted` (again is fine), its parts deleted.",
            )
        },
    )
    def delete(self, request, uuid):
        upload = uploads.upload_abort(upload=self._upload(uuid))
        return Response(UploadSerializer(upload).data)


class UploadPartsSignApi(_UploadApi):
    """Signed PUT URLs for parts, each bound to the part's SHA-256 and expiring
    after UPLOAD_PART_URL_SECONDS; send the headers given with the bytes."""

    @extend_schema(
        tags=TAGS, request=PartsSignSerializer, responses=SignedPartsSerializer
    )
    def post(self, request, uuid):
        upload = self._upload(uuid)
        params = PartsSignSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        signed = uploads.upload_parts_sign(
            upload=upload,
            checksums=_checksums(params.validated_data["parts"]),
            base_url=request.build_absolute_uri("/"),
        )
        return Response(SignedPartsSerializer({"parts": signed}).data)


class UploadPartsListApi(_UploadApi):
    """The parts already stored, to resume after a crash, a reload or on
    another machine."""

    @extend_schema(tags=TAGS, responses=StoredPartsSerializer)
    def get(self, request, uuid):
        parts = uploads.upload_parts_list(upload=self._upload(uuid))
        return Response(StoredPartsSerializer({"parts": parts}).data)


class UploadCompleteApi(_UploadApi):
    """Join the parts and verify the file; it becomes the video's source and
    its transcode is queued (202 while a worker verifies its SHA-256), or an
    audio track: always 202, a worker probes it as audio, then it becomes an
    added track and the video is republished (``failed`` with the reason if it
    is not audio)."""

    @extend_schema(
        tags=TAGS,
        request=PartsCompleteSerializer,
        responses={
            200: UploadSerializer,
            202: OpenApiResponse(
                UploadSerializer,
                description="`verifying`: a worker checks the whole file's "
                "SHA-256 and probes an audio track's; poll the upload until "
                "`completed` (`audio_track` names the new track) or `failed` "
                "(`failure_reason` says why, the file is deleted).",
            ),
            400: error_response(
                "`invalid`: a part is missing, of the wrong size or checksum "
                "(the upload stays open: send it and complete again); "
                "`verification_failed`: the file's size or SHA-256 is not the one "
                "announced (the upload failed and its file is deleted)."
            ),
        },
    )
    def post(self, request, uuid):
        upload = self._upload(uuid)
        params = PartsCompleteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        upload = uploads.upload_complete(
            upload=upload, checksums=_checksums(params.validated_data["parts"])
        )
        done = upload.state == Upload.State.COMPLETED
        return Response(
            UploadSerializer(upload).data,
            status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED,
        )
