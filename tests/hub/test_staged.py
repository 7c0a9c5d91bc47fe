"""Writes staged until the transaction commits (`db.stage`): run once, as its last work,
with what was staged in order — none of what a rolled-back transaction or savepoint
staged — or earlier when asked to (`db.write_staged`), and then not again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import db
from hub.models import Person
from tests.conftest import committed_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from committed_app(tmp_path_factory.mktemp("staged"), "staged")


class Recorder:
    """A staged write that records what it was given, and whether the transaction was
    still open (it must run inside it, before COMMIT)."""

    def __init__(self):
        self.calls: list[list] = []

    def __call__(self, sess, items):
        assert sess.in_transaction()
        self.calls.append(items)


def _begin():
    db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar()


def test_staged_items_are_written_once_in_order_just_before_commit(app):
    write = Recorder()
    with app.app_context():
        _begin()
        db.stage(write, "a")
        db.stage(write, "b")
        assert write.calls == []  # not yet
        db.session.commit()
        assert write.calls == [["a", "b"]]
        db.session.commit()  # a later transaction has nothing staged
    assert write.calls == [["a", "b"]]


def test_a_rolled_back_transaction_writes_nothing_it_staged(app):
    write = Recorder()
    with app.app_context():
        _begin()
        db.stage(write, "lost")
        db.session.rollback()
        _begin()
        db.stage(write, "kept")
        db.session.commit()
    assert write.calls == [["kept"]]


def test_a_rolled_back_savepoint_drops_what_it_staged_and_a_released_one_keeps_it(app):
    write = Recorder()
    with app.app_context():
        _begin()
        db.stage(write, "before")
        with pytest.raises(RuntimeError), db.session.begin_nested():
            db.stage(write, "in the failed savepoint")
            with db.session.begin_nested():
                db.stage(write, "nested in the failed savepoint")
            raise RuntimeError("the savepoint's work fails")
        with db.session.begin_nested():
            db.stage(write, "in a released savepoint")
        assert write.calls == []  # a savepoint's release is no commit
        db.stage(write, "after")
        db.session.commit()
    assert write.calls == [["before", "in a released savepoint", "after"]]


def test_written_early_when_asked_and_not_again_at_commit(app):
    write, other = Recorder(), Recorder()
    with app.app_context():
        _begin()
        db.stage(write, 1)
        db.stage(other, "x")
        db.write_staged(write)  # before reading what it writes
        assert write.calls == [[1]] and other.calls == []
        db.stage(write, 2)
        db.session.commit()
    assert write.calls == [[1], [2]] and other.calls == [["x"]]
