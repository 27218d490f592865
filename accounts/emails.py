"""Account emails and the signed links they carry.

A request never talks to the mail server: services queue
``accounts.tasks.account_email_send`` on the ``default`` queue once their
transaction commits, and the worker builds the message (and its link) from the
account as it is then. Links are signed by Django (``django.core.signing``
with the secret key, or the password reset token generator), expire after
``ACCOUNT_EMAIL_LINK_HOURS`` (reset: ``PASSWORD_RESET_TIMEOUT``) and name the
address they are about, so a link dies once the account's address moves on.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User

VERIFY_SALT = "accounts.email-verify"
CHANGE_SALT = "accounts.email-change"


class Kind:
    """The account emails; each has ``accounts/email/<kind>.txt`` and a subject."""

    VERIFY = "verify"  # confirm the address of a new account
    SIGNUP_EXISTING = "signup_existing"  # someone signed up with your address
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a template name)
    EMAIL_CHANGE_CONFIRM = "email_change_confirm"  # to the new address
    EMAIL_CHANGE_REQUESTED = "email_change_requested"  # notice to the old one
    EMAIL_CHANGED = "email_changed"  # notice to the old one, once it is done


SUBJECTS = {
    Kind.VERIFY: "Confirm your VOD email address",
    Kind.SIGNUP_EXISTING: "You already have a VOD account",
    Kind.PASSWORD_RESET: "Reset your VOD password",
    Kind.EMAIL_CHANGE_CONFIRM: "Confirm your new VOD email address",
    Kind.EMAIL_CHANGE_REQUESTED: "A change of your VOD email address was asked",
    Kind.EMAIL_CHANGED: "Your VOD email address was changed",
}


def base_url_for(request) -> str:
    """Scheme and host of links mailed for ``request`` (an allowed host)."""
    return f"{request.scheme}://{request.get_host()}"


def _link_max_age() -> int:
    return settings.ACCOUNT_EMAIL_LINK_HOURS * 3600


def email_verify_token(*, user: User) -> str:
    """A signed, expiring token proving ``user.email`` received it."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)


def email_verify_token_read(token: str) -> tuple[int, str] | None:
    """(account id, address) of a valid verification token, else None."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=_link_max_age())
        return int(data["u"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def email_change_token(*, user: User, new_email: str) -> str:
    """A signed, expiring token to move ``user`` from its address to ``new_email``."""
    return signing.dumps(
        {"u": user.pk, "from": user.email, "to": new_email}, salt=CHANGE_SALT
    )


def email_change_token_read(token: str) -> tuple[int, str, str] | None:
    """(account id, old address, new address) of a valid change token, else None."""
    try:
        data = signing.loads(token, salt=CHANGE_SALT, max_age=_link_max_age())
        return int(data["u"]), str(data["from"]), str(data["to"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def account_email_queue(
    *, kind: str, user: User, base_url: str, to: str = "", new_email: str = ""
) -> None:
    """Queue one account email, sent by a worker once the transaction commits."""
    from .tasks import account_email_send

    transaction.on_commit(
        lambda: account_email_send.delay(
            kind=kind, user_id=user.pk, base_url=base_url, to=to, new_email=new_email
        )
    )


def account_email_send(
    *, kind: str, user_id: int, base_url: str, to: str = "", new_email: str = ""
) -> bool:
    """Build and send one account email; False when the account is gone."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or kind not in SUBJECTS:
        return False
    context = {"user": user, "email": user.email, "new_email": new_email}
    recipient = to or user.email
    if kind == Kind.VERIFY:
        token = email_verify_token(user=user)
        context["link"] = base_url + reverse("accounts:email_verify", args=[token])
    elif kind == Kind.SIGNUP_EXISTING:
        context["login_link"] = base_url + reverse("accounts:login")
        context["reset_link"] = base_url + reverse("accounts:password_reset")
    elif kind == Kind.PASSWORD_RESET:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        context["link"] = base_url + reverse(
            "accounts:password_reset_confirm", args=[uid, token]
        )
    elif kind == Kind.EMAIL_CHANGE_CONFIRM:
        token = email_change_token(user=user, new_email=new_email)
        context["link"] = base_url + reverse(
            "accounts:email_change_confirm", args=[token]
        )
        recipient = new_email
    elif kind == Kind.EMAIL_CHANGE_REQUESTED:
        context["reset_link"] = base_url + reverse("accounts:password_reset")
    elif kind == Kind.EMAIL_CHANGED:
        context["old_email"] = to
    body = render_to_string(f"accounts/email/{kind}.txt", context)
    send_mail(SUBJECTS[kind], body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return True
