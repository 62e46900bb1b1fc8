"""Inserting many rows in few statements, for the imports whose budgets `QuerySet.bulk_create` cannot meet.

    pks = insert_rows(Learner, fields, rows, returning=True)   # rows: one sequence of Python values per row
    update_rows(Learner, fields, [(pk, values), …])             # each row to its own new values

`bulk_create` compiles every value through five layers of the ORM (pre-save, expression checks, placeholder,
preparation, assembly): for the MIS import (a learner, its history row and its ledger entry per row of a
file of up to 20,000 rows) that was most of the time measured. Here each value is prepared once with the
field's own `get_db_prep_save` (skipped for a str, int or bool going into a plain text, integer or
boolean column, which it would hand over unchanged), so what reaches the database is exactly what
`bulk_create` would send, and the SQL is built once per chunk size:

- PostgreSQL: one statement per 5,000 rows, `INSERT … SELECT * FROM UNNEST(%s::type[], …)`, each column
  passed as one array (Django 5.2's own bulk_create strategy; RETURNING gives the ids in the rows' order);
- SQLite (and anything else): multi-row `VALUES` chunked to the backend's parameter limit.

No signals are sent and no model methods run (as with `bulk_create`): callers set defaults and
auto-now values on their objects first. Errors are the database's own (`IntegrityError` and the like).
"""

from collections.abc import Sequence

from django.db import connections, models

PG_CHUNK = 5000

# Exact field classes whose get_db_prep_save returns a value of this Python type unchanged (subclasses,
# which may convert, are not listed and go through get_db_prep_save).
_PASSED_AS_IS = {
    models.CharField: str, models.EmailField: str, models.TextField: str, models.BooleanField: bool,
    models.IntegerField: int, models.BigIntegerField: int, models.SmallIntegerField: int,
    models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int,
    models.AutoField: int, models.BigAutoField: int,
}


def _preparer(field: models.Field, connection):
    """field.get_db_prep_save for one column, without the call where it would change nothing."""
    prepare = field.get_db_prep_save
    kind = _PASSED_AS_IS.get(type(field.target_field if field.is_relation else field))
    if kind is None:
        return lambda value: prepare(value, connection)
    return lambda value: value if value is None or type(value) is kind else prepare(value, connection)


def _unnest_type(field: models.Field, connection) -> str | None:
    """The array element type for a column, or None where UNNEST cannot carry it (Django's own rules)."""
    if hasattr(field, "get_placeholder"):
        return None
    internal = (field.target_field if field.is_relation else field).get_internal_type()
    if internal not in connection.data_types:
        return None
    return field.db_type(connection).split("(")[0]  # varchar, not varchar(30): no truncation on the way in


def insert_rows(
    model: type[models.Model], fields: Sequence[models.Field], rows: Sequence[Sequence], *,
    using: str = "default", returning: bool = False,
) -> list | None:
    """INSERT `rows` (values in the order of `fields`) into the model's table; the new primary keys, in
    the rows' order, when `returning`."""
    if not rows:
        return [] if returning else None
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    suffix = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""
    preparers = [_preparer(f, connection) for f in fields]
    prepared = [[prepare(value) for prepare, value in zip(preparers, row, strict=True)] for row in rows]
    pks: list = []

    types = [_unnest_type(f, connection) for f in fields] if connection.vendor == "postgresql" else []
    with connection.cursor() as cursor:
        if types and all(types):
            arrays = ", ".join(f"(%s)::{t}[]" for t in types)
            sql = f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays}){suffix}"  # noqa: S608 (identifiers from the model)
            for start in range(0, len(prepared), PG_CHUNK):
                cursor.execute(sql, [list(column) for column in zip(*prepared[start:start + PG_CHUNK], strict=True)])
                if returning:
                    pks.extend(pk for (pk,) in cursor.fetchall())
        else:
            limit = connection.features.max_query_params or 65535
            chunk = max(1, limit // len(fields))
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            statements: dict[int, str] = {}
            for start in range(0, len(prepared), chunk):
                part = prepared[start:start + chunk]
                if len(part) not in statements:
                    statements[len(part)] = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(part))}{suffix}"  # noqa: S608
                cursor.execute(statements[len(part)], [value for row in part for value in row])
                if returning:
                    pks.extend(pk for (pk,) in cursor.fetchall())
    return pks if returning else None


def update_rows(
    model: type[models.Model], fields: Sequence[models.Field], rows: Sequence[tuple[object, Sequence]], *,
    using: str = "default",
) -> None:
    """UPDATE each row (pk, values in the order of `fields`) to its own values, in few statements:
    PostgreSQL joins the table to UNNEST arrays (one statement per 5,000 rows); SQLite runs one
    prepared `UPDATE … WHERE pk = %s` per row in a single executemany."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = model._meta.pk
    preparers = [_preparer(f, connection) for f in (pk, *fields)]
    prepared = [[prepare(value) for prepare, value in zip(preparers, (key, *values), strict=True)] for key, values in rows]
    types = [_unnest_type(f, connection) for f in (pk, *fields)] if connection.vendor == "postgresql" else []
    with connection.cursor() as cursor:
        if types and all(types):
            names = [f"c{i}" for i in range(len(types))]  # v.c0 is the key, v.c1… the new values
            arrays = ", ".join(f"(%s)::{t}[]" for t in types)
            assignments = ", ".join(f"{quote(f.column)} = v.{name}" for f, name in zip(fields, names[1:], strict=True))
            sql = (f"UPDATE {table} SET {assignments} FROM UNNEST({arrays}) AS v({', '.join(names)}) "  # noqa: S608
                   f"WHERE {table}.{quote(pk.column)} = v.c0")
            for start in range(0, len(prepared), PG_CHUNK):
                cursor.execute(sql, [list(column) for column in zip(*prepared[start:start + PG_CHUNK], strict=True)])
        else:
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            sql = f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
            cursor.executemany(sql, [[*values, key] for key, *values in prepared])
