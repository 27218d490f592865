"""Account pages: sign up, in and out, credentials, lockout, "Who's watching?"."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Profile, User

from .factories import PlanFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "correct-Horse-battery-77"


def _signup(client, **overrides):
    data = {
        "email": "new@example.com",
        "name": "",
        "password": STRONG,
        "password_confirm": STRONG,
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data)


def _login(client, email, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, **extra
    )


# --- Sign up ----------------------------------------------------------------------


def test_signup_page_is_an_accessible_form(client):
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_email">' in html
    assert 'autocomplete="new-password"' in html
    assert "<h1" in html


def test_signup_creates_an_unverified_account_and_mails_its_link(client, mails):
    with mails() as outbox:
        response = _signup(client, name="Robin")

    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    user = User.objects.get(email="new@example.com")
    [profile] = user.profiles.all()
    assert profile.name == "Robin"
    assert not user.email_verified
    [message] = outbox
    assert message.to == ["new@example.com"]
    link = re.search(r"http://testserver(/accounts/email/verify/\S+/)", message.body)
    assert link, message.body

    # The account signs in before the address is confirmed...
    assert _login(client, "new@example.com", STRONG).status_code == 302
    assert "not confirmed yet" in client.get(reverse("accounts:account")).text
    # ...and the link confirms it.
    assert client.get(link.group(1)).status_code == 302
    user.refresh_from_db()
    assert user.email_verified
    assert "not confirmed yet" not in client.get(reverse("accounts:account")).text


def test_signup_with_a_taken_address_looks_the_same_and_mails_its_owner(client, mails):
    owner = UserFactory(email="taken@example.com")
    with mails() as outbox:
        new = _signup(Client(), email="new@example.com")
        taken = _signup(client, email="TAKEN@example.com")

    assert taken.status_code == new.status_code == 200
    assert taken.content.replace(b"taken@", b"new@") == new.content.replace(
        b"taken@", b"new@"
    )
    assert "_auth_user_id" not in client.session
    assert User.objects.filter(email="taken@example.com").get() == owner
    notice = outbox[-1]
    assert notice.to == ["taken@example.com"]
    assert "already has one" in notice.body
    assert "/accounts/password/reset/" in notice.body


def test_a_verification_link_for_another_address_does_not_work(client, mails):
    with mails() as outbox:
        _signup(client)
    link = re.search(r"http://testserver(/accounts/email/verify/\S+/)", outbox[0].body)
    User.objects.filter(email="new@example.com").update(email="moved@example.com")

    assert client.get(link.group(1)).status_code == 400
    assert client.get("/accounts/email/verify/forged-token/").status_code == 400
    assert not User.objects.get(email="moved@example.com").email_verified


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"password": "12345678", "password_confirm": "12345678"},
            "password",
            "too common",
        ),
        ({"password_confirm": "something-else-99"}, "password_confirm", "differ"),
        ({"email": "nope"}, "email", "valid email"),
    ],
)
def test_signup_bad_input_shows_the_error_and_writes_nothing(
    client, overrides, field, message
):
    UserFactory(email="taken@example.com")

    response = _signup(client, **overrides)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'aria-invalid="true"' in response.content.decode()
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session


def test_signed_in_visitors_skip_signup(signed_in_client):
    response = signed_in_client.get(reverse("accounts:signup"))
    assert response.status_code == 302


# --- Sign in and out ----------------------------------------------------------------


def test_login_page_asks_for_the_email(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Email address" in html
    assert 'type="email"' in html


def test_login_with_email_in_any_case_goes_to_whos_watching(client, user, password):
    response = _login(client, user.email.upper(), password)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profiles")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_follows_a_safe_next_but_not_another_site(client, user, password):
    url = reverse("accounts:login")
    data = {"username": user.email, "password": password}
    response = client.post(f"{url}?next=/search/", data)
    assert response["Location"] == "/search/"
    client.logout()
    response = client.post(f"{url}?next=https://evil.example/", data)
    assert response["Location"] == reverse("accounts:profiles")


def test_wrong_password_shows_an_error(client, user):
    response = _login(client, user.email, "wrong")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_lockout_after_five_failures_is_a_friendly_429_page(client, user, password):
    statuses = [_login(client, user.email, f"wrong-{n}").status_code for n in range(4)]
    assert statuses == [200] * 4

    assert _login(client, user.email, "wrong-5").status_code == 429
    sixth = _login(client, user.email, password)  # even the right password

    assert sixth.status_code == 429
    assert sixth["Content-Type"].startswith("text/html")
    html = sixth.content.decode()
    assert "Too many sign-in attempts" in html
    assert "15 minutes" in html
    assert reverse("accounts:password_reset") in html
    assert "_auth_user_id" not in client.session


def test_lockout_on_the_page_also_locks_the_api(client, api_client, user, password):
    for n in range(5):
        _login(client, user.email, f"wrong-{n}")
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": password},
        format="json",
    )
    assert response.status_code == 429


def test_logout_needs_a_post(signed_in_client):
    assert signed_in_client.get(reverse("accounts:logout")).status_code == 405
    response = signed_in_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in signed_in_client.session


def test_header_shows_sign_in_and_sign_up_to_visitors(client):
    html = client.get(reverse("catalog:home")).content.decode()
    assert reverse("accounts:login") in html
    assert reverse("accounts:signup") in html


def test_header_shows_the_profile_switcher_and_sign_out(client, user, profile):
    second = ProfileFactory(user=user, name="Junior")
    client.force_login(user)
    session = client.session
    session["profile_id"] = profile.pk
    session.save()

    html = client.get(reverse("catalog:home")).content.decode()

    assert f"Watch as {second.name}" in html
    assert reverse("accounts:profile_select", args=[second.pk]) in html
    assert reverse("accounts:logout") in html
    assert "Sign out" in html


# --- Password and email -----------------------------------------------------------


def test_password_change_requires_the_old_password(signed_in_client, user, password):
    url = reverse("accounts:password_change")
    response = signed_in_client.post(
        url,
        {"old_password": "wrong", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(password)

    response = signed_in_client.post(
        url,
        {"old_password": password, "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)
    # This browser stays signed in.
    assert signed_in_client.get(reverse("accounts:account")).status_code == 200


def test_pages_for_signed_in_viewers_redirect_visitors_to_login(client):
    for name in ["account", "password_change", "email_change", "profiles"]:
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_password_reset_emails_a_working_link(client, user, mails):
    with mails() as outbox:
        response = client.post(
            reverse("accounts:password_reset"), {"email": user.email.upper()}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    [message] = outbox
    assert message.to == [user.email]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body)
    assert link

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": STRONG, "new_password2": STRONG},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert user.email_verified  # the link reached the address


def test_password_reset_for_unknown_address_looks_the_same(client, mails):
    with mails() as outbox:
        response = client.post(
            reverse("accounts:password_reset"), {"email": "nobody@example.com"}
        )
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert outbox == []


def test_tampered_reset_link_says_so(client, user):
    response = client.get(
        reverse("accounts:password_reset_confirm", args=["MQ", "bad-token"])
    )
    assert response.status_code == 200
    assert not response.context["validlink"]
    assert "no longer works" in response.content.decode()


def test_email_change_takes_over_only_once_the_new_address_confirms(
    signed_in_client, user, other_user, password, mails
):
    url = reverse("accounts:email_change")
    wrong = signed_in_client.post(url, {"new_email": "x@example.com", "password": "no"})
    assert "password" in wrong.context["form"].errors

    with mails() as outbox:
        ok = signed_in_client.post(
            url, {"new_email": "Fresh@Example.com", "password": password}
        )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.email != "fresh@example.com"  # not yet
    confirm, notice = sorted(outbox, key=lambda m: m.to != ["fresh@example.com"])
    assert confirm.to == ["fresh@example.com"]
    assert notice.to == [user.email]
    assert "fresh@example.com" in notice.body
    path = re.search(r"http://testserver(/accounts/email/change/\S+/)", confirm.body)

    # Opening the link (a mail scanner does) changes nothing; the button does.
    page = signed_in_client.get(path.group(1))
    assert page.status_code == 200
    assert "Use fresh@example.com" in page.text
    user.refresh_from_db()
    assert user.email != "fresh@example.com"
    with mails() as outbox:
        done = signed_in_client.post(path.group(1))
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.email == "fresh@example.com"
    assert user.email_verified
    assert [m.to for m in outbox][-1] != ["fresh@example.com"]  # the old one told
    # The link works once.
    assert signed_in_client.post(path.group(1)).status_code == 400


def test_email_change_to_a_taken_address_mails_nothing_there(
    signed_in_client, user, other_user, password, mails
):
    with mails() as outbox:
        response = signed_in_client.post(
            reverse("accounts:email_change"),
            {"new_email": other_user.email.upper(), "password": password},
        )
    assert response.status_code == 302  # the same answer as for a free address
    assert [m.to for m in outbox] == [[user.email]]


def test_account_page_shows_plan_and_profiles(signed_in_client, profile):
    html = signed_in_client.get(reverse("accounts:account")).content.decode()
    assert "Free" in html
    assert profile.name in html


def test_account_page_says_whether_the_plan_plays_surround(signed_in_client, user):
    html = signed_in_client.get(reverse("accounts:account")).content.decode()
    assert "up to 480p, stereo sound, 1 stream at once" in html

    user.plan = PlanFactory(slug="gold", max_height=2160, max_audio_channels=6)
    user.save()
    html = signed_in_client.get(reverse("accounts:account")).content.decode()
    assert "up to 2160p, 5.1 surround sound" in html


# --- Who's watching? -----------------------------------------------------------------


def test_profiles_page_lists_the_accounts_profiles_only(
    signed_in_client, profile, other_profile
):
    response = signed_in_client.get(reverse("accounts:profiles"))
    html = response.content.decode()
    assert "Who’s watching?" in html
    assert profile.name in html
    assert other_profile.name not in html


def test_picking_a_profile_stores_it_in_the_session(signed_in_client, user, profile):
    second = ProfileFactory(user=user)
    response = signed_in_client.post(
        reverse("accounts:profile_select", args=[second.pk]), {"next": "/search/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/search/"
    assert signed_in_client.session["profile_id"] == second.pk


def test_picking_needs_a_post(signed_in_client, profile):
    url = reverse("accounts:profile_select", args=[profile.pk])
    assert signed_in_client.get(url).status_code == 405


def test_another_accounts_profile_cannot_be_picked_edited_or_deleted(
    signed_in_client, other_user, other_profile
):
    ProfileFactory(user=other_user)
    pk = other_profile.pk
    responses = [
        signed_in_client.post(reverse("accounts:profile_select", args=[pk])),
        signed_in_client.get(reverse("accounts:profile_edit", args=[pk])),
        signed_in_client.post(
            reverse("accounts:profile_edit", args=[pk]), {"name": "Hijacked"}
        ),
        signed_in_client.post(reverse("accounts:profile_delete", args=[pk])),
    ]
    assert [r.status_code for r in responses] == [404] * 4
    assert "profile_id" not in signed_in_client.session
    other_profile.refresh_from_db()
    assert other_profile.name != "Hijacked"


def test_add_a_kids_profile_with_the_default_limit(signed_in_client, user):
    response = signed_in_client.post(
        reverse("accounts:profile_add"), {"name": "Little one", "is_kids": "on"}
    )
    assert response.status_code == 302
    kid = user.profiles.get(name="Little one")
    assert (kid.is_kids, kid.max_maturity) == (True, 7)


def test_an_adult_profile_ignores_the_maturity_field(signed_in_client, user):
    signed_in_client.post(
        reverse("accounts:profile_add"), {"name": "Grown", "max_maturity": "7"}
    )
    assert user.profiles.get(name="Grown").max_maturity == 18


def test_sixth_profile_shows_a_clear_error(signed_in_client, user):
    for n in range(4):
        ProfileFactory(user=user, name=f"P{n}")
    page = signed_in_client.get(reverse("accounts:profiles")).content.decode()
    assert "at most 5 profiles" in page

    response = signed_in_client.post(reverse("accounts:profile_add"), {"name": "Six"})
    assert response.status_code == 200
    assert "at most 5 profiles" in response.content.decode()
    assert user.profiles.count() == Profile.MAX_PER_ACCOUNT


def test_rename_and_set_a_limit(signed_in_client, profile):
    url = reverse("accounts:profile_edit", args=[profile.pk])
    assert signed_in_client.get(url).status_code == 200
    response = signed_in_client.post(
        url, {"name": "Teen", "is_kids": "on", "max_maturity": "13"}
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.name, profile.is_kids, profile.max_maturity) == ("Teen", True, 13)


def test_the_profile_form_offers_languages_by_name(signed_in_client, profile):
    profile.audio_language = "gsw"  # set through the API: not in the site's list
    profile.save()

    page = signed_in_client.get(
        reverse("accounts:profile_edit", args=[profile.pk])
    ).content.decode()

    assert (
        '<option value="" selected>The title&#x27;s own language</option>' not in page
    )
    assert '<option value="gsw" selected>gsw</option>' in page
    assert '<option value="pt-BR">Brazilian Portuguese</option>' in page
    assert 'name="audio_description"' in page
    assert '<option value="" selected>Off</option>' in page  # captions
    assert "kids profile left on the title's own gets English" in page


def test_edit_the_audio_and_captions_preferences(signed_in_client, profile):
    url = reverse("accounts:profile_edit", args=[profile.pk])

    response = signed_in_client.post(
        url,
        {
            "name": profile.name,
            "audio_language": "fr",
            "audio_description": "on",
            "captions_language": "pt-BR",
        },
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.playback_preferences.as_dict() == {
        "audio_language": "fr",
        "audio_description": True,
        "captions_language": "pt-BR",
    }


def test_a_language_not_offered_is_an_error_on_the_page(signed_in_client, profile):
    url = reverse("accounts:profile_edit", args=[profile.pk])

    response = signed_in_client.post(
        url, {"name": "Renamed", "captions_language": "Klingon"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    profile.refresh_from_db()
    assert profile.name != "Renamed"


def test_a_kids_profile_added_on_the_page_hears_the_sites_language(
    signed_in_client, user
):
    signed_in_client.post(
        reverse("accounts:profile_add"),
        {"name": "Little one", "is_kids": "on", "audio_language": ""},
    )

    kid = user.profiles.get(name="Little one")
    assert (kid.audio_language, kid.captions_language) == ("en-US", "")


def test_clearing_a_kids_profiles_audio_language_on_the_page_keeps_it_blank(
    signed_in_client, user
):
    kid = ProfileFactory(user=user, kids=True, audio_language="en-US")

    signed_in_client.post(
        reverse("accounts:profile_edit", args=[kid.pk]),
        {"name": kid.name, "is_kids": "on", "max_maturity": "7", "audio_language": ""},
    )

    kid.refresh_from_db()
    assert kid.audio_language == ""


def test_the_last_profile_cannot_be_deleted(signed_in_client, profile):
    response = signed_in_client.post(
        reverse("accounts:profile_delete", args=[profile.pk])
    )
    assert response.status_code == 400
    assert "at least one profile" in response.content.decode()
    assert Profile.objects.filter(pk=profile.pk).exists()


def test_deleting_the_picked_profile_forgets_it(signed_in_client, user, profile):
    second = ProfileFactory(user=user)
    session = signed_in_client.session
    session["profile_id"] = second.pk
    session.save()

    response = signed_in_client.post(
        reverse("accounts:profile_delete", args=[second.pk])
    )

    assert response.status_code == 302
    assert "profile_id" not in signed_in_client.session
    assert list(user.profiles.all()) == [profile]


def test_an_unverified_account_can_ask_for_a_new_link(signed_in_client, user, mails):
    with mails() as outbox:
        response = signed_in_client.post(reverse("accounts:email_verify_resend"))
    assert response.status_code == 302
    [message] = outbox
    assert message.to == [user.email]
    assert "/accounts/email/verify/" in message.body

    user.email_verified_at = user.date_joined
    user.save()
    with mails() as outbox:
        signed_in_client.post(reverse("accounts:email_verify_resend"))
    assert outbox == []
