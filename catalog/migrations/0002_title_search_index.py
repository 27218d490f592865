"""The GIN index behind title search, on PostgreSQL only.

It is built on the very expression ``catalog.search.title_search_vector`` that
queries use, so PostgreSQL's planner matches the two. Other databases search
without it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from catalog.search import title_search_vector

INDEX_NAME = "catalog_title_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Title = apps.get_model("catalog", "Title")
    schema_editor.add_index(Title, GinIndex(title_search_vector(), name=INDEX_NAME))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Title = apps.get_model("catalog", "Title")
    schema_editor.remove_index(Title, GinIndex(title_search_vector(), name=INDEX_NAME))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
