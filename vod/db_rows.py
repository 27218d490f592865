"""Rows of the few hand-written hot reads, turned into what the ORM would give.

The SQL stays in the selector that owns each read (column and table names from
the models' ``_meta``); this only runs Django's own converters over a row, as
``Manager.raw()`` does for one model, so a read may join several: SQLite keeps
UUIDs as hex, datetimes as text and booleans as integers.
"""

from django.db import connections


def converted(fields, values, alias: str) -> list:
    """``values`` of ``fields`` (of any models) as the ORM loads them."""
    connection = connections[alias]
    result = []
    for field, value in zip(fields, values, strict=True):
        col = field.get_col(field.model._meta.db_table)
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(
            connection
        ):
            value = convert(value, col, connection)
        result.append(value)
    return result


def instance_from_row(model, fields, values, alias: str):
    """An instance of ``model`` loaded from ``values`` of ``fields`` (others
    deferred), as a queryset would load it from database ``alias``."""
    attnames = [field.attname for field in fields]
    return model.from_db(alias, attnames, converted(fields, values, alias))
