"""The plans, remembered by each process: every bearer request and playback
start needs its account's plan, and plans change only through the admin.

Each process keeps every plan (a handful of rows) under a generation number
stored in the cache. Saving or deleting a plan bumps the generation (at once
and again on commit, see ``signals``), so the process that wrote sees its edit
at once and the others within a second (``vod.generation``). The
plans are read from the primary, never a replica that may not have replayed
the edit yet, so a process never keeps an old copy under a new generation.
"""

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS

from vod.generation import SharedGeneration

from .models import Plan, User

GENERATION = SharedGeneration("accounts:plans:generation")


@dataclass(frozen=True)
class _Plans:
    generation: int
    by_id: dict[int, Plan]
    ordered: tuple[Plan, ...]  # by position, as editors order them
    default: Plan | None


_memo: dict = {"plans": None}


def _load(generation: int) -> _Plans:
    ordered = tuple(Plan.objects.using(DEFAULT_DB_ALIAS).order_by("position", "pk"))
    return _Plans(
        generation=generation,
        by_id={plan.pk: plan for plan in ordered},
        ordered=ordered,
        default=next((plan for plan in ordered if plan.is_default), None),
    )


def _plans(*, reload: bool = False) -> _Plans:
    generation = GENERATION.current()
    plans = _memo["plans"]
    if reload or plans is None or plans.generation != generation:
        plans = _memo["plans"] = _load(generation)
    return plans


def plans_ordered() -> tuple[Plan, ...]:
    """Every plan, cheapest first (by position). Shared: don't modify them."""
    return _plans().ordered


def plan_get(plan_id: int) -> Plan:
    """The plan with id ``plan_id`` (``Plan.DoesNotExist`` if none). Shared."""
    plan = _plans().by_id.get(plan_id)
    if plan is None:  # made in another process within the last check interval
        plan = _plans(reload=True).by_id.get(plan_id)
    if plan is None:
        raise Plan.DoesNotExist(f"No plan has id {plan_id}.")
    return plan


def plan_default() -> Plan:
    """The plan of accounts that have none (``Plan.DoesNotExist`` if none)."""
    plan = _plans().default
    if plan is None:
        plan = _plans(reload=True).default
    if plan is None:
        raise Plan.DoesNotExist("No default plan is configured.")
    return plan


def plan_for_user(user: User) -> Plan:
    """The user's plan, or the default plan when none is assigned; no query
    once this process knows the plans."""
    return plan_get(user.plan_id) if user.plan_id else plan_default()


def plans_changed() -> None:
    """Make every process read the plans again (on a plan's save or delete)."""
    GENERATION.bump()
    plans_forget()


def plans_forget() -> None:
    """Drop this process's copy of the plans (on a change, and for tests)."""
    _memo["plans"] = None
    GENERATION.expire()
