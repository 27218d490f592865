"""The accounts API: sign-up, JWT sign-in, credentials, the account, profiles.

One class per operation (profiles: one per URL); each validates its input,
calls one service or selector and shapes the answer. One module per area.
"""

from .credentials import (
    EmailChangeApi,
    EmailChangeConfirmApi,
    EmailVerifyApi,
    EmailVerifyResendApi,
    PasswordChangeApi,
    PasswordResetApi,
    PasswordResetConfirmApi,
)
from .profiles import MeApi, ProfileDetailApi, ProfileListCreateApi
from .signin import LogoutApi, SignupApi, TokenObtainApi, TokenRefreshApi

__all__ = [
    "EmailChangeApi",
    "EmailChangeConfirmApi",
    "EmailVerifyApi",
    "EmailVerifyResendApi",
    "LogoutApi",
    "MeApi",
    "PasswordChangeApi",
    "PasswordResetApi",
    "PasswordResetConfirmApi",
    "ProfileDetailApi",
    "ProfileListCreateApi",
    "SignupApi",
    "TokenObtainApi",
    "TokenRefreshApi",
]
