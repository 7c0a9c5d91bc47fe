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
