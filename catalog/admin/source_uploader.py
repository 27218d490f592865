"""What the video page's uploader (Uppy, static/js/admin/source-upload.js) needs."""

from django.conf import settings
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse

from ..models import Video
from ..services.uploads import S3_MAX_PARTS

UPPY_JS = "vendor/uppy/uppy.min.js"
UPPY_CSS = "vendor/uppy/uppy.min.css"


def source_uploader_context(request, *, video: Video | None, extensions) -> dict | None:
    """The uploader's settings for ``video``'s page (new videos when None), or
    None when this editor may not upload or Uppy is not installed."""
    needed = "catalog.change_video" if video else "catalog.add_video"
    if not request.user.has_perm(needed):
        return None
    try:
        script, stylesheet = static(UPPY_JS), static(UPPY_CSS)
    except ValueError:  # no `npm ci`: production's manifest has no Uppy
        return None
    if video is None:
        title = "Upload sources"
        help_text = (
            "Each file becomes a new video; attach it to a movie or an episode "
            "on its page. Uploads can be paused and resumed."
        )
    else:
        title = "Upload a new source"
        help_text = (
            "A new file starts a new transcode; the current stream plays until "
            "it is done. The upload can be paused and resumed."
        )
    return {
        "title": title,
        "help": help_text,
        "note": "After a reload, pick the same file again: the upload resumes "
        "from the parts already stored.",
        "doneMessage": "stored; a worker verifies and transcodes it.",
        "script": script,
        "stylesheet": stylesheet,
        "api": reverse("api-upload-list").removesuffix("uploads/"),
        "csrfToken": get_token(request),
        "video": str(video.uuid) if video else None,
        "videoSearchUrl": reverse("admin:catalog_video_changelist") + "?q=",
        "partSize": settings.UPLOAD_PART_SIZE,
        "maxParts": S3_MAX_PARTS,
        "maxBytes": settings.VIDEO_UPLOAD_MAX_BYTES,
        "extensions": list(extensions),
    }
