from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("email/change/", views.email_change, name="email_change"),
    path(
        "email/change/<str:token>/",
        views.email_change_confirm,
        name="email_change_confirm",
    ),
    path("email/verify/", views.email_verify_resend, name="email_verify_resend"),
    path("email/verify/<str:token>/", views.email_verify, name="email_verify"),
    path("profiles/", views.profiles, name="profiles"),
    path("profiles/add/", views.profile_add, name="profile_add"),
    path("profiles/<int:pk>/edit/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:pk>/delete/", views.profile_delete, name="profile_delete"),
    path("profiles/<int:pk>/select/", views.profile_select, name="profile_select"),
]
