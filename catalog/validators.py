"""Checks on text that editors type and players read.

A text track's language and label end up inside every viewer's HLS master
playlist (``LANGUAGE="..."``, ``NAME="..."``) and in file names, so they are
held to what those places can carry safely.
"""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError

# RFC 5646 section 2.1, "well-formed" (not "valid": no registry lookup).
_ALPHANUM = "[A-Za-z0-9]"
_LANGTAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language, extlang
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALPHANUM}{{5,8}}|[0-9]{_ALPHANUM}{{3}}))*"  # variants
    rf"(?:-[0-9A-WYZa-wyz](?:-{_ALPHANUM}{{2,8}})+)*"  # extensions
    rf"(?:-[xX](?:-{_ALPHANUM}{{1,8}})+)?"  # private use
)
_PRIVATE_USE = rf"[xX](?:-{_ALPHANUM}{{1,8}})+"
_GRANDFATHERED = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|"
    "i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|"
    "art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|"
    "zh-xiang"
)
LANGUAGE_TAG = re.compile(
    rf"(?:{_LANGTAG}|{_PRIVATE_USE}|{_GRANDFATHERED})", re.IGNORECASE
)
LANGUAGE_TAG_MAX_LENGTH = 35
LABEL_MAX_LENGTH = 100
# Control characters (newlines among them), line and paragraph separators,
# and code points that are not characters.
_UNPRINTABLE = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}


def validate_language_tag(value: str) -> None:
    """A well-formed BCP 47 language tag such as ``en``, ``pt-BR``, ``zh-Hant``."""
    if len(value) > LANGUAGE_TAG_MAX_LENGTH or not LANGUAGE_TAG.fullmatch(value):
        raise ValidationError(
            "Enter a BCP 47 language tag such as en, fr, pt-BR or zh-Hant "
            "(letters, digits and hyphens only).",
            code="invalid_language",
        )


def validate_single_line_label(value: str) -> None:
    """One line of printable text, no double quote, at most 100 characters."""
    if len(value) > LABEL_MAX_LENGTH:
        raise ValidationError(
            f"Keep the label to {LABEL_MAX_LENGTH} characters.", code="too_long"
        )
    if any(unicodedata.category(char) in _UNPRINTABLE for char in value):
        raise ValidationError(
            "The label must be one line of text, without control characters.",
            code="not_single_line",
        )
    if '"' in value:
        # Players read labels from HLS quoted strings, which cannot hold one.
        raise ValidationError(
            "The label cannot contain a double quote (\"); use ' instead.",
            code="double_quote",
        )
    if value != value.strip():
        raise ValidationError(
            "The label cannot start or end with spaces.", code="padded"
        )


def validate_artwork_size(image) -> None:
    """A new poster, backdrop or photo of at most ``ARTWORK_MAX_UPLOAD_BYTES``."""
    if getattr(image, "_committed", True):
        return  # already stored: checked when it was uploaded
    limit = settings.ARTWORK_MAX_UPLOAD_BYTES
    if image.size > limit:
        raise ValidationError(
            f"The image is {image.size / 1024**2:.1f} MB; the limit is "
            f"{limit / 1024**2:.1f} MB.",
            code="too_large",
        )
