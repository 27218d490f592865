"""What can go wrong in a transcode, split by what to do about it."""


class TranscodeError(Exception):
    """Base class; ``reason`` is what an editor reads in admin and the API."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SourceRejected(TranscodeError):
    """The source is not playable video: fail at once, never retry."""


class TransientFailure(TranscodeError):
    """Storage or the machine hiccupped: retry with backoff."""


class StorageRefused(TranscodeError):
    """The media store refused the request (credentials, a missing bucket): an
    operator must act, so retrying would only repeat it."""


class EncoderUnavailable(TranscodeError):
    """ffmpeg is missing or lacks what the pipeline needs: an operator must act."""
