"""After-commit callbacks run once the transaction's connection is back in the pool, so a
callback that opens its own connection (an API token's last-used stamp) never waits for
one its own request still holds — with many requests at once, none would get one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import db
from hub.models import ApiToken, Person
from tests.conftest import committed_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from committed_app(tmp_path_factory.mktemp("on-commit"), "on_commit")


def test_callbacks_run_with_the_connection_returned(app):
    engine = app.extensions["hub.db"]["engine"]
    seen = []
    with app.app_context():
        db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar()
        assert engine.pool.checkedout() == 1  # the request's transaction holds one
        db.on_commit(lambda: seen.append(engine.pool.checkedout()))
        db.session.commit()
    assert seen == [0]


def test_rolled_back_work_runs_no_callback(app):
    seen = []
    with app.app_context():
        db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar()
        db.on_commit(lambda: seen.append("ran"))
        db.session.rollback()
        db.session.commit()
    assert seen == []


def test_a_rolled_back_savepoint_drops_its_callbacks_and_keeps_the_others(app):
    seen = []
    with app.app_context():
        db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar()
        db.on_commit(lambda: seen.append("before"))
        with pytest.raises(RuntimeError), db.session.begin_nested():
            db.on_commit(lambda: seen.append("in the failed savepoint"))
            with db.session.begin_nested():
                db.on_commit(lambda: seen.append("nested in the failed savepoint"))
            raise RuntimeError("the savepoint's work fails")
        with db.session.begin_nested():
            db.on_commit(lambda: seen.append("in a released savepoint"))
        db.on_commit(lambda: seen.append("after"))
        db.session.commit()
    assert seen == ["before", "in a released savepoint", "after"]


def test_a_released_savepoint_in_a_transaction_that_rolls_back_runs_nothing(app):
    seen = []
    with app.app_context():
        db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar()
        db.on_commit(lambda: seen.append("before the savepoint"))
        with db.session.begin_nested():
            db.on_commit(lambda: seen.append("in the savepoint"))
        db.session.rollback()
        db.session.commit()
    assert seen == []
