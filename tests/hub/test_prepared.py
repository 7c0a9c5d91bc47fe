"""Prepared reads (hub.prepared, `db.prepared` + `db.read`) answer exactly what SQLAlchemy's
own execution of the same statement answers — rows, types, keys, errors — on this
database, and every statement the hub marks is prepared on it."""

from __future__ import annotations

import itertools
import sys
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from campaigns.coop import partners
from feedback.ideas.triage import _board_statements
from hub import db, prepared
from hub.directory.api import _list_statement
from hub.directory.queries import _search_statements
from hub.models import Organization, OrgKind, Person, Role

_PARENT = aliased(Organization, name="parent")
# Each kind of value a page reads: enums (a bind and a fixed IN list of them), a Decimal,
# a date and a datetime, a boolean, a NULL, an outer join, two columns both called "id".
_PEOPLE = db.prepared(
    sa.select(
        Person.id,
        Organization.id,
        Person.name,
        Person.role,
        Person.active,
        Person.created_at,
        Person.last_login_at,
        Organization.kind,
        _PARENT.name.label("parent_name"),
        sa.bindparam("amount", type_=sa.Numeric(12, 2)).label("amount"),
        sa.bindparam("on", type_=sa.Date).label("on"),
    )
    .join(Organization, Organization.id == Person.organization_id)
    .outerjoin(_PARENT, _PARENT.id == Organization.parent_id)
    .where(
        Person.role.in_([Role.DEALER_MARKETER, Role.PARTNER_STAFF, Role.PARTNER_ADMIN]),
        Organization.kind != sa.bindparam("not_kind"),
        Person.created_at < sa.bindparam("before"),
    )
    .order_by(Person.id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)
_COUNT = db.prepared(sa.select(sa.func.count()).select_from(Person))
_MISSING = db.prepared(sa.select(sa.column("x")).select_from(sa.table("no_such_table")))
PARAMS = {
    "amount": Decimal("1234.50"),
    "on": date(2026, 12, 31),
    "not_kind": OrgKind.OEM,
    "before": datetime(2999, 1, 1),
    "limit": 50,
}


def _usual(stmt, params):
    """The statement run SQLAlchemy's way, on the session's connection."""
    return db.session.connection().execute(stmt, params)


def test_every_marked_statement_is_prepared_on_this_database(app):
    # The statements built once per shape of filters, on first use: every shape.
    for combination in itertools.product((False, True), repeat=4):
        _search_statements(*combination)
    for combination in itertools.product((False, True), repeat=6):
        _list_statement(*combination)
    for active, line, status, tag in itertools.product((False, True), repeat=4):
        for sort in ("votes", "newest", ""):
            _board_statements(active, line, status, sort, tag)
    for paths, *flags in itertools.product((0, 1, 2), *[(False, True)] * 4):
        shape = (paths, *flags)
        for sort, limited in itertools.product(partners.SORTS, (False, True)):
            partners._page_statement(shape, sort, limited)
        partners._beside_cached(
            partners._totals_statement(shape), partners._periods_statement(shape)
        )
    partners._beside_cached(
        partners._totals_statement((0,) + (False,) * 4), partners._periods_statement(None)
    )
    dialect = db.session.connection().dialect
    names = _marked_names()
    not_prepared = {
        names.get(id(stmt), repr(stmt))
        for stmt, _plans in list(prepared._MARKED.values())
        if prepared.Plan.compile(stmt, dialect) is None
    }
    # What cannot be prepared (no result columns, a callable default, escaped parameter
    # names) must not be marked: it would run the usual way without anyone knowing.
    assert not_prepared == set()


def _marked_names() -> dict[int, str]:
    """Module-level names of the marked statements, by id (for a readable failure)."""
    found = {}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in {"hub", "campaigns", "feedback", "learning"}:
            continue
        for attr, value in vars(module).items():
            if id(value) in prepared._MARKED:
                found[id(value)] = f"{name}.{attr}"
    return found


def test_rows_types_and_keys_are_sqlalchemys(app, channel):
    usual = _usual(_PEOPLE, PARAMS)
    expected_keys, expected = list(usual.keys()), usual.all()
    result = db.read(_PEOPLE, PARAMS)
    assert list(result.keys()) == expected_keys
    rows = result.all()
    assert len(rows) >= 3  # the channel's marketer, staff and partner admin
    assert rows == expected
    for row, want in zip(rows, expected, strict=True):
        assert [type(v) for v in row] == [type(v) for v in want]
    first = rows[0]
    assert isinstance(first.role, Role) and isinstance(first.kind, OrgKind)
    assert first.amount == Decimal("1234.50") and isinstance(first.amount, Decimal)
    assert first.on == date(2026, 12, 31) and isinstance(first.created_at, datetime)
    assert first.active is True and first.last_login_at is None
    assert {r.role for r in rows} <= {
        Role.DEALER_MARKETER,
        Role.PARTNER_STAFF,
        Role.PARTNER_ADMIN,
    }
    # By Column, as SQLAlchemy's rows allow, and by the name SQLAlchemy gives the second
    # of two columns called "id"; a column the statement lacks is not there, as there.
    name, kind = Person.__table__.c.name, Organization.__table__.c.kind
    for row in (first, expected[0]):
        assert row._mapping[name] == expected[0].name
        assert row._mapping[kind] == expected[0].kind
        assert (row.id, row.id_1) == (expected[0].id, expected[0].id_1)  # two "id" columns
        with pytest.raises(sa.exc.NoSuchColumnError):
            _ = row._mapping[Person.__table__.c.email]


def test_result_methods_behave_as_sqlalchemys(app, channel):
    assert db.read(_COUNT).scalar_one() == _usual(_COUNT, {}).scalar_one() > 0
    params = {**PARAMS, "limit": 2}
    assert db.read(_PEOPLE, params).scalars().all() == _usual(_PEOPLE, params).scalars().all()
    assert db.read(_PEOPLE, params).mappings().all() == _usual(_PEOPLE, params).mappings().all()
    assert db.read(_PEOPLE, params).first() == _usual(_PEOPLE, params).first()
    assert len(list(db.read(_PEOPLE, params))) == 2


def test_statement_listeners_see_each_prepared_read(app, channel, statements):
    with statements:
        db.read(_COUNT).scalar_one()
        db.read(_PEOPLE, PARAMS).all()
    assert len(statements.statements) == 2
    assert "count(*)" in statements.statements[0].lower()


def test_a_missing_parameter_is_refused(app):
    params = {k: v for k, v in PARAMS.items() if k != "before"}
    with pytest.raises(sa.exc.ArgumentError, match="before"):
        db.read(_PEOPLE, params)


def test_a_driver_error_is_sqlalchemys_and_the_session_recovers(app, channel):
    with db.session.begin_nested():
        pass
    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError) as raised:
        db.read(_MISSING).all()
    assert "no_such_table" in str(raised.value)
    savepoint.rollback()
    assert db.read(_COUNT).scalar_one() > 0


def test_pending_changes_are_flushed_first(app, channel):
    before = db.read(_COUNT).scalar_one()
    db.session.add(
        Person(
            email="new.person@example.com",
            name="New Person",
            role=Role.PARTNER_STAFF,
            organization=channel.dealer,
        )
    )
    assert db.read(_COUNT).scalar_one() == before + 1


def test_an_unmarked_statement_runs_the_usual_way(app, channel):
    stmt = sa.select(sa.func.count()).select_from(Person)  # built per call: never prepared
    assert prepared.plan_for(stmt, db.session.connection().dialect) is None
    assert db.read(stmt).scalar_one() == db.read(_COUNT).scalar_one()


_SAME_LABEL = db.prepared(
    sa.select(Person.name.label("n"), Organization.name.label("n"))
    .join(Organization, Organization.id == Person.organization_id)
    .order_by(Person.id)
    .limit(1)
)


def test_a_name_two_columns_share_is_ambiguous_as_in_sqlalchemy(app, channel):
    for row in (db.read(_SAME_LABEL).one(), _usual(_SAME_LABEL, {}).one()):
        assert len(row) == 2
        with pytest.raises(sa.exc.InvalidRequestError, match=r"[Aa]mbiguous"):
            _ = row.n


# IN lists given per call: ids, and enums (each item through its type's bind processor),
# beside a list fixed when the statement was built.
_BY_IDS = db.prepared(
    sa.select(Person.id, Person.role)
    .where(
        Person.id.in_(sa.bindparam("ids", expanding=True)),
        Person.role.in_(sa.bindparam("roles", expanding=True)),
        Person.role != Role.PROGRAM_ADMIN,
    )
    .order_by(Person.id)
)


def test_in_lists_given_per_call_are_prepared_per_length(app, channel):
    people = channel.people
    everyone = [people[r].id for r in ("dealer_marketer", "partner_staff", "partner_admin")]
    roles = [Role.DEALER_MARKETER, Role.PARTNER_STAFF]
    for ids in ([], everyone[:1], everyone, set(everyone), (i for i in everyone)):
        given = ids if isinstance(ids, list | set) else list(ids)  # a generator, once
        expected = _usual(_BY_IDS, {"ids": list(given), "roles": roles}).all()
        assert db.read(_BY_IDS, {"ids": given, "roles": roles}).all() == expected
    assert len(expected) == 2 and {r.role for r in expected} == set(roles)
    plans = prepared.plan_for(_BY_IDS, db.session.connection().dialect).plans
    assert set(plans) == {(0, 2), (1, 2), (3, 2)}  # one plan per lengths (ids, roles)
    with pytest.raises(sa.exc.ArgumentError, match="roles"):
        db.read(_BY_IDS, {"ids": everyone})


# A value written into the SQL when it runs (literal_execute, as the co-op's expiring
# window's dates are, for PostgreSQL's plans): a plan per value.
_AFTER = db.prepared(
    sa.select(Person.id)
    .where(Person.id > sa.bindparam("after", type_=sa.Integer, literal_execute=True))
    .order_by(Person.id)
)


def test_literal_execute_values_are_prepared_per_value(app, channel):
    ids = sorted(p.id for p in channel.people.values())
    for after in (0, ids[2], ids[2], ids[-1]):
        expected = _usual(_AFTER, {"after": after}).scalars().all()
        assert db.read(_AFTER, {"after": after}).scalars().all() == expected
        assert all(i > after for i in expected)
    plan = prepared.plan_for(_AFTER, db.session.connection().dialect)
    assert set(plan.plans) == {(0,), (ids[2],), (ids[-1],)}
    assert str(ids[2]) in plan.plans[(ids[2],)].sql  # written in, not a parameter


def test_read_tuples_gives_the_rows_values_as_plain_tuples(app, channel):
    """`db.read_tuples`: the same values as SQLAlchemy's rows (each through its column's
    result processor: enums, datetimes, Decimals), as tuples; an IN list given per call
    and an unmarked statement too."""
    expected = [tuple(row) for row in _usual(_PEOPLE, PARAMS)]
    rows = db.read_tuples(_PEOPLE, PARAMS)
    assert rows == expected and len(rows) >= 3
    assert all(type(row) is tuple for row in rows)
    for row, want in zip(rows, expected, strict=True):
        assert [type(v) for v in row] == [type(v) for v in want]
    assert isinstance(rows[0][3], Role) and isinstance(rows[0][7], OrgKind)
    assert isinstance(rows[0][9], Decimal)
    people = channel.people
    ids = {people["dealer_marketer"].id, people["partner_staff"].id}
    by_ids = db.read_tuples(_BY_IDS, {"ids": ids, "roles": [Role.PARTNER_STAFF]})
    assert by_ids == [(people["partner_staff"].id, Role.PARTNER_STAFF)]
    assert db.read_tuples(_COUNT) == [(db.read(_COUNT).scalar_one(),)]
    unmarked = sa.select(Person.id, Person.role).where(Person.id == people["partner_staff"].id)
    assert db.read_tuples(unmarked) == [(people["partner_staff"].id, Role.PARTNER_STAFF)]


def test_reads_keep_the_transactions_connection_until_it_ends(app, channel):
    """A read asks the session for its connection once per transaction: the same one
    for every read of it, a new one once the transaction has ended (commit, rollback), so
    a read never runs outside the session's own transaction."""
    sess = db.session()
    db.read(_COUNT).scalar_one()
    kept = sess.info["hub.connection"]
    assert kept is sess.connection()
    db.read_tuples(_COUNT)
    assert sess.info["hub.connection"] is kept
    with sess.begin_nested():  # a savepoint: the same connection
        db.read(_COUNT).scalar_one()
        assert sess.info["hub.connection"] is kept
    sess.commit()  # (a savepoint of the test's transaction: see tests/conftest.py)
    assert "hub.connection" not in sess.info
    db.read(_COUNT).scalar_one()
    assert sess.info["hub.connection"] is sess.connection()
    sess.rollback()
    assert "hub.connection" not in sess.info
