"""Plans: which one accounts without a plan are on."""

from django.db import transaction

from ..models import Plan
from ..plans import plans_changed


@transaction.atomic
def plan_make_default(*, plan: Plan) -> Plan:
    """Make ``plan`` the one that accounts without a plan are on."""
    Plan.objects.filter(is_default=True).exclude(pk=plan.pk).update(is_default=False)
    # update() sends no signal: the plans every process remembers change here.
    plans_changed()
    transaction.on_commit(plans_changed)
    if not plan.is_default:
        plan.is_default = True
        plan.save(update_fields=["is_default"])
    return plan
