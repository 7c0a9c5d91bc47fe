"""PostgreSQL's pooled connections: one the database dropped while it sat idle is
replaced before a request uses it; one in steady use is not tested first (no round trip
per request). SQLite has no server to drop a connection: these run on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from hub import db, prepared


@pytest.fixture
def pg_engine(database_url, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL server drops connections; SQLite has none")
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    pings = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection):  # the real ping, counted
        pings.append(1)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    engine.pings = pings
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _terminate(database_url: str, pid: int) -> None:
    other = sa.create_engine(database_url, poolclass=NullPool)
    with other.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar_one()
    other.dispose()


def test_a_connection_in_steady_use_is_not_pinged(pg_engine):
    first = _backend_pid(pg_engine)
    for _ in range(5):
        assert _backend_pid(pg_engine) == first  # the same pooled connection each time
    assert pg_engine.pings == []


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    pg_engine, database_url, monkeypatch
):
    dropped = _backend_pid(pg_engine)
    _terminate(database_url, dropped)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has sat idle long enough
    assert _backend_pid(pg_engine) != dropped  # the caller never sees the dead one
    assert len(pg_engine.pings) == 1


_PID = db.prepared(sa.select(sa.func.pg_backend_pid().label("pid")))


def _prepared_pid(engine) -> int:
    """The backend's pid by a prepared read (hub.prepared: the driver's cursor, with the
    connection's own error handling)."""
    with engine.connect() as conn:
        return prepared.plan_for(_PID, conn.dialect).run(conn, {}).scalar_one()


@pytest.mark.parametrize("backend_pid", [_backend_pid, _prepared_pid], ids=["usual", "prepared"])
def test_without_the_wait_a_dropped_connection_fails_one_use_then_the_pool_recovers(
    pg_engine, database_url, backend_pid
):
    """The trade made for speed: a connection broken in steady use fails the request that
    holds it, and SQLAlchemy then replaces the pool's connections. A prepared read skips
    SQLAlchemy's execution, not its handling of a disconnect: the same happens there."""
    dropped = backend_pid(pg_engine)
    _terminate(database_url, dropped)
    with pytest.raises(sa.exc.OperationalError) as failed:
        backend_pid(pg_engine)
    assert failed.value.connection_invalidated
    assert backend_pid(pg_engine) != dropped
