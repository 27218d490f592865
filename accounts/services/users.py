"""Accounts: sign-up, email verification and changes, passwords."""

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from .. import emails
from ..emails import Kind, account_email_queue
from ..limits import account_emails_count
from ..models import Profile, User
from ..tokens import user_tokens_revoke
from .profiles import profile_create


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
