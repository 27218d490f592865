"""Language tags: what a source's streams say (ISO 639-2) to what players read (BCP 47).

Containers tag audio streams with ISO 639-2 codes, bibliographic (``fre``) or
terminological (``fra``); HLS and DASH want BCP 47, which uses the two-letter
ISO 639-1 code where one exists (``fr``). pycountry carries the ISO tables.
"""

import re

import pycountry

UNDETERMINED = "und"
_PRIMARY = re.compile(r"^[a-z]{2,3}$")
_REGION = re.compile(r"^(?:[A-Z]{2}|\d{3})$")


def _language(code: str):
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code)
    return pycountry.languages.get(alpha_3=code) or pycountry.languages.get(
        bibliographic=code
    )


def bcp47_from_source(tag: str | None) -> str:
    """A stream's language tag as BCP 47: ``eng`` -> ``en``, ``fre`` -> ``fr``,
    ``pt-br`` -> ``pt-BR``; ``und`` when missing or not a language."""
    parts = re.split(r"[-_]", (tag or "").strip())
    primary = parts[0].lower()
    if not _PRIMARY.match(primary) or primary == UNDETERMINED:
        return UNDETERMINED
    language = _language(primary)
    if language is None:
        return UNDETERMINED
    code = getattr(language, "alpha_2", None) or language.alpha_3
    region = parts[1].upper() if len(parts) == 2 else ""
    return f"{code}-{region}" if _REGION.match(region) else code


def language_name(tag: str) -> str:
    """The English name of a BCP 47 tag's language ("French"), for labels."""
    primary = tag.split("-")[0].lower()
    language = _language(primary) if primary != UNDETERMINED else None
    return language.name if language is not None else "Unknown language"
