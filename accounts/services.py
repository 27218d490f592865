"""Every write on accounts: sign-up, credentials, profiles and plans.

Services raise Django's ``ValidationError`` keyed by field, so pages show the
message next to the field and the API returns it under ``fields``.
"""

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from . import emails
from .emails import Kind, account_email_queue
from .limits import account_emails_count
from .models import Plan, Profile, User
from .plans import plans_changed
from .preferences import kids_audio_language, preferred_language_clean
from .tokens import user_tokens_revoke


def _email_normalize(email: str, *, field: str = "email") -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    return User.objects.normalize_email(email).lower()


def _email_ensure_free(email: str, *, field: str, exclude_pk: int | None = None):
    taken = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {field: ["An account with this email address already exists."]}
        )


def _password_validate(password: str, *, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


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
    *, given: str | None, is_kids: bool, current: str, becomes_kids: bool
) -> str:
    """The given language (blank: the title's default); when none is given, the
    current one, or the site's language for a profile that becomes kids."""
    if given is not None:
        return preferred_language_clean(given, field="audio_language")
    if becomes_kids and is_kids and not current:
        return kids_audio_language()
    return current


def _account_lock(user: User) -> User:
    """Serialize profile writes of one account (the limit, names, the last one)."""
    return User.objects.select_for_update().get(pk=user.pk)


# --- Accounts -------------------------------------------------------------------


@transaction.atomic
def user_signup(
    *, email: str, password: str, name: str = "", profile_name: str = ""
) -> User:
    """Create an account on the default plan with its first profile."""
    email = _email_normalize(email)
    name = " ".join((name or "").split())[: User._meta.get_field("name").max_length]
    _email_ensure_free(email, field="email")
    _password_validate(password, user=User(email=email, name=name), field="password")
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
    except IntegrityError as exc:  # the same address, signed up a moment ago
        raise ValidationError(
            {"email": ["An account with this email address already exists."]}
        ) from exc
    first_name = profile_name or name or email.split("@", 1)[0]
    max_length = Profile._meta.get_field("name").max_length
    profile_create(user=user, name=first_name[:max_length])
    return user


@transaction.atomic
def user_signup_request(
    *, email: str, password: str, name: str = "", client: str, base_url: str
) -> None:
    """Sign up, answering alike whether or not the address has an account.

    A new address gets an (unverified) account and a verification link; the
    owner of a taken address gets a notice instead, and the password is hashed
    all the same so that the work, too, looks alike. Counted against the
    hourly email limits (``accounts.limits``).
    """
    email = _email_normalize(email)
    name = " ".join((name or "").split())[: User._meta.get_field("name").max_length]
    _password_validate(password, user=User(email=email, name=name), field="password")
    account_emails_count(email=email, client=client)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            user = user_signup(email=email, password=password, name=name)
        except ValidationError:  # the same address, signed up a moment ago
            return
        account_email_queue(kind=Kind.VERIFY, user=user, base_url=base_url)
        return
    make_password(password)
    account_email_queue(kind=Kind.SIGNUP_EXISTING, user=existing, base_url=base_url)


def _link_invalid(field: str = "token") -> ValidationError:
    return ValidationError(
        {field: ["This link is invalid or has expired; ask for a new one."]}
    )


@transaction.atomic
def user_email_verify(*, token: str) -> User:
    """Mark the account's address verified from an emailed link."""
    found = emails.email_verify_token_read(token)
    user = User.objects.filter(pk=found[0]).first() if found else None
    if user is None or user.email != found[1]:
        raise _link_invalid()
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def user_email_verify_resend(*, user: User, client: str, base_url: str) -> None:
    """Mail a new verification link (nothing when the address is verified)."""
    if user.email_verified:
        return
    account_emails_count(email=user.email, client=client)
    account_email_queue(kind=Kind.VERIFY, user=user, base_url=base_url)


@transaction.atomic
def user_email_change(
    *, user: User, password: str, new_email: str, client: str, base_url: str
) -> None:
    """Ask to move the account to ``new_email`` (needs the current password).

    Nothing changes yet: the new address gets a link that makes the change, the
    old one a notice, and the account signs in with the old address until the
    link is followed. Whether another account has the new address is not told
    (that link would then fail, and no mail goes to that address).
    """
    if not user.check_password(password or ""):
        raise ValidationError({"password": ["Your current password is incorrect."]})
    new_email = _email_normalize(new_email, field="new_email")
    if new_email == user.email:
        raise ValidationError({"new_email": ["This is already your email address."]})
    account_emails_count(email=new_email, client=client)
    if not User.objects.filter(email__iexact=new_email).exists():
        account_email_queue(
            kind=Kind.EMAIL_CHANGE_CONFIRM,
            user=user,
            base_url=base_url,
            new_email=new_email,
        )
    account_email_queue(
        kind=Kind.EMAIL_CHANGE_REQUESTED,
        user=user,
        base_url=base_url,
        new_email=new_email,
    )


@transaction.atomic
def user_email_change_confirm(*, token: str) -> User:
    """Move the account to the new address of an emailed link; signs out its apps.

    The link names the address it moves away from, so it works once, and not
    after another change.
    """
    found = emails.email_change_token_read(token)
    user = (
        User.objects.select_for_update().filter(pk=found[0]).first() if found else None
    )
    if user is None or user.email != found[1]:
        raise _link_invalid()
    old_email, new_email = found[1], found[2]
    _email_ensure_free(new_email, field="token", exclude_pk=user.pk)
    user.email, user.email_verified_at = new_email, timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError as exc:
        raise ValidationError(
            {"token": ["An account with this email address already exists."]}
        ) from exc
    # The sign-in name changed: apps sign in again; the old address is told.
    user_tokens_revoke(user=user)
    account_email_queue(kind=Kind.EMAIL_CHANGED, user=user, base_url="", to=old_email)
    return user


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Change the password after checking the old one; signs out other apps."""
    if not user.check_password(old_password or ""):
        raise ValidationError(
            {"old_password": ["Your old password was entered incorrectly."]}
        )
    return user_password_set(user=user, password=new_password, field="new_password")


@transaction.atomic
def user_password_set(
    *, user: User, password: str, field: str = "new_password"
) -> User:
    """Set a new (validated) password and revoke every refresh token of the account."""
    _password_validate(password, user=user, field=field)
    user.set_password(password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user)
    return user


@transaction.atomic
def user_password_reset_send(*, email: str, client: str, base_url: str) -> None:
    """Mail a reset link if an active account has this address; silent otherwise.

    Counted against the hourly email limits whether or not one has it.
    """
    try:
        email = _email_normalize(email)
    except ValidationError:
        return
    account_emails_count(email=email, client=client)
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None and user.has_usable_password():
        account_email_queue(kind=Kind.PASSWORD_RESET, user=user, base_url=base_url)


def user_for_reset_link(*, uidb64: str) -> User | None:
    """The account a reset link's ``uid`` names, or None."""
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User.objects.get(pk=pk)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist, ValidationError):
        return None


@transaction.atomic
def user_password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> User:
    """Set a new password from an emailed link (``uid`` and ``token``)."""
    user = user_for_reset_link(uidb64=uidb64)
    if user is None or not default_token_generator.check_token(user, token):
        raise ValidationError(
            {"token": ["This reset link is invalid or has expired; ask for a new one."]}
        )
    return user_password_reset_set(user=user, password=new_password)


@transaction.atomic
def user_password_reset_set(
    *, user: User, password: str, field: str = "new_password"
) -> User:
    """The new password of a checked reset link. The link was mailed to the
    address, which is thereby verified; every app and other browser is signed
    out, so whoever used the account before (e.g. someone who signed up with
    the owner's address) is out."""
    user_password_set(user=user, password=password, field=field)
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


# --- Profiles -------------------------------------------------------------------


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
        given=audio_language, is_kids=is_kids, current="", becomes_kids=True
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
        is_kids=new_is_kids,
        current=profile.audio_language,
        becomes_kids=not profile.is_kids,
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


# --- Plans ----------------------------------------------------------------------


@transaction.atomic
def plan_make_default(*, plan: Plan) -> Plan:
    """Make ``plan`` the one that accounts without a plan are on."""
    Plan.objects.filter(is_default=True).exclude(pk=plan.pk).update(is_default=False)
    # update() sends no signal: the plans every process remembers change here.
    plans_changed()
    transaction.on_commit(plans_changed)
    if not plan.is_default:
        plan.is_default = True
        plan.save(update_fields=["is_default"])
    return plan
