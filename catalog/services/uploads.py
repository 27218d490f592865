"""Editors' direct uploads of sources and of added audio tracks: create, sign
parts, list, complete, abort.

The bytes go from the client to the store (``catalog.upload_stores``); these
functions sign, record and verify. An upload completes only when every part is
stored at its exact size, the assembled object is as big as announced, and
hashes to the client's SHA-256 when one was given; only then does it become
its video's source (the transcode is queued) or, probed as audio by a worker,
the file of a new added track (the repackage is queued).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Upload, Video
from ..transcoding.errors import SourceRejected
from ..transcoding.probe import AudioProbe
from ..upload_stores import PartsRefused, store_for
from .audio_tracks import audio_probe_stored, audio_track_add_stored
from .jobs import video_job_new, video_transcode_queue
from .upload_starts import (  # noqa: F401 (the uploads' API, in one module)
    S3_MAX_PARTS,
    upload_check,
    upload_create,
    upload_part_size,
)
from .videos import video_source_point

# Reading back the largest upload allowed, at a slow 20 MB/s: the verify task's
# time limit, and how long a verification may take before beat queues it again.
VERIFY_SECONDS = 600 + 20 * 1024**3 // (20 * 1024**2)


class UploadNotOpen(Exception):
    """The upload no longer takes parts (completed, aborted, failed or expired)."""

    def __init__(self, upload: Upload, reason: str | None = None):
        self.upload = upload
        self.reason = reason or (
            f"This upload is {upload.get_state_display().split(':')[0].lower()}; "
            "it takes no more parts."
        )
        super().__init__(self.reason)


class UploadFailed(Exception):
    """The assembled file was not what the client announced; it is deleted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _check_open(upload: Upload) -> None:
    if upload.state != Upload.State.OPEN:
        raise UploadNotOpen(upload)
    if upload.expires_at <= timezone.now():
        raise UploadNotOpen(upload, "This upload has expired; start a new one.")


def _check_numbers(upload: Upload, numbers) -> None:
    wrong = sorted(n for n in numbers if not 1 <= n <= upload.part_count)
    if wrong:
        raise ValidationError(
            f"This upload has parts 1 to {upload.part_count}; there is no part "
            f"{wrong[0]}."
        )


def upload_parts_sign(
    *, upload: Upload, checksums: dict[int, str], base_url: str
) -> list[dict]:
    """A PUT URL per part, each taking only the bytes that hash to its checksum."""
    _check_open(upload)
    _check_numbers(upload, checksums)
    store = store_for()
    expires_at = timezone.now() + datetime.timedelta(
        seconds=settings.UPLOAD_PART_URL_SECONDS
    )
    return [
        {
            "part_number": number,
            "url": store.sign_part(
                upload=upload, number=number, checksum=checksum, base_url=base_url
            ),
            "method": "PUT",
            "headers": {"x-amz-checksum-sha256": checksum},
            "size": upload.part_length(number),
            "expires_at": expires_at,
        }
        for number, checksum in sorted(checksums.items())
    ]


def upload_parts_list(*, upload: Upload):
    """The parts the store holds, to resume from."""
    _check_open(upload)
    try:
        return store_for().list_parts(upload=upload)
    except PartsRefused as exc:
        raise UploadNotOpen(upload, exc.reason) from exc


def _ranges(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _assemble(upload: Upload, checksums: dict[int, str]):
    store = store_for()
    expected = range(1, upload.part_count + 1)
    _check_numbers(upload, checksums)
    unnamed = [n for n in expected if n not in checksums]
    if unnamed:
        raise ValidationError(f"Name every part; missing: {_ranges(unnamed)}.")
    try:
        stored = {part.number: part for part in store.list_parts(upload=upload)}
    except PartsRefused as exc:
        raise ValidationError(exc.reason) from exc
    missing = [n for n in expected if n not in stored]
    if missing:
        raise ValidationError(
            f"Parts not stored yet: {_ranges(missing)}. Send them, then complete."
        )
    for number in expected:
        part = stored[number]
        if part.size != upload.part_length(number):
            raise ValidationError(
                f"Part {number} is {part.size} bytes; it should be "
                f"{upload.part_length(number)}. Send it again."
            )
        given, kept = checksums[number], part.checksum_sha256
        if given and kept and given != kept:
            raise ValidationError(
                f"Part {number}'s checksum is not the stored part's. Send it again."
            )
    # A client resuming from the list may not know a part's checksum: the
    # store's own stands in for it.
    known = {n: checksums[n] or stored[n].checksum_sha256 for n in expected}
    try:
        return store.assemble(
            upload=upload, parts=[stored[n] for n in expected], checksums=known
        )
    except PartsRefused as exc:
        raise ValidationError(exc.reason) from exc


def upload_complete(*, upload: Upload, checksums: dict[int, str]) -> Upload:
    """Join the parts, check the result, and make it the video's source.

    On S3 with a client SHA-256 the object is hashed by a worker (state
    ``verifying``), so no web process reads it; elsewhere it is done here.
    """
    _check_open(upload)
    # The claim keeps a second completion (or the expiry) off this upload.
    if not Upload.objects.filter(pk=upload.pk, state=Upload.State.OPEN).update(
        state=Upload.State.VERIFYING
    ):
        raise UploadNotOpen(Upload.objects.get(pk=upload.pk))
    try:
        assembled = _assemble(upload, checksums)
    except BaseException:
        Upload.objects.filter(pk=upload.pk, state=Upload.State.VERIFYING).update(
            state=Upload.State.OPEN
        )
        raise
    upload.state = Upload.State.VERIFYING
    if assembled.size != upload.size:
        upload_fail(
            upload=upload,
            reason=f"The file is {assembled.size} bytes, not the {upload.size} "
            "announced.",
        )
    if upload.sha256 and assembled.sha256 not in (None, upload.sha256):
        upload_fail(upload=upload, reason=_sha_mismatch(assembled.sha256))
    # An audio track is probed by a worker: no web process reads the object.
    audio = upload.purpose == Upload.Purpose.AUDIO_TRACK
    if audio or (upload.sha256 and assembled.sha256 is None):
        _verify_queue(upload)
        return upload
    return upload_attach(upload=upload)


def _verify_queue(upload: Upload) -> None:
    """Queue the worker's check; beat queues it again if it has not ended by
    ``expires_at`` (a lost message or a dead worker never leaves it verifying)."""
    from ..tasks import upload_verify

    upload.expires_at = timezone.now() + datetime.timedelta(seconds=VERIFY_SECONDS)
    upload.save(update_fields=["state", "expires_at"])
    transaction.on_commit(lambda: upload_verify.delay(upload.pk))


def _sha_mismatch(actual: str) -> str:
    return f"The file's SHA-256 is {actual}, not the one announced."


def upload_verify(*, upload_id: int) -> str:
    """Hash the stored object (on a worker) and probe an audio track's; attach
    it if it is what was announced."""
    upload = Upload.objects.get(pk=upload_id)
    if upload.state != Upload.State.VERIFYING:
        return upload.state  # done already: a duplicated task
    try:
        if upload.sha256:
            _hash_check(upload)
        found = None
        if upload.purpose == Upload.Purpose.AUDIO_TRACK:
            found = _audio_probe(upload)
        try:
            upload_attach(upload=upload, found=found)
        except ValidationError as exc:  # the video changed meanwhile
            upload_fail(upload=upload, reason=" ".join(exc.messages))
    except UploadFailed:
        return Upload.State.FAILED
    return Upload.State.COMPLETED


def _hash_check(upload: Upload) -> None:
    size, sha256 = store_for().sha256(upload=upload)
    if size != upload.size:
        upload_fail(
            upload=upload,
            reason=f"The file is {size} bytes, not the {upload.size} announced.",
        )
    if sha256 != upload.sha256:
        upload_fail(upload=upload, reason=_sha_mismatch(sha256))


def _audio_probe(upload: Upload) -> AudioProbe:
    try:
        return audio_probe_stored(name=upload.storage_key)
    except SourceRejected as exc:
        upload_fail(
            upload=upload,
            reason=f"This file cannot be added as an audio track: {exc.reason}",
        )


def upload_verify_give_up(*, upload_id: int, reason: str) -> None:
    """Fail a verifying upload whose file could not be read back."""
    Upload.objects.filter(pk=upload_id, state=Upload.State.VERIFYING).update(
        state=Upload.State.FAILED, failure_reason=reason, finished_at=timezone.now()
    )


def upload_fail(*, upload: Upload, reason: str) -> None:
    """Delete what was assembled, record why, and raise UploadFailed."""
    store_for().delete_object(upload=upload)
    upload.state = Upload.State.FAILED
    upload.failure_reason = reason
    upload.finished_at = timezone.now()
    upload.save(update_fields=["state", "failure_reason", "finished_at"])
    raise UploadFailed(reason)


@transaction.atomic
def upload_attach(*, upload: Upload, found: AudioProbe | None = None) -> Upload:
    """Make the assembled object (no copy) the video's source and queue its
    transcode, or, ``found`` as audio, a new track's file and queue the repackage."""
    if (
        Upload.objects.select_for_update().get(pk=upload.pk).state
        == Upload.State.COMPLETED
    ):
        return upload  # a duplicated verify task got here first
    if upload.purpose == Upload.Purpose.AUDIO_TRACK:
        upload.audio_track = audio_track_add_stored(
            video=upload.video,
            stored_name=upload.storage_key,
            found=found,
            language=upload.track_language,
            name=upload.track_name,
            role=upload.track_role,
        )
        return _completed(upload, "audio_track")
    video = Video.objects.select_for_update().get(pk=upload.video_id)
    video_source_point(
        video=video,
        name=upload.storage_key,
        file_name=upload.file_name,
        size=upload.size,
    )
    video_job_new(video=video)
    video.save()
    video_transcode_queue(video=video)
    return _completed(upload)


def _completed(upload: Upload, *fields: str) -> Upload:
    upload.state = Upload.State.COMPLETED
    upload.finished_at = timezone.now()
    upload.save(update_fields=["state", "finished_at", *fields])
    return upload


def upload_abort(*, upload: Upload) -> Upload:
    """Drop the upload and its stored parts; aborting twice is fine."""
    if upload.state in (Upload.State.ABORTED, Upload.State.FAILED):
        return upload
    if upload.state != Upload.State.OPEN:
        raise UploadNotOpen(upload, "This upload is completed; it cannot be aborted.")
    return _abort(upload, reason="Aborted by the client.")


def _abort(upload: Upload, *, reason: str) -> Upload:
    if not Upload.objects.filter(pk=upload.pk, state=Upload.State.OPEN).update(
        state=Upload.State.ABORTED, failure_reason=reason, finished_at=timezone.now()
    ):
        upload.refresh_from_db()
        return upload
    try:
        store_for().abort(upload=upload)
    except BaseException:
        # Open again, so the next abort (or beat) deletes the parts.
        Upload.objects.filter(pk=upload.pk).update(
            state=Upload.State.OPEN, failure_reason="", finished_at=None
        )
        raise
    upload.refresh_from_db()
    return upload


def uploads_expire() -> int:
    """Beat: abort the uploads not completed in time, deleting their parts, and
    queue again the verifications that have not ended in time; how many aborted."""
    expired = Upload.objects.filter(
        state=Upload.State.OPEN, expires_at__lte=timezone.now()
    )
    reason = f"Not completed within {settings.UPLOAD_EXPIRY_HOURS} hours."
    count = 0
    for upload in expired.iterator():
        if _abort(upload, reason=reason).state == Upload.State.ABORTED:
            count += 1
    stalled = Upload.objects.filter(
        state=Upload.State.VERIFYING, expires_at__lte=timezone.now()
    )
    for upload in stalled.iterator():
        with transaction.atomic():
            upload = Upload.objects.select_for_update().get(pk=upload.pk)
            if upload.state == Upload.State.VERIFYING:
                _verify_queue(upload)
    return count
