"""The three plans the platform starts with; editors change them in the admin."""

from django.db import migrations

PLANS = [
    # name, slug, highest access level, streams at once, tallest rung, default
    ("Free", "free", "free", 1, 480, True),
    ("Standard", "standard", "members", 2, 1080, False),
    ("Premium", "premium", "premium", 4, 2160, False),
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("accounts", "Plan")
    for position, (name, slug, level, streams, height, default) in enumerate(PLANS):
        Plan.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "access_level": level,
                "max_streams": streams,
                "max_height": height,
                "is_default": default,
                "position": position,
            },
        )


def remove_plans(apps, schema_editor):
    apps.get_model("accounts", "Plan").objects.filter(
        slug__in=[plan[1] for plan in PLANS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_plans_and_profiles")]

    operations = [migrations.RunPython(create_plans, remove_plans)]
