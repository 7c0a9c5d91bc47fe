"""SQLite's transactions begin on the driver's connection (hub.db.make_engine): a read
begins deferred and waits on no writer, a write takes the database lock at its BEGIN, and
a BEGIN that cannot get the lock fails as SQLAlchemy's own OperationalError, as any other
statement would. PostgreSQL begins its own way: these run on SQLite."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from hub import db


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "begin.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield engine, path
    engine.dispose()


def _locked_by_another_writer(path):
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    return other


def test_a_write_takes_the_lock_at_begin_and_a_lock_failure_is_sqlalchemys(sqlite_file):
    engine, path = sqlite_file
    other = _locked_by_another_writer(path)
    try:
        with engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA busy_timeout=0")
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                conn.begin()  # outside a request every transaction is a writer's
    finally:
        other.rollback()
        other.close()
    with engine.begin() as conn:  # the lock released, the engine writes as before
        conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        assert conn.exec_driver_sql("SELECT n FROM t").scalars().all() == [2]


def test_a_read_begins_deferred_and_waits_on_no_writer(sqlite_file, app):
    engine, path = sqlite_file
    other = _locked_by_another_writer(path)
    try:
        with app.test_request_context("/", method="GET"), engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA busy_timeout=0")
            with conn.begin():
                assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0
                assert conn.connection.driver_connection.in_transaction
    finally:
        other.rollback()
        other.close()
