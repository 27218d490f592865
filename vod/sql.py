"""Hand-written SQL for the hottest queries: the account, plan and profile of
every request with a bearer token, and the reads and writes of every playback
start and manifest.

Building an ORM query costs far more than running it: on a 2-core machine a
primary-key read takes about 0.2 ms of CPU to build and compile, against 0.03 ms
to execute. A session start and its master playlist used to run nine of them,
which made most of their cost. The hottest reads therefore run SQL written once
as module constants through a cursor, and everything else keeps the ORM.
``Columns`` writes a model's select list and turns rows back into instances as
the ORM loads them (with the database's converters: SQLite keeps UUIDs as hex
and datetimes as text). The database is chosen by the router, like the ORM
would choose it. The tests run these queries on SQLite and on PostgreSQL.
"""

from django.core.exceptions import ValidationError
from django.db import connections, router


def read_alias(model) -> str:
    """The database a read of ``model`` goes to (a replica, or the primary)."""
    return router.db_for_read(model)


def write_alias(model) -> str:
    """The database a write of ``model`` goes to; it pins the client's reads to
    the primary for a while, like an ORM write (see vod.db_router)."""
    return router.db_for_write(model)


def db_value(model, field_name: str, value, alias: str):
    """``value`` as the database expects it for ``model.field_name``: a UUID is
    a hex string on SQLite, an aware datetime a UTC string there, and so on.

    Raises ``ValueError`` for a value the column cannot hold (an integer out of
    its range, a malformed UUID), which no row can match.
    """
    field = model._meta.get_field(field_name)
    connection = connections[alias]
    try:
        value = field.get_db_prep_value(value, connection)
    except ValidationError as exc:
        raise ValueError(str(exc)) from exc
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{value} is out of range for {field_name}")
    return value


class Columns:
    """Columns of ``model`` (all, or those whose attribute names are given) in
    the model's field order: ``sql`` selects them from ``table``, and
    ``instance`` loads a row of them as the ORM would, the others deferred."""

    def __init__(self, model, table: str, attnames: list[str] | None = None):
        fields = [
            f
            for f in model._meta.concrete_fields
            if attnames is None or f.attname in attnames
        ]
        if attnames is not None and len(fields) != len(attnames):
            raise ValueError(f"not all of {attnames} are columns of {model.__name__}")
        self.model, self.fields = model, fields
        self.attnames = [f.attname for f in fields]
        self.sql = ", ".join(f'{table}."{f.column}"' for f in fields)
        self._converters: dict[str, list] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, alias: str, row):
        connection = connections[alias]
        converters = self._converters.get(alias)
        if converters is None:  # as Django's compiler finds them, once per alias
            # (they are called with this thread's connection, not the one they
            # were found on, as Django's own compiled converters are)
            converters = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                found = connection.ops.get_db_converters(col)
                found += col.get_db_converters(connection)
                if found:
                    converters.append((index, col, found))
            self._converters[alias] = converters
        values = list(row)
        for index, col, functions in converters:
            for convert in functions:
                values[index] = convert(values[index], col, connection)
        return self.model.from_db(alias, self.attnames, values)


def insert(alias: str, instance) -> None:
    """Write a new ``instance`` as ``save()`` would (``pre_save`` fills automatic
    values such as ``auto_now_add``), in one INSERT of every column, but without
    ``save()``'s signals. For models whose primary key is made in Python."""
    model, connection = type(instance), connections[alias]
    fields = model._meta.concrete_fields
    names = ", ".join(f'"{f.column}"' for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    query = f"INSERT INTO {model._meta.db_table} ({names}) VALUES ({placeholders})"  # noqa: S608
    values = [
        f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields
    ]
    execute(alias, query, values)
    instance._state.adding, instance._state.db = False, alias


def fetch_all(alias: str, sql: str, params: list) -> list[tuple]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(alias: str, sql: str, params: list) -> int:
    """Run a write; the number of rows it changed."""
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
