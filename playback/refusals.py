"""Why playback, progress or My List refused a request, as the API says it.

Services raise these; the API turns them into the project's error body (with
the extra keys each carries), and pages can show ``message`` as it is.
"""


class PlaybackRefused(Exception):
    status = 400
    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(PlaybackRefused):
    """Unknown, foreign, unpublished or out-of-window: all look the same."""

    status = 404
    code = "not_found"


class InvalidInput(PlaybackRefused):
    """A value the request sent is out of range; ``extra["fields"]`` says which."""

    status = 400
    code = "invalid"


class MaturityRestricted(PlaybackRefused):
    status = 403
    code = "maturity"


class UpgradeRequired(PlaybackRefused):
    """``extra["required_plan"]``: the first plan that unlocks the title."""

    status = 403
    code = "upgrade_required"


class NotReady(PlaybackRefused):
    """``extra``: the video's transcode ``stage`` and ``progress``."""

    status = 409
    code = "not_ready"


class TooManyStreams(PlaybackRefused):
    """``extra["active_devices"]``: what is playing on the account now."""

    status = 409
    code = "too_many_streams"


class SessionGone(PlaybackRefused):
    """The session ended (``session_ended``), went quiet (``session_expired``),
    or its title stopped being available to it (``no_longer_available``:
    withdrawn, out of its window, or no longer in the account's plan)."""

    status = 410
    code = "session_ended"
