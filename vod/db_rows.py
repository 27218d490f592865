"""For the few hand-written queries of the hot paths: names from the models,
and rows turned into what the ORM would give.

The SQL stays in the selector or service that owns each query. ``sql`` puts the
models' quoted table and column names into it; ``fetch`` and ``execute`` run it; ``converted`` runs Django's own
converters over a row, as ``Manager.raw()`` does for one model, so a read may
join several (SQLite keeps UUIDs as hex, datetimes as text and booleans as
integers).
"""

import functools
import re
import weakref

from django.db import connections


def sql(alias: str, text: str, **models) -> str:
    """``text`` with ``{name}`` replaced by the quoted table of ``models[name]``
    (``AS name``), ``{name.field}`` by that field's quoted column qualified by
    ``name``, and ``{name:field}`` by the column alone (an UPDATE's SET)."""
    return _sql(alias, text, tuple(sorted(models.items())))


@functools.cache
def _sql(alias: str, text: str, models: tuple) -> str:
    quote, by_name = connections[alias].ops.quote_name, dict(models)

    def name(match: re.Match) -> str:
        table, mark, field = match.groups()
        meta = by_name[table]._meta
        if not field:
            return f"{quote(meta.db_table)} AS {table}"
        column = quote(meta.get_field(field).column)
        return f"{table}.{column}" if mark == "." else column

    return re.sub(r"\{(\w+)(?:([.:])(\w+))?\}", name, text)


def fetch(alias: str, query: str, params: list) -> list[tuple]:
    """The rows of a hand-written read on database ``alias``."""
    with connections[alias].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def execute(alias: str, query: str, params: list) -> int:
    """Run a hand-written write on database ``alias``; how many rows it changed."""
    with connections[alias].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.rowcount


def db_value(model, field_name: str, value, alias: str):
    """``value`` as the column of ``model.field_name`` holds it (SQLite keeps
    UUIDs as hex and datetimes as UTC text), for a query's parameters."""
    field = model._meta.get_field(field_name)
    return field.get_db_prep_value(value, connections[alias])


# Per connection (each thread has its own), as a compiled query keeps them.
_found: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _converters(fields: tuple, connection) -> list:
    """[(index, column, converters)] of the fields that have any."""
    known = _found.setdefault(connection, {})
    if fields not in known:
        found = []
        for index, field in enumerate(fields):
            col = field.get_col(field.model._meta.db_table)
            functions = connection.ops.get_db_converters(col)
            functions += col.get_db_converters(connection)
            if functions:
                found.append((index, col, functions))
        known[fields] = found
    return known[fields]


def converted(fields, values, alias: str) -> list:
    """``values`` of ``fields`` (of any models) as the ORM loads them."""
    connection = connections[alias]
    result = list(values)
    for index, col, functions in _converters(tuple(fields), connection):
        for convert in functions:
            result[index] = convert(result[index], col, connection)
    return result


def instance_from_row(model, fields, values, alias: str):
    """An instance of ``model`` loaded from ``values`` of ``fields`` (others
    deferred), as a queryset would load it from database ``alias``."""
    attnames = [field.attname for field in fields]
    return model.from_db(alias, attnames, converted(fields, values, alias))
