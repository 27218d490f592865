"""Public artwork served from local storage, for the embedded default.

Only ``artwork/`` is public; sources and streams never go through here. With S3
the storage's own (CDN) URLs are used and this view is not routed.
"""

import mimetypes
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

PUBLIC_MEDIA_MAX_AGE = 24 * 3600


@require_GET
def serve_public_media(request, path: str):
    if posixpath.normpath(path) != path or not path.startswith("artwork/"):
        raise Http404("No such file.")
    try:
        # The storage refuses paths that climb out of its root.
        handle = default_storage.open(path, "rb")
    except (OSError, SuspiciousFileOperation) as exc:
        raise Http404("No such file.") from exc
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={PUBLIC_MEDIA_MAX_AGE}"
    return response
