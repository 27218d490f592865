"""A profile's audio and captions preferences: their checks and the kids default.

Players compare these tags with the ``LANGUAGE`` of a title's audio and
subtitle tracks, so a preference is a language, optionally with a script and
a region (``en``, ``pt-BR``, ``zh-Hant``): the part of BCP 47 that names a
language people listen to or read. Stored as langcodes standardises them
(the conventional case of RFC 5646 section 2.1.1, two-letter codes where
they exist) so that equal tags compare equal.
"""

import re
from dataclasses import asdict, dataclass

import langcodes
from django.conf import settings
from django.core.exceptions import ValidationError

LANGUAGE_MAX_LENGTH = 35
# language (2-3 letters), then an optional script (4 letters) and region
# (2 letters or 3 digits). Longer primary subtags are well-formed BCP 47 but
# none is in use: refusing them catches a language's name typed as a tag.
_PREFERRED_LANGUAGE = re.compile(
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
)


@dataclass(frozen=True)
class PlaybackPreferences:
    """What a new playback starts with; blank languages mean "none chosen"."""

    audio_language: str = ""  # blank: the title's default audio
    audio_description: bool = False
    captions_language: str = ""  # blank: captions off

    def as_dict(self) -> dict:
        return asdict(self)


def language_tag_canonical(tag: str) -> str:
    """``pt-br`` as ``pt-BR``, ``ZH-hant`` as ``zh-Hant``, ``fra`` as ``fr``:
    BCP 47's usual case and shortest code, which tracks are tagged with.

    A malformed tag comes back as it is, for the validator to refuse.
    """
    try:
        return langcodes.standardize_tag(tag)
    except langcodes.LanguageTagError:
        return tag


def validate_preferred_language(value: str) -> None:
    """A language tag such as ``en``, ``pt-BR`` or ``zh-Hant`` (blank is allowed)."""
    if value and (
        len(value) > LANGUAGE_MAX_LENGTH or not _PREFERRED_LANGUAGE.fullmatch(value)
    ):
        raise ValidationError(
            f"“{value[:40]}” is not a language tag: use a code such as en, fr, "
            "pt-BR or zh-Hant.",
            code="invalid_language",
        )


def preferred_language_clean(value: str | None, *, field: str) -> str:
    """``value`` trimmed, checked and in canonical case; errors keyed by ``field``."""
    value = (value or "").strip()
    try:
        validate_preferred_language(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    return language_tag_canonical(value) if value else ""


def kids_audio_language() -> str:
    """The language a kids profile hears unless told otherwise: the site's.

    Accounts carry no language of their own and the pages speak only
    ``LANGUAGE_CODE``, which is the language the household reads the site
    in; young children who cannot yet read subtitles need a dub in it.
    """
    return language_tag_canonical(settings.LANGUAGE_CODE)


def audio_language_kept(*, current: str, is_kids: bool, was_kids: bool) -> str:
    """The audio language of a profile saved without one chosen: its current
    one, or the site's (``kids_audio_language``) for a profile that is made, or
    becomes, a kids one with none. The one place this default is decided."""
    if is_kids and not was_kids and not current:
        return kids_audio_language()
    return current


def language_choices(current: str = "") -> list[tuple[str, str]]:
    """(tag, name) for the site's known languages by name, plus ``current``."""
    choices = {
        language_tag_canonical(code): str(name) for code, name in settings.LANGUAGES
    }
    if current and current not in choices:
        choices[current] = current
    return sorted(choices.items(), key=lambda item: item[1].casefold())
