"""Which plan applies and which profile a request acts for."""

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import NotFound, ValidationError

from accounts import selectors
from accounts.models import Plan
from accounts.selectors import ProfileRequired

from .factories import PlanFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(user, *, header=None, session=None):
    headers = {"X-Profile-ID": str(header)} if header is not None else {}
    request = RequestFactory().get("/", headers=headers)
    request.user = user
    request.session = dict(session or {})
    return request


def test_plan_for_user_is_the_default_plan_without_one():
    assert selectors.plan_for_user(UserFactory()) == Plan.objects.get(is_default=True)


def test_plan_for_user_is_the_assigned_plan():
    plan = PlanFactory()
    assert selectors.plan_for_user(UserFactory(plan=plan)) == plan


def test_profile_for_request_uses_the_header_first(user, profile):
    second = ProfileFactory(user=user)
    request = _request(user, header=second.pk, session={"profile_id": profile.pk})
    assert selectors.profile_for_request(request) == second


def test_profile_for_request_uses_the_session_without_header(user, profile):
    ProfileFactory(user=user)
    assert (
        selectors.profile_for_request(
            _request(user, session={"profile_id": profile.pk})
        )
        == profile
    )


def test_profile_for_request_falls_back_to_the_single_profile(user, profile):
    assert selectors.profile_for_request(_request(user)) == profile


def test_profile_for_request_requires_a_choice_among_several(user):
    ProfileFactory(user=user)
    with pytest.raises(ProfileRequired):
        selectors.profile_for_request(_request(user))


def test_profile_for_request_hides_another_accounts_profile(user, other_profile):
    with pytest.raises(NotFound):
        selectors.profile_for_request(_request(user, header=other_profile.pk))


def test_profile_for_request_refuses_a_malformed_header(user):
    with pytest.raises(ValidationError):
        selectors.profile_for_request(_request(user, header="abc"))


@pytest.mark.parametrize("header", [2**70, -1, 0])
def test_profile_for_request_finds_no_profile_for_impossible_ids(user, header):
    with pytest.raises(NotFound):
        selectors.profile_for_request(_request(user, header=header))


def test_user_with_plan_loads_the_plan_with_the_account():
    plan = PlanFactory()
    user = UserFactory(plan=plan)
    found = selectors.user_with_plan(user.pk)
    assert (found, found.plan, found.password) == (user, plan, user.password)
    # Loaded as the ORM loads it: an aware datetime and a bool, even on SQLite.
    assert (found.date_joined, found.is_active) == (user.date_joined, True)
    assert found.is_active is True and found.plan.is_default is False
    assert selectors.user_with_plan(UserFactory().pk).plan_id is None
    assert selectors.user_with_plan(user.pk + 1000) is None
    assert selectors.user_with_plan(2**70) is None  # out of the column's range
    with pytest.raises(ValueError):
        selectors.user_with_plan("not-a-number")


def test_user_with_plan_is_one_query_once_the_plans_are_known(
    django_assert_num_queries,
):
    user = UserFactory(plan=PlanFactory())
    selectors.user_with_plan(user.pk)  # this process reads the plans once

    with django_assert_num_queries(1):
        found = selectors.user_with_plan(user.pk)
        assert found.plan.pk == user.plan_id


def test_a_foreign_profile_in_the_session_is_ignored(user, profile, other_profile):
    ProfileFactory(user=user)
    request = _request(user, session={"profile_id": other_profile.pk})
    with pytest.raises(ProfileRequired):
        selectors.profile_for_request(request)
    assert "profile_id" not in request.session


def test_profile_get_is_a_404_for_another_account(user, other_profile):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.profile_get(user=user, pk=other_profile.pk)


def test_account_detail_resolves_the_plan_and_profiles_in_two_queries(
    user, django_assert_num_queries
):
    ProfileFactory(user=user)
    selectors.plan_for_user(user)  # this process reads the plans once
    with django_assert_num_queries(2):  # account, profiles (plans are known)
        account = selectors.account_detail(user=user)
        names = [p.name for p in account.profiles.all()]
    assert account.effective_plan.slug == "free"
    assert len(names) == 2


def test_profile_switcher_shows_the_picked_profile(user, profile):
    second = ProfileFactory(user=user)
    nav = selectors.profile_switcher(_request(user, session={"profile_id": second.pk}))
    assert nav["current"] == second
    assert nav["profiles"] == [profile, second]


def test_user_with_plan_reads_the_profile_the_header_names_in_the_same_query(
    django_assert_num_queries,
):
    user = UserFactory(plan=PlanFactory())
    ProfileFactory(user=user)
    kid = ProfileFactory(user=user, kids=True)
    selectors.user_with_plan(user.pk)  # this process reads the plans once

    with django_assert_num_queries(1):
        found = selectors.user_with_plan(user.pk, profile_header=f" {kid.pk} ")
    (profile,) = found.profiles_read.profiles
    assert (found.profiles_read.asked, profile) == (kid.pk, kid)
    # Loaded as the ORM loads it: a bool and an aware datetime, even on SQLite.
    assert (profile.is_kids, profile.created_at) == (True, kid.created_at)
    assert (profile.max_maturity, profile.user) == (kid.max_maturity, found)

    request = _request(found, header=kid.pk)
    with django_assert_num_queries(0):
        assert selectors.profile_for_request(request) == kid


def test_user_with_plan_reads_an_only_profile_without_a_header(
    django_assert_num_queries,
):
    user = UserFactory()
    only = ProfileFactory(user=user)
    found = selectors.user_with_plan(user.pk)

    assert found.profiles_read.asked is None
    with django_assert_num_queries(0):
        assert selectors.profile_for_request(_request(found)) == only
    ProfileFactory(user=user)
    with pytest.raises(ProfileRequired):
        selectors.profile_for_request(_request(selectors.user_with_plan(user.pk)))


@pytest.mark.parametrize("header", ["foreign", "missing", "abc", str(2**70)])
def test_user_with_plan_reads_no_profile_that_is_not_the_accounts(header):
    user = UserFactory(with_profile=True)
    value = {"foreign": str(ProfileFactory().pk), "missing": "999999"}.get(
        header, header
    )

    found = selectors.user_with_plan(user.pk, profile_header=value)

    assert found == user
    read = getattr(found, "profiles_read", None)
    assert read is None or read.profiles == []
    expected = ValidationError if header == "abc" else NotFound
    with pytest.raises(expected):
        selectors.profile_for_request(_request(found, header=value))


def test_a_session_picked_profile_is_not_taken_from_the_bearers_read():
    user = UserFactory()
    first, second = ProfileFactory(user=user), ProfileFactory(user=user)
    found = selectors.user_with_plan(user.pk)  # no header: the first two read

    request = _request(found, session={selectors.PROFILE_SESSION_KEY: second.pk})

    assert selectors.profile_for_request(request) == second != first
