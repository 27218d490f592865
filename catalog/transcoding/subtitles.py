"""Editors' subtitle files, checked and turned into WebVTT."""

import io

import webvtt
from django.core.exceptions import ValidationError

TEXT_TRACK_MAX_BYTES = 2 * 1024 * 1024


def to_webvtt(content: bytes, filename: str) -> str:
    """WebVTT text for an uploaded WebVTT or SRT file; ValidationError says what is wrong."""
    if not content.strip():
        raise ValidationError("The subtitles file is empty.")
    if len(content) > TEXT_TRACK_MAX_BYTES:
        raise ValidationError("The subtitles file is larger than 2 MB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The subtitles file must be UTF-8 text.") from exc
    kind = "vtt" if text.lstrip().startswith("WEBVTT") else "srt"
    if kind == "srt" and filename.lower().endswith(".vtt"):
        raise ValidationError("A .vtt file must start with the line WEBVTT.")
    try:
        parsed = webvtt.WebVTT.from_buffer(io.StringIO(text), format=kind)
    except Exception as exc:  # the library raises several kinds for bad files
        raise ValidationError(
            "This is not a WebVTT or SRT subtitles file we can read "
            f"({exc.__class__.__name__}: {exc})."
        ) from exc
    if not parsed.captions:
        raise ValidationError("The subtitles file has no cues.")
    for caption in parsed.captions:
        # webvtt-py's *_in_seconds are whole seconds: compare milliseconds, or a
        # cue within one second (00:00:01.600 --> 00:00:01.900) looks empty.
        end, start = caption.end_time, caption.start_time
        if end.in_milliseconds() <= start.in_milliseconds():
            raise ValidationError(
                f"The cue at {caption.start} ends before it starts ({caption.end})."
            )
    return parsed.content
