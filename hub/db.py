"""The database: one declarative Base, one engine per app, one session per request."""

from __future__ import annotations

import enum
import gc
import sqlite3
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import MetaData, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement

from hub import dates
from hub import prepared as _prepared

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The one declarative base every model of every package derives from."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time in UTC, naive, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """The app's clock for calendar rules (periods, deadlines, expiry, ledger dates): today
    in the program's zone (HUB_TIMEZONE), so a line booked at 7 pm in Chicago is dated that day."""
    return dates.today(utcnow())


class _SessionProxy:
    """`db.session` — the scoped session of the current app (one per request or thread)."""

    def __getattr__(self, name):
        return getattr(current_app.extensions["hub.db"]["session"], name)

    def __call__(self) -> Session:
        return current_app.extensions["hub.db"]["session"]()


session = _SessionProxy()


def enum_type(kind: type[enum.Enum], length: int = 32) -> sa.Enum:
    """A Python enum stored as its values in a VARCHAR with a CHECK (no native enum types)."""
    return sa.Enum(
        kind,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda k: [m.value for m in k],
    )


def make_engine(url: str, **kwargs) -> sa.Engine:
    """Build an engine with the settings each backend needs to behave under concurrency."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Let the driver leave transactions to us so BEGIN IMMEDIATE can be used.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers queue up on the database lock instead of failing half-way. Sent on
            # the driver's connection itself: every transaction of the process runs it, and
            # it needs none of SQLAlchemy's execution (its context, events, result) — a
            # failure is still raised as SQLAlchemy's own (OperationalError for a lock).
            sql = "BEGIN IMMEDIATE" if _wants_write() else "BEGIN"
            try:
                conn.connection.driver_connection.execute(sql)
            except sqlite3.Error as exc:
                raise sa.exc.DBAPIError.instance(sql, (), exc, sqlite3.Error) from exc

        return engine
    engine = sa.create_engine(url, **{"pool_size": 10, "max_overflow": 20, **kwargs})
    _ping_when_idle(engine)
    return engine


# A pooled connection unused for longer than this is tested (one round trip) before a
# request gets it; one in steady use is not. `pool_pre_ping` tested it at every checkout,
# a round trip on every request — 13 % of the API list's CPU on PostgreSQL. A connection
# the database dropped while it sat idle (a restart, an idle timeout, a failover) is found
# here and replaced before anyone uses it; one broken while in use fails that request,
# and SQLAlchemy, seeing the disconnect, then replaces every connection of the pool.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: sa.Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):
        idle_from = record.info.get("idle_from")
        if idle_from is None or time.monotonic() - idle_from < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                # The pool discards the connection and checks out another.
                raise sa.exc.DisconnectionError("stale pooled connection") from exc
            raise


def _wants_write() -> bool:
    """Whether the transaction about to start may write (SQLite then takes the lock at once).

    Reads (GET/HEAD) begin deferred so they never wait on writers; everything else —
    form posts, API writes, socket events, CLI commands — begins IMMEDIATE, so two
    writers queue on the lock instead of one failing when it upgrades a stale snapshot.
    """
    if has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"):
        return bool(g.get("hub_write"))
    return True


def init_app(app: Flask, bind=None) -> None:
    """Create the engine and the scoped session; commit or roll back once per request."""
    engine = bind if bind is not None else make_engine(app.config["DATABASE_URL"])
    # Tests bind to a connection inside an outer transaction: commits become savepoints.
    extra = (
        {"join_transaction_mode": "create_savepoint"} if isinstance(engine, sa.Connection) else {}
    )
    factory = sessionmaker(bind=engine, expire_on_commit=False, **extra)
    scoped = scoped_session(factory, scopefunc=_scope)
    app.extensions["hub.db"] = {"engine": engine, "session": scoped, "factory": factory}

    @app.after_request
    def _commit(response):
        # The single transaction boundary of a request: services only add and flush.
        if g.get("hub_rollback"):
            scoped.rollback()
        else:
            scoped.commit()
        return response

    @app.teardown_appcontext
    def _remove(exc):
        if exc is not None:
            scoped.rollback()
        scoped.remove()


def _scope():
    """One session per app context (a request, a socket event, a CLI command, a thread)."""
    try:
        return id(g._get_current_object())
    except RuntimeError:
        return None


def become_writer() -> None:
    """Let a read request (GET) write from here on: its next transaction begins as a writer
    (BEGIN IMMEDIATE on SQLite) instead of upgrading a read snapshot, which SQLite refuses
    when another writer got in between. The read-only transaction so far is ended; it must
    hold no pending change, so nothing is ever committed half-way through a request."""
    sess = session()
    if sess.new or sess.dirty or sess.deleted:
        raise RuntimeError(
            "become_writer() is for reads that are about to write, not after a write"
        )
    sess.commit()
    g.hub_write = True


def rollback_request() -> None:
    """Discard this request's writes (used by error handlers)."""
    session.rollback()
    g.hub_rollback = True


def engine() -> sa.Engine:
    """The current app's engine (a connection in rolled-back tests)."""
    return current_app.extensions["hub.db"]["engine"]


def on_commit(callback) -> None:
    """Run callback once the current transaction has committed (e.g. socket pushes, mail).

    Nothing is pushed for work that is rolled back, so no one is told about a change
    that did not happen — also when only a savepoint (`begin_nested`) around that work
    rolls back and the rest of the transaction commits.
    """
    sess = session()
    sess.info.setdefault("on_commit", []).append((sess.get_nested_transaction(), callback))


def prepared(stmt):
    """Mark a read built once — at import, or once per shape of filters by a
    `functools.cache` builder — to run prepared by `read`: compiled once per database and
    executed on the driver's cursor (hub.prepared). Returns the statement itself. Never
    for a statement built per call: each would be kept, and compiled at its first read."""
    return _prepared.mark(stmt)


def read(stmt, params: dict | None = None) -> sa.Result:
    """Run a read that loads no ORM objects — counts, columns, rows a page only shows — on
    the session's own connection and transaction, without the ORM's per-statement work
    (its execution context, result wrapping, identity map): for the hottest reads, with
    a statement built once at import, marked `prepared` (docs/performance.md). Pending
    changes are flushed first, as the session's autoflush would."""
    conn, plan = _planned(stmt)
    if plan is None:
        return conn.execute(stmt, params or {})
    return plan.run(conn, params or {})


def read_tuples(stmt, params: dict | None = None) -> list[tuple]:
    """`read`'s rows as plain tuples, for a page that unpacks many rows into its own
    objects: a prepared read makes no SQLAlchemy `Row` for them (each value still through
    its column's result processor, where it has one)."""
    conn, plan = _planned(stmt)
    if plan is None:
        return [tuple(row) for row in conn.execute(stmt, params or {})]
    return plan.tuples(conn, params or {})


def _planned(stmt) -> tuple[sa.Connection, object]:
    """The transaction's connection (pending changes flushed first, as the session's
    autoflush would) and the statement's prepared plan on it (None: run the usual way)."""
    sess = session()
    sess.flush()
    conn = _connection(sess)
    return conn, _prepared.plan_for(stmt, conn.dialect)


_CONNECTION = "hub.connection"


def _connection(sess: Session) -> sa.Connection:
    """The connection of the session's transaction, as `sess.connection()` — kept for the
    transaction (forgotten when it ends), since asking the session again for each read
    of a page costs more than some of the reads."""
    conn = sess.info.get(_CONNECTION)
    if conn is None:
        conn = sess.info[_CONNECTION] = sess.connection()
    return conn


_MEMO = "hub.memo"


def memo(key: str, load):
    """`load()` once per database session — per request, socket event or job — for what
    nearly every page reads (the program's settings, the co-op program): the first call
    loads it, the others of the same session get the same object.

    Never shared: a session belongs to one request (one person) and is gone after it. Never
    stale within it: the memo is forgotten at every flush that writes something, and at
    the end of every transaction (commit, rollback, close), so a request that changes what
    was read reads it again.
    """
    sess = session()
    sess.flush()  # as a query's autoflush would: a pending change forgets the memo
    memos = sess.info.setdefault(_MEMO, {})
    try:
        return memos[key]
    except KeyError:
        value = memos[key] = load()
        return value


def forget_memo() -> None:
    """Forget this session's memo now: for writes the ORM's flush does not see (the bulk
    writes of hub.bulk, run on the connection)."""
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_flush")
def _forget_memo(sess, _flush_context):
    sess.info.pop(_MEMO, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_memo_at_the_end(sess, transaction):
    if transaction.parent is None:  # committed, rolled back or closed: read afresh next time
        sess.info.pop(_MEMO, None)
        sess.info.pop(_CONNECTION, None)


def _inside(transaction, outer) -> bool:
    """Whether transaction is outer or nested somewhere within it."""
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _committed(sess):
    # Not run yet: after_commit fires while the session still holds its connection, and
    # a callback that opens its own (a token's last-used stamp) would then need a second
    # one — under load every request waits for a connection that none can give back.
    if sess.get_nested_transaction() is not None:
        return  # a savepoint was released: its work waits for the transaction around it
    callbacks = [callback for _savepoint, callback in sess.info.pop("on_commit", [])]
    if callbacks:
        sess.info.setdefault("committed", []).extend(callbacks)


@event.listens_for(Session, "after_transaction_end")
def _run_on_commit(sess, transaction):
    """Run the callbacks of a committed transaction once its connection is back in the pool."""
    if transaction.parent is None and not transaction.nested:
        for callback in sess.info.pop("committed", []):
            callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_commit(sess, previous_transaction):
    if not sess.in_transaction():
        sess.info.pop("on_commit", None)
        sess.info.pop(_STAGED, None)
    elif previous_transaction.nested:  # a savepoint rolled back: drop what it asked for
        lists = [sess.info.get("on_commit", []), *sess.info.get(_STAGED, {}).values()]
        for pending in lists:  # (savepoint, what) pairs: on_commit's callbacks, staged items
            pending[:] = [(t, x) for t, x in pending if not _inside(t, previous_transaction)]


# --- Writes staged until the transaction commits ------------------------------------------

_STAGED = "hub.staged"


def stage(write, item) -> None:
    """Stage `item` for `write(session, items)` (one call per `write`, with every item
    staged for it in this transaction, in order), run as the last work of the transaction:
    just before it commits, or earlier when `write_staged(write)` is called (before
    reading what it writes).

    For rows many transactions would otherwise lock in the middle of their work (a
    program-wide sum moved with every account's ledger): staged, each transaction locks
    them only as it ends, holding nothing else it still waits for — no deadlock with locks
    it takes later. Items staged inside a savepoint that rolls back are dropped with it,
    and everything is dropped when the transaction rolls back."""
    sess = session()
    staged = sess.info.setdefault(_STAGED, {})  # write → [(savepoint, item)]
    staged.setdefault(write, []).append((sess.get_nested_transaction(), item))


def write_staged(write) -> None:
    """Run `write` now with what is staged for it (nothing when none is)."""
    sess = session()
    _run_staged(sess, write, sess.info.get(_STAGED, {}).pop(write, []))


def write_all_staged(sess=None) -> None:
    """Run every staged write of the session now (at commit; and in tests, where a request
    reads on the test's own connection what the test wrote but never committed)."""
    sess = sess or session()
    for write, pairs in sess.info.pop(_STAGED, {}).items():
        _run_staged(sess, write, pairs)


def _run_staged(sess, write, pairs) -> None:
    if pairs:
        write(sess, [item for _savepoint, item in pairs])


@event.listens_for(Session, "before_commit")
def _write_staged_before_commit(sess):
    if sess.get_nested_transaction() is not None:
        return  # a savepoint is released: its items wait for the transaction around it
    write_all_staged(sess)


@contextmanager
def collector_paused():
    """Bulk work (an import batch) without Python's cyclic garbage collector: a batch makes
    a hundred thousand short-lived objects, all freed by reference counting, and the
    collector's passes over them cost a fifth of the batch (docs/performance.md). The
    collector runs again as soon as the block ends, whatever happens in it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def among(column, values) -> sa.ColumnElement[bool]:
    """`column IN values` with one parameter however many values — on PostgreSQL as
    `column = ANY(array)`, on SQLite as `column IN (SELECT value FROM json_each(text))`
    (still a lookup of the column's index per value): the statement stays the same for 10
    or 5,000 ids, with no list for SQLAlchemy to coerce and expand value by value and the
    database to parse, for the bulk paths that look up thousands of rows. Values are ids
    and plain text."""
    values = list(values)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=sa.ARRAY(column.type)))
    if dialect == "sqlite":
        import json

        listed = sa.func.json_each(sa.bindparam(None, json.dumps(values), type_=sa.String))
        return column.in_(sa.select(listed.table_valued("value").c.value))
    return column.in_(values)


def like_literal(text: str, escape: str) -> str:
    """`text` for a LIKE pattern whose escape character is `escape`: the wildcards % and _
    (and the escape character itself) taken literally — what SQLAlchemy's `autoescape`
    writes, for prebuilt statements that take the pattern as a parameter."""
    for char in (escape, "%", "_"):
        text = text.replace(char, escape + char)
    return text


def per_database(name: str, doc: str, anywhere, postgresql, type_=None):
    """A SQL element written `anywhere(*args)` (SQLite) and `postgresql(*args)` on
    PostgreSQL — compiled per database, its statements cached like any other: for the few
    places where the two databases need different SQL for the same meaning."""
    element = type(
        name,
        (FunctionElement,),
        {"__doc__": doc, "type": type_, "name": name, "inherit_cache": True},
    )

    @compiles(element)
    def _anywhere(element, compiler, **kw):
        return compiler.process(anywhere(*element.clauses), **kw)

    @compiles(element, "postgresql")
    def _postgresql(element, compiler, **kw):
        return compiler.process(postgresql(*element.clauses), **kw)

    return element


code_point_order = per_database(
    "code_point_order",
    """A text column compared character by character, in code-point order, whatever the
    database's collation: `column COLLATE "C"` on PostgreSQL (a database created with a
    language collation such as en_US ignores punctuation at first, so "/1/40/" would sort
    between "/1/4/" and "/1/5/"), the column as it is on SQLite (BINARY already). For range
    conditions over materialised paths; on PostgreSQL `ix_organization_path_c` indexes
    organisation paths so.""",
    lambda column: column,
    lambda column: column.collate("C"),
    sa.String(),
)


# How many rows ANALYZE reads per index on SQLite (its `analysis_limit`): statistics close
# enough for the planner's choices, in milliseconds however large the ledger grows.
ANALYSIS_LIMIT = 1000


def refresh_statistics() -> str:
    """Give SQLite's query planner the tables' statistics, in the session's transaction.

    SQLite keeps none by itself (PostgreSQL's autovacuum does, so there this does nothing).
    Without them it guesses, and at OEM scale it guessed badly: the co-op overview's page
    of partners read the program's expiring buckets by their date index once per account
    — 1.0–1.6 s a request with 2,000 partners, 9 ms with statistics (docs/performance.md,
    "Session 13"). Run by the tick (`hub.database-statistics`) and after a purchase import;
    bounded by ANALYSIS_LIMIT, so it costs ~10 ms on a large database. Other connections
    plan with the new statistics at their next statement."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return "statistics kept by the database"
    connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    connection.exec_driver_sql("ANALYZE")
    return "statistics refreshed"
