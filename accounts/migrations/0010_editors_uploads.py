"""Editors follow their direct uploads in the admin too (a failed one says
why) and may abort them there."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    ("catalog", "view_upload"),
    ("catalog", "change_upload"),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.add(
        *[
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in PERMISSIONS
        ]
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="catalog",
                codename__in=[codename for _, codename in PERMISSIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_plan_max_audio_channels"),
        ("catalog", "0008_uploads"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
