"""Editors see the analytics: the overview and each title's figures in the
admin, and the same over the editors' API (``analytics.view_titleday``)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAME = "view_titleday"


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="analytics", codename=CODENAME)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="analytics", codename=CODENAME
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_editors_uploads"),
        ("analytics", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="titleday",
            options={
                "verbose_name": "title day",
                "verbose_name_plural": "audience and quality",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
