"""The embedded default's part URL: a PUT of one part, streamed to disk.

Authorised by its signed URL alone (no session, no CSRF token, as a presigned
S3 URL), so ``RequestBodyLimitMiddleware`` lets its body through
(``accepts_large_body(signed=True)``); it checks the signature, the upload and
the part's declared size before it reads a byte, and reads the body in chunks.
"""

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from catalog.models import Upload
from catalog.upload_stores import CHECKSUM_HEADER, store_for
from catalog.upload_stores.local import LocalStore, PartRefused, part_token_read
from vod.api.errors import error_body


def _refused(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse(
        error_body(status=status, code=code, message=message), status=status
    )
    response["Connection"] = "close"  # the body may stay unread
    return response


def _declared_length(request) -> int | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


@csrf_exempt
@require_http_methods(["PUT"])
def upload_part_put(request, uuid, number: int):
    """Store part ``number`` of an upload if its bytes hash to the signed checksum."""
    try:
        checksum = part_token_read(
            request.GET.get("token", ""),
            upload_uuid=str(uuid),
            number=number,
            max_age=settings.UPLOAD_PART_URL_SECONDS,
        )
        upload = Upload.objects.filter(uuid=uuid).first()
        store = store_for()
        if upload is None or not isinstance(store, LocalStore):
            raise PartRefused(404, "not_found", "No such upload here.")
        if upload.state != Upload.State.OPEN or upload.expires_at <= timezone.now():
            raise PartRefused(409, "not_open", "This upload takes no more parts.")
        if request.headers.get(CHECKSUM_HEADER) != checksum:
            raise PartRefused(
                400,
                "checksum_header",
                f"Send the {CHECKSUM_HEADER} header the part URL was signed with.",
            )
        length = _declared_length(request)
        if length is None:
            raise PartRefused(411, "length_required", "Send a Content-Length.")
        if not 1 <= number <= upload.part_count:
            raise PartRefused(400, "invalid", "There is no such part.")
        if length != upload.part_length(number):
            raise PartRefused(
                400,
                "wrong_size",
                f"Part {number} is {upload.part_length(number)} bytes, not {length}.",
            )
        part = store.receive(
            upload=upload,
            number=number,
            checksum=checksum,
            stream=request,
            length=length,
        )
    except PartRefused as refusal:
        return _refused(refusal.status, refusal.code, refusal.reason)
    response = JsonResponse({"part_number": part.number, "size": part.size})
    response["ETag"] = f'"{part.etag}"'
    response[CHECKSUM_HEADER] = part.checksum_sha256
    return response
