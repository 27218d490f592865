"""Profile preferences: which language tags pass, their case, the kids default."""

import pytest
from django.core.exceptions import ValidationError

from accounts.preferences import (
    PlaybackPreferences,
    audio_language_kept,
    kids_audio_language,
    language_choices,
    language_tag_canonical,
    preferred_language_clean,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("en", "en"),
        ("EN", "en"),
        (" pt-br ", "pt-BR"),
        ("zh-hant", "zh-Hant"),
        ("ZH-HANT-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("yue", "yue"),
        # The shortest code, as tracks are tagged: ISO 639-2 and retired codes.
        ("fra", "fr"),
        ("ENG-gb", "en-GB"),
        ("iw", "he"),
        ("", ""),
        (None, ""),
    ],
)
def test_language_preferences_are_stored_in_the_usual_case(typed, stored):
    assert preferred_language_clean(typed, field="audio_language") == stored


@pytest.mark.parametrize(
    "typed",
    ["english", "e", "en_US", "en-", "fr-CA-x", "en-US-posix", "x-klingon", "e1"],
)
def test_a_language_name_or_a_malformed_tag_is_refused_naming_the_field(typed):
    with pytest.raises(ValidationError) as refused:
        preferred_language_clean(typed, field="captions_language")

    messages = refused.value.message_dict["captions_language"]
    assert "is not a language tag" in messages[0]
    assert "pt-BR" in messages[0]  # an example of what works


def test_a_long_value_is_refused_and_quoted_shortened():
    with pytest.raises(ValidationError) as refused:
        preferred_language_clean("a" * 500, field="audio_language")

    assert len(refused.value.message_dict["audio_language"][0]) < 120


def test_kids_hear_the_sites_language(settings):
    assert kids_audio_language() == "en-US"  # LANGUAGE_CODE "en-us"
    settings.LANGUAGE_CODE = "pt-br"
    assert kids_audio_language() == "pt-BR"


@pytest.mark.parametrize(
    ("current", "is_kids", "was_kids", "kept"),
    [
        ("", True, False, "en-US"),  # made, or turned, a kids profile
        ("fr", True, False, "fr"),  # its own choice stays
        ("", True, True, ""),  # a kids profile set to each title's own
        ("", False, False, ""),
        ("", False, True, ""),
    ],
)
def test_only_a_new_kids_profile_without_a_language_gets_the_sites(
    current, is_kids, was_kids, kept
):
    assert audio_language_kept(current=current, is_kids=is_kids, was_kids=was_kids) == (
        kept
    )


def test_the_language_menu_is_by_name_and_keeps_an_unlisted_current_tag(settings):
    settings.LANGUAGES = [("fr", "French"), ("de", "German"), ("pt-br", "Brazilian")]

    assert language_choices() == [
        ("pt-BR", "Brazilian"),
        ("fr", "French"),
        ("de", "German"),
    ]
    assert ("gsw", "gsw") in language_choices("gsw")


def test_canonical_case_leaves_private_use_in_lower_case():
    assert language_tag_canonical("EN-x-AB") == "en-x-ab"


def test_a_malformed_tag_is_left_for_the_validator():
    assert language_tag_canonical("en--US") == "en--US"


def test_preferences_are_plain_values():
    assert PlaybackPreferences().as_dict() == {
        "audio_language": "",
        "audio_description": False,
        "captions_language": "",
    }
