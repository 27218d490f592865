"""The Editors group: staff who build the catalog, and nothing more.

Editors add, change, delete and view every catalog model, except renditions,
which the transcoding pipeline writes and editors only view. They get no
permission on accounts, groups or anything else.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
FULL = ("add", "change", "delete", "view")
EDITOR_PERMISSIONS = {
    ("catalog", "title"): FULL,
    ("catalog", "season"): FULL,
    ("catalog", "episode"): FULL,
    ("catalog", "genre"): FULL,
    ("catalog", "person"): FULL,
    ("catalog", "credit"): FULL,
    ("catalog", "video"): FULL,
    ("catalog", "rendition"): ("view",),
}


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    codenames = [
        (app_label, f"{action}_{model}")
        for (app_label, model), actions in EDITOR_PERMISSIONS.items()
        for action in actions
    ]
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in codenames
    ]
    group.permissions.set(permissions)


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("catalog", "0002_title_search_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
