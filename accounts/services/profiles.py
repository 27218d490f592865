"""Profiles: create, update and delete, at most a few per account, never none."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Profile, User
from ..preferences import audio_language_kept, preferred_language_clean


def _profile_name_clean(name: str, *, user: User, exclude_pk=None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": ["Give the profile a name."]})
    max_length = Profile._meta.get_field("name").max_length
    if len(name) > max_length:
        raise ValidationError(
            {"name": [f"Use at most {max_length} characters for the name."]}
        )
    same = Profile.objects.filter(user=user, name__iexact=name)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise ValidationError({"name": [f"You already have a profile called {name}."]})
    return name


def _maturity_for(*, is_kids: bool, max_maturity: int | None, current: int | None):
    """A kids profile keeps a limit (7+ unless chosen); others see everything."""
    allowed = [value for value, _ in Profile._meta.get_field("max_maturity").choices]
    if max_maturity is not None and max_maturity not in allowed:
        choices = ", ".join(str(value) for value in allowed)
        raise ValidationError({"max_maturity": [f"Use one of: {choices}."]})
    if not is_kids:
        if max_maturity is not None and max_maturity != Profile.ADULT_MATURITY:
            raise ValidationError(
                {"max_maturity": ["Only kids profiles have a maturity limit."]}
            )
        return Profile.ADULT_MATURITY
    if max_maturity is not None:
        return max_maturity
    if current is not None:
        return current
    return Profile.KIDS_DEFAULT_MATURITY


def _audio_language_for(
    *, given: str | None, current: str, is_kids: bool, was_kids: bool
) -> str:
    """The given language (blank: the title's default); when none is given,
    what ``preferences.audio_language_kept`` keeps."""
    if given is not None:
        return preferred_language_clean(given, field="audio_language")
    return audio_language_kept(current=current, is_kids=is_kids, was_kids=was_kids)


def _account_lock(user: User) -> User:
    """Serialize profile writes of one account (the limit, names, the last one)."""
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def profile_create(
    *,
    user: User,
    name: str,
    is_kids: bool = False,
    max_maturity: int | None = None,
    audio_language: str | None = None,
    audio_description: bool = False,
    captions_language: str = "",
) -> Profile:
    """Add a profile to the account, at most ``Profile.MAX_PER_ACCOUNT``.

    A kids profile given no audio language gets the site's
    (``preferences.kids_audio_language``); others start on each title's own.
    """
    _account_lock(user)
    if Profile.objects.filter(user=user).count() >= Profile.MAX_PER_ACCOUNT:
        raise ValidationError(
            f"An account can have at most {Profile.MAX_PER_ACCOUNT} profiles; "
            "delete one to add another."
        )
    name = _profile_name_clean(name, user=user)
    maturity = _maturity_for(is_kids=is_kids, max_maturity=max_maturity, current=None)
    audio = _audio_language_for(
        given=audio_language, current="", is_kids=is_kids, was_kids=False
    )
    captions = preferred_language_clean(captions_language, field="captions_language")
    return Profile.objects.create(
        user=user,
        name=name,
        is_kids=is_kids,
        max_maturity=maturity,
        audio_language=audio,
        audio_description=bool(audio_description),
        captions_language=captions,
    )


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    name: str | None = None,
    is_kids: bool | None = None,
    max_maturity: int | None = None,
    audio_language: str | None = None,
    audio_description: bool | None = None,
    captions_language: str | None = None,
) -> Profile:
    """Rename a profile, change its kids setting or its audio and captions
    preferences; omitted (None) fields stay. A profile that becomes a kids one
    without an audio language gets the site's."""
    _account_lock(profile.user)
    new_name = (
        profile.name
        if name is None
        else _profile_name_clean(name, user=profile.user, exclude_pk=profile.pk)
    )
    new_is_kids = profile.is_kids if is_kids is None else is_kids
    new_maturity = _maturity_for(
        is_kids=new_is_kids,
        max_maturity=max_maturity,
        current=profile.max_maturity if profile.is_kids else None,
    )
    new_audio = _audio_language_for(
        given=audio_language,
        current=profile.audio_language,
        is_kids=new_is_kids,
        was_kids=profile.is_kids,
    )
    new_captions = (
        profile.captions_language
        if captions_language is None
        else preferred_language_clean(captions_language, field="captions_language")
    )
    profile.name, profile.is_kids, profile.max_maturity = (
        new_name,
        new_is_kids,
        new_maturity,
    )
    profile.audio_language, profile.captions_language = new_audio, new_captions
    if audio_description is not None:
        profile.audio_description = bool(audio_description)
    profile.save(
        update_fields=[
            "name",
            "is_kids",
            "max_maturity",
            "audio_language",
            "audio_description",
            "captions_language",
        ]
    )
    return profile


def profile_delete_check(*, profiles_left: int) -> None:
    """Refuse a deletion that would leave the account ``profiles_left`` profiles."""
    if profiles_left < 1:
        raise ValidationError(
            "An account needs at least one profile; add another before "
            "deleting this one."
        )


@transaction.atomic
def profile_delete(*, profile: Profile) -> None:
    """Delete a profile with its progress and list; an account keeps at least one."""
    _account_lock(profile.user)
    others = Profile.objects.filter(user_id=profile.user_id).exclude(pk=profile.pk)
    profile_delete_check(profiles_left=others.count())
    profile.delete()
