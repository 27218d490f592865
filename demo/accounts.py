"""The demo accounts: an editor and an administrator with a known password."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

# Published in the README and printed by the command: for a local demo only, which
# is why seed_demo refuses to run with DEBUG off unless forced.
DEMO_PASSWORD = "demo-password-123"  # noqa: S105
EDITOR_EMAIL = "editor@example.com"
ADMIN_EMAIL = "admin@example.com"
# Created by accounts/migrations/0002_editors_group.py.
EDITORS_GROUP = "Editors"


class DemoAccountsError(Exception):
    """The database lacks what the demo accounts need."""


@transaction.atomic
def demo_accounts_ensure() -> None:
    """Create or repair the demo editor and admin, resetting their passwords."""
    editors = Group.objects.filter(name=EDITORS_GROUP).first()
    if editors is None:
        raise DemoAccountsError(
            f"The {EDITORS_GROUP!r} group is missing; run `manage.py migrate` first."
        )
    editor = _account_ensure(email=EDITOR_EMAIL, is_superuser=False)
    editor.groups.add(editors)
    _account_ensure(email=ADMIN_EMAIL, is_superuser=True)


def _account_ensure(*, email: str, is_superuser: bool):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first() or User(email=email)
    user.is_staff = True
    user.is_superuser = is_superuser
    user.is_active = True
    # Reset even when the account exists, so the printed login always works.
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user
