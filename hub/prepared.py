"""Prepared reads: a page's hottest statements, compiled once per database and run on the
driver's cursor (`db.prepared`, `db.read`).

SQLAlchemy runs every statement through an execution context: the compiled-cache key,
the parameters processed into a new dict, the result's metadata matched to the cursor's
description, one `fetchone` call per row. On the dealer's dashboard (sixteen statements)
that was a sixth of the page's CPU, beyond the driver's own work (docs/performance.md,
"Prepared reads"). A statement built once at import and marked with `db.prepared(...)` is
compiled once per database by SQLAlchemy's own compiler (the same SQL), and each read then:

* builds the driver's parameters in the compiled order, each given value through its
  type's bind processor (an enum to its value, a date for SQLite), the statement's own
  constants processed once at compile time;
* runs `before_cursor_execute` / `after_cursor_execute` listeners as SQLAlchemy does (the
  statement counters of the tests and the benchmarks see every read);
* executes on the session's own connection (same transaction), fetches every row at once;
* returns a SQLAlchemy `Result` whose rows go through each column's own result processor
  (a Decimal, a datetime, an enum), with the same keys: `.scalar_one()`, `.all()`,
  `.mappings()`, iteration, attribute access behave as before;
* hands a driver error to the connection's own error handling, so it is raised as
  SQLAlchemy's exception (and a dropped connection is recognised as one).

What it skips besides the cost: an engine made with `echo=True` does not log prepared
reads (SQLAlchemy logs from the execution context); the statement listeners see them.

An `IN` list fixed when the statement was built is expanded once, here. What changes the
SQL from one call to the next gets a plan per shape of the call (`PerCall`): an `IN`
list given per call (the ids of a page's rows), by its length; a literal-execute value
(a date written into the SQL so PostgreSQL plans for it, `coop.partners`), by its value.
tests/hub/test_prepared.py
checks that every marked statement prepares on the database under test, and that a
prepared read answers what SQLAlchemy's own execution answers (rows, types, keys,
errors). The compiler's result columns, bind processors and the connection's error
handler are SQLAlchemy 2.0 internals (pyproject pins <2.1); those tests are their guard.
"""

from __future__ import annotations

import weakref

import sqlalchemy as sa
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData

# Statements marked with db.prepared(), by id (each kept alive by its entry): their plan
# per dialect instance (an engine's); None where it cannot be prepared (the usual way).
_MARKED: dict[int, tuple[sa.Executable, weakref.WeakKeyDictionary]] = {}


def mark(stmt):
    """Mark a statement built once at import to be read prepared (returns it)."""
    _MARKED.setdefault(id(stmt), (stmt, weakref.WeakKeyDictionary()))
    return stmt


def plan_for(stmt, dialect) -> Plan | PerCall | None:
    """The plan of a marked statement on this dialect; None when it is not marked or
    cannot be prepared."""
    entry = _MARKED.get(id(stmt))
    if entry is None:
        return None
    plans = entry[1]
    try:
        return plans[dialect]
    except KeyError:
        plan = plans[dialect] = Plan.compile(stmt, dialect)
        return plan


class Plan:
    """One statement compiled for one dialect, ready to run on a connection."""

    __slots__ = ("ambiguous", "binds", "columns", "keys", "metadata", "positional", "sql")

    @classmethod
    def compile(cls, stmt, dialect) -> Plan | PerCall | None:
        """The statement's plan on this dialect; a `PerCall` when its SQL depends on what
        a call gives (IN lists, literal-execute values); None when it cannot be prepared."""
        compiled = stmt.compile(dialect=dialect)
        if (
            not compiled._result_columns
            or compiled.escaped_bind_names
            or any(bind.callable is not None for bind in compiled.bind_names)
        ):
            return None
        lists = sorted(bind.key for bind in compiled.post_compile_params if bind.required)
        literals = sorted(bind.key for bind in compiled.literal_execute_params)
        if lists or literals:
            return PerCall(compiled, lists, literals)
        return cls.expanded(compiled, {}, {})

    @classmethod
    def expanded(cls, compiled, lengths: dict[str, int], literals: dict) -> Plan:
        """The plan of a compiled statement, expanded as SQLAlchemy would at an execution:
        an IN list fixed when the statement was built (statuses, kinds) with its values;
        one given per call (`lengths`: its key and length) as that many parameters, each
        an item of the list given; a literal-execute value (`literals`) written in."""
        sql, order, processors = compiled.string, compiled.positiontup, compiled._bind_processors
        constants: dict = {}
        items: dict[str, tuple[str, int]] = {}  # a parameter: (the list's key, its index)
        if compiled.post_compile_params or literals:
            placeholders: dict = {bind.key: None for bind in compiled.bind_names if bind.required}
            placeholders.update({key: [None] * n for key, n in lengths.items()})
            placeholders.update(literals)
            state = compiled.construct_expanded_state(placeholders)
            sql, order = state.statement, state.positiontup
            processors = {**processors, **state.processors}  # the expanded lists' own
            for name, names in state.parameter_expansion.items():
                if name in lengths:
                    items.update((item, (name, i)) for i, item in enumerate(names))
            own = set(compiled.bind_names.values())
            constants = {
                k: v for k, v in state.parameters.items() if k not in own and k not in items
            }
            if order is None:
                order = list(state.parameters)
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        binds = []
        for name in order if order is not None else by_name:
            process = processors.get(name)
            if name in items:
                key, index = items[name]
                binds.append((name, key, index, True, None, process))
                continue
            bind = by_name.get(name)
            required = bind is not None and bind.required
            value = constants[name] if bind is None else bind.value
            if not required and process is not None:  # a constant: processed once, here
                value = process(value)
            binds.append((name, name, None, required, value, process))
        plan = cls()
        plan.sql = sql
        plan.positional = compiled.positional
        plan.binds = tuple(binds)
        plan.columns = [(entry.type, entry.objects) for entry in compiled._result_columns]
        plan.keys = [entry.keyname for entry in compiled._result_columns]
        seen: set[str] = set()
        plan.ambiguous = frozenset(k for k in plan.keys if k in seen or seen.add(k))
        plan.metadata = None  # made at the first read, from the cursor's column types
        return plan

    def parameters(self, params: dict):
        """The driver's parameters: each given one (or item of a list given) through its
        type's bind processor, the statement's own constants as processed at compile time."""
        values = []
        for _name, key, index, required, value, process in self.binds:
            if key in params:
                value = params[key] if index is None else params[key][index]
                if process is not None:
                    value = process(value)
            elif required:
                raise _missing(key)
            values.append(value)
        if self.positional:
            return tuple(values)
        return {bind[0]: value for bind, value in zip(self.binds, values, strict=True)}

    def run(self, conn: sa.Connection, params: dict) -> IteratorResult:
        """Execute on conn (its transaction): every row fetched, the cursor closed."""
        rows, metadata = self._rows(conn, params)
        return IteratorResult(metadata, iter(rows))

    def tuples(self, conn: sa.Connection, params: dict) -> list[tuple]:
        """As `run`, the rows as plain tuples: the driver's own where no column has a result
        processor, else each value through its column's (no `Row` made for either)."""
        rows, metadata = self._rows(conn, params)
        processors = metadata._processors
        if processors is None:
            return rows
        processed = [(i, p) for i, p in enumerate(processors) if p is not None]
        out = []
        for row in rows:
            values = list(row)
            for i, process in processed:
                values[i] = process(values[i])
            out.append(tuple(values))
        return out

    def _rows(self, conn: sa.Connection, params: dict) -> tuple[list, SimpleResultMetaData]:
        sql, values = self.sql, self.parameters(params)
        dispatch = conn.dispatch
        cursor = conn.connection.cursor()
        try:
            for listener in dispatch.before_cursor_execute:
                listener(conn, cursor, sql, values, None, False)
            cursor.execute(sql, values)
            rows = cursor.fetchall()
            # Read once, for the metadata: psycopg makes a new object per column each time.
            metadata = self.metadata or self._metadata(conn.dialect, cursor.description)
            for listener in dispatch.after_cursor_execute:
                listener(conn, cursor, sql, values, None, False)
        except BaseException as exc:
            # SQLAlchemy's own handling (it closes the cursor): a driver error raised as
            # SQLAlchemy's exception, a disconnect invalidating the connection.
            conn._handle_dbapi_exception(exc, sql, values, cursor, None)
        cursor.close()
        return rows, metadata

    def _metadata(self, dialect, description) -> SimpleResultMetaData:
        # Each column's result processor as SQLAlchemy picks it: by its type, and the type
        # the driver reports (PostgreSQL's numeric or float).
        processors = [
            type_._cached_result_processor(dialect, column[1])
            for (type_, _objects), column in zip(self.columns, description, strict=True)
        ]
        self.metadata = _Metadata(
            self.keys,
            extra=[objects for _type, objects in self.columns],
            _processors=processors if any(processors) else None,
            _ambiguous_keys=self.ambiguous or None,
        )
        return self.metadata


class PerCall:
    """A statement whose SQL depends on what a call gives: an IN list's length (the ids of
    a page's rows), a literal-execute value (a date). A `Plan` for each shape of call,
    made at the first read of that shape; at most `MAX_SHAPES` kept (then started afresh:
    a list's lengths run to a page's size, a date changes once a day)."""

    MAX_SHAPES = 64

    def __init__(self, compiled, lists: list[str], literals: list[str]):
        self.compiled, self.lists, self.literals = compiled, lists, literals
        self.plans: dict[tuple, Plan] = {}

    def run(self, conn: sa.Connection, params: dict) -> IteratorResult:
        plan, params = self._plan(params)
        return plan.run(conn, params)

    def tuples(self, conn: sa.Connection, params: dict) -> list[tuple]:
        plan, params = self._plan(params)
        return plan.tuples(conn, params)

    def _plan(self, params: dict) -> tuple[Plan, dict]:
        """The plan for this call's shape, and its parameters (each list a list)."""
        params = dict(params)
        for key in (*self.lists, *self.literals):
            if key not in params:
                raise _missing(key)
        for key in self.lists:
            if not isinstance(params[key], list | tuple):
                params[key] = list(params[key])  # a set, a generator: in its order
        shape = (*(len(params[key]) for key in self.lists), *(params[k] for k in self.literals))
        plan = self.plans.get(shape)
        if plan is None:
            if len(self.plans) >= self.MAX_SHAPES:
                self.plans.clear()
            lengths = {key: len(params[key]) for key in self.lists}
            literals = {key: params[key] for key in self.literals}
            plan = self.plans[shape] = Plan.expanded(self.compiled, lengths, literals)
        return plan, params


def _missing(key: str) -> sa.exc.ArgumentError:
    return sa.exc.ArgumentError(f"A value is required for bind parameter {key!r}")


class _Metadata(SimpleResultMetaData):
    """A prepared read's keys, answering as a `CursorResult`'s do: a column by its name,
    its label or its Column; a name two columns share is ambiguous (InvalidRequestError),
    a column the statement lacks NoSuchColumnError."""

    def _key_fallback(self, key, err, raiseerr=True):
        if raiseerr:
            raise sa.exc.NoSuchColumnError(f"Could not locate column in row for {key!r}") from err
        return None

    def _raise_for_ambiguous_column_name(self, rec):
        raise sa.exc.InvalidRequestError(
            f"Ambiguous column name {rec[1]!r} in result set column descriptions"
        )
