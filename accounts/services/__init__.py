"""Every write on accounts: sign-up, credentials, profiles and plans.

Services raise Django's ``ValidationError`` keyed by field, so pages show the
message next to the field and the API returns it under ``fields``.
"""

from .plans import plan_make_default
from .profiles import (
    profile_create,
    profile_delete,
    profile_delete_check,
    profile_update,
)
from .users import (
    user_email_change,
    user_email_change_confirm,
    user_email_verify,
    user_email_verify_resend,
    user_for_reset_link,
    user_password_change,
    user_password_reset_confirm,
    user_password_reset_send,
    user_password_reset_set,
    user_password_set,
    user_signup,
    user_signup_request,
)

__all__ = [
    "plan_make_default",
    "profile_create",
    "profile_delete",
    "profile_delete_check",
    "profile_update",
    "user_email_change",
    "user_email_change_confirm",
    "user_email_verify",
    "user_email_verify_resend",
    "user_for_reset_link",
    "user_password_change",
    "user_password_reset_confirm",
    "user_password_reset_send",
    "user_password_reset_set",
    "user_password_set",
    "user_signup",
    "user_signup_request",
]
