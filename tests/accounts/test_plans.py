"""The plans each process remembers: no query once known, and every edit seen."""

import pytest
from django.core.cache import cache

from accounts import plans, services
from accounts.models import Plan

from .factories import PlanFactory, UserFactory


def test_a_known_plan_costs_no_query(django_assert_num_queries):
    user = UserFactory(plan=PlanFactory(slug="gold", max_streams=4))
    plans.plan_for_user(user)

    with django_assert_num_queries(0):
        assert plans.plan_for_user(user).max_streams == 4
        assert plans.plan_default().slug == "free"
        assert [p.position for p in plans.plans_ordered()] == sorted(
            p.position for p in plans.plans_ordered()
        )


def test_a_plan_saved_in_this_process_is_seen_at_once():
    plan = PlanFactory(slug="gold", max_streams=4)
    user = UserFactory(plan=plan)
    assert plans.plan_for_user(user).max_streams == 4

    plan.max_streams = 1
    plan.save()  # as the admin's change form does

    assert plans.plan_for_user(user).max_streams == 1


def test_a_plan_edited_in_another_process_is_seen_once_it_looks_again(
    django_assert_num_queries,
):
    plan = PlanFactory(slug="gold", max_height=1080)
    user = UserFactory(plan=plan)
    assert plans.plan_for_user(user).max_height == 1080

    # Another process: the row changes and the generation in the cache moves,
    # but this process's own memo is not told.
    Plan.objects.filter(pk=plan.pk).update(max_height=480)
    cache.incr(plans.GENERATION.key)
    with django_assert_num_queries(0):  # within the check interval: its copy
        assert plans.plan_for_user(user).max_height == 1080

    plans.GENERATION.expire()  # the interval has passed
    assert plans.plan_for_user(user).max_height == 480


def test_a_plan_made_elsewhere_is_found_before_the_next_look():
    plans.plans_ordered()  # known, and not looked at again for a while
    fresh = Plan.objects.bulk_create([Plan(name="Late", slug="late")])[0]

    assert plans.plan_get(fresh.pk).slug == "late"
    with pytest.raises(Plan.DoesNotExist):
        plans.plan_get(fresh.pk + 1000)


def test_a_new_default_and_a_deleted_plan_are_seen():
    gold = PlanFactory(slug="gold")
    spare = PlanFactory(slug="spare")
    assert plans.plan_default().slug == "free"

    services.plan_make_default(plan=gold)
    spare.delete()

    assert plans.plan_default() == gold
    assert plans.plan_for_user(UserFactory()) == gold
    assert spare.slug not in [p.slug for p in plans.plans_ordered()]


def test_a_cache_that_lost_the_generation_still_moves_on():
    plans.plans_ordered()
    before = cache.get(plans.GENERATION.key)
    cache.delete(plans.GENERATION.key)

    plans.plans_changed()

    assert cache.get(plans.GENERATION.key) > before
