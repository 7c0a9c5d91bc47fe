"""Bulk writes in the request's transaction, below the ORM: many rows by COPY (PostgreSQL)
or one DBAPI executemany (SQLite), values converted by the columns' own types, and ids
taken before the rows are written — for the co-op ledger, its purchase imports, the audit
trail's batches and the benchmarks' seeds. What the ORM's flush does not see, these tell
the session's memo themselves (`db.forget_memo`)."""

from __future__ import annotations

import enum
import json

import sqlalchemy as sa

from hub import db


def bulk_insert(table: sa.Table, rows: list[dict]) -> None:
    """Many rows into one table in the session's transaction: COPY on PostgreSQL (one
    stream, no statement to build or parse), one DBAPI executemany elsewhere (values turned
    into what the driver takes by the columns' own types, once per value — not SQLAlchemy's
    per-row parameter processing, which costs more than SQLite's insert). Every row has the
    same keys; enums go in by value, dicts and lists as JSON."""
    if not rows:
        return
    columns = list(rows[0])
    insert_rows(table, columns, [[row[c] for c in columns] for row in rows])


def insert_rows(table: sa.Table, columns: list[str], rows: list) -> None:
    """`bulk_insert` of rows given as tuples (or lists) of values in `columns`' order — for
    bulk paths that build their rows straight as tuples, without a dict per row."""
    if not rows:
        return
    connection = db.session.connection()
    db.forget_memo()
    if connection.dialect.name != "postgresql":
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        driver_executemany(
            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
            driver_rows(table, columns, rows),
        )
        return
    json_columns = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.JSON)}
    # Enums go in by value (in any column, as JSON too): the columns typed so, and any other
    # holding one.
    enum_columns = {
        i
        for i, values in enumerate(zip(*rows, strict=True))
        if isinstance(table.c[columns[i]].type, sa.Enum)
        or any(issubclass(kind, enum.Enum) for kind in set(map(type, values)))
    }

    names = ", ".join(f'"{c}"' for c in columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        if not json_columns and not enum_columns:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            row = list(row)
            for i in json_columns:
                if row[i] is not None and not isinstance(row[i], enum.Enum):
                    row[i] = json.dumps(row[i])
            for i in enum_columns:
                if isinstance(row[i], enum.Enum):
                    row[i] = row[i].value
            copy.write_row(row)


def driver_rows(table: sa.Table, columns: list[str], rows) -> list[tuple]:
    """Rows of Python values (in `columns`' order) as the driver takes them, converted by
    each column's own type for this dialect — what SQLAlchemy would send — a column at a
    time, and each distinct value once (a batch repeats its timestamps, days and kinds) — a
    column of mostly distinct values (amounts) converted value by value, without the table
    of distinct ones. Rows may be tuples or lists (the driver takes either)."""
    if not isinstance(rows, list):
        rows = list(rows)
    if not rows:
        return []
    dialect = db.session.connection().dialect
    processors = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
    if not any(processors):
        return rows
    converted = []
    for process, values in zip(processors, zip(*rows, strict=True), strict=True):
        if process is None:
            converted.append(values)
            continue
        try:
            distinct = set(values)
        except TypeError:  # unhashable values (JSON documents): each converted
            converted.append(list(map(process, values)))
            continue
        if 2 * len(distinct) > len(values):
            converted.append(list(map(process, values)))
        else:
            known = dict(zip(distinct, map(process, distinct), strict=True))
            converted.append(list(map(known.__getitem__, values)))
    return list(zip(*converted, strict=True))


def driver_executemany(sql: str, params: list[tuple]) -> int:
    """One executemany of a statement written for the driver (`?` marks), on the session's
    connection and transaction; the number of rows it changed. The engine's events still
    see it (the query-count test counts it)."""
    db.session.flush()
    db.forget_memo()
    if not params:
        return 0
    return db.session.connection().exec_driver_sql(sql, params).rowcount


def next_ids(table: sa.Table, count: int) -> list[int]:
    """`count` ids from the table's id sequence (PostgreSQL), for rows written by COPY whose
    ids are needed before they are written."""
    return list(
        db.session.scalars(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"table": table.name, "count": count},
        )
    )


def new_ids(table: sa.Table, count: int) -> list[int]:
    """`count` ids for rows about to be written in bulk, known before they are written:
    from the id sequence on PostgreSQL (`next_ids`); on SQLite the ids after the table's
    largest — what SQLite itself gives a rowid table without AUTOINCREMENT — which no one
    else can take first, because a writing transaction holds the database's only write lock
    from its BEGIN IMMEDIATE (`make_engine`). A clash would still fail the insert, never
    overwrite."""
    if db.session.get_bind().dialect.name == "postgresql":
        return next_ids(table, count)
    largest = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
    return list(range(largest + 1, largest + 1 + count))
