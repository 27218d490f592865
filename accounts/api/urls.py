from django.urls import path

from . import views

urlpatterns = [
    path("auth/signup/", views.SignupApi.as_view(), name="api-auth-signup"),
    path("auth/token/", views.TokenObtainApi.as_view(), name="api-auth-token"),
    path(
        "auth/token/refresh/",
        views.TokenRefreshApi.as_view(),
        name="api-auth-token-refresh",
    ),
    path("auth/logout/", views.LogoutApi.as_view(), name="api-auth-logout"),
    path(
        "auth/password/change/",
        views.PasswordChangeApi.as_view(),
        name="api-auth-password-change",
    ),
    path(
        "auth/password/reset/",
        views.PasswordResetApi.as_view(),
        name="api-auth-password-reset",
    ),
    path(
        "auth/password/reset/confirm/",
        views.PasswordResetConfirmApi.as_view(),
        name="api-auth-password-reset-confirm",
    ),
    path(
        "auth/email/change/",
        views.EmailChangeApi.as_view(),
        name="api-auth-email-change",
    ),
    path(
        "auth/email/change/confirm/",
        views.EmailChangeConfirmApi.as_view(),
        name="api-auth-email-change-confirm",
    ),
    path(
        "auth/email/verify/",
        views.EmailVerifyApi.as_view(),
        name="api-auth-email-verify",
    ),
    path(
        "auth/email/verify/resend/",
        views.EmailVerifyResendApi.as_view(),
        name="api-auth-email-verify-resend",
    ),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("profiles/", views.ProfileListCreateApi.as_view(), name="api-profile-list"),
    path(
        "profiles/<int:pk>/",
        views.ProfileDetailApi.as_view(),
        name="api-profile-detail",
    ),
]
