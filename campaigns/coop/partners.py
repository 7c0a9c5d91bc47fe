"""The program's partner accounts as the OEM sees them, read from the cached balances:
one row per account (`coop_account`) and per bucket (`coop_bucket`), never the entries —
so the overview, its totals and chart, and the money-at-risk panels cost the same with a
thousand entries or a million.

A page of partners is filtered (name, tier, region, distributor), sorted (available,
expiring soon, utilisation, name) and cut by LIMIT/OFFSET in SQL; totals and the
per-period chart are sums over the same filtered accounts — for the whole program (an OEM
viewer, no filter), the program's own period rows (`period_totals`): a row per period.
Scope goes through hub.policy as everywhere else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop import period_totals
from campaigns.coop.balances import BucketBalance
from campaigns.coop.models import CoopAccount, CoopBucket, CoopProgram
from campaigns.coop.money import ZERO, from_cents, positive, sum_cents, whole_cents
from campaigns.coop.periods import period_start
from hub import db, policy
from hub.models import Organization, OrgKind, Person, Tier

EXPIRY_WARNING_DAYS = 60
SORTS = {
    "expiring": "Expiring soon",
    "available": "Available",
    "utilisation": "Utilisation",
    "name": "Name",
}
DISTRIBUTOR_KINDS = (OrgKind.MASTER_DISTRIBUTOR, OrgKind.DISTRIBUTOR)


@dataclass(frozen=True)
class PartnerFilter:
    """What the overview's form asks for; every field optional."""

    q: str = ""
    tier_id: int | None = None
    region: str = ""
    distributor_id: int | None = None
    paths: tuple[str, ...] = ()  # a channel manager's territory (subtrees), when limited to it
    org_ids: object = None  # an id list or a SELECT of ids (a distributor's dealers)


@dataclass(frozen=True)
class PartnerTier:
    name: str


@dataclass(frozen=True)
class Partner:
    """An organisation as the partner lists show it: the columns read, not a loaded object."""

    id: int
    name: str
    kind: OrgKind
    region: str
    tier: PartnerTier | None


@dataclass(frozen=True)
class AccountSummary:
    """One account as lists show it: who, what is available, what expires soon."""

    organization: Partner
    account_id: int | None
    earned: Decimal
    held: Decimal
    reimbursed: Decimal
    expired: Decimal
    available: Decimal
    expiring: Decimal  # free money whose window closes within EXPIRY_WARNING_DAYS
    expiring_on: date | None  # the soonest such date

    @property
    def used(self) -> Decimal:
        return self.reimbursed + self.held

    @property
    def utilisation(self) -> int:
        return int(self.used * 100 / self.earned) if self.earned > 0 else 0


@dataclass(frozen=True)
class Totals:
    """Figures added up over the accounts in scope (and filter)."""

    earned: Decimal
    used: Decimal
    expired: Decimal
    available: Decimal
    expiring: Decimal
    accounts: int = 0
    at_risk: int = 0  # accounts with money expiring soon

    @property
    def utilisation(self) -> int:
        """Per cent of earned money that went into campaigns (reimbursed or held)."""
        return int(self.used * 100 / self.earned) if self.earned else 0


def free_money():
    return CoopBucket.earned - CoopBucket.reimbursed - CoopBucket.expired - CoopBucket.held


# --- Statements ----------------------------------------------------------------------------
# Built once per shape of filter (which fields are set, how many territory paths) and sort,
# with parameters for the values: the overview and the dashboards run them on every
# request (docs/performance.md, "prebuilt statements"). Rows are read with db.read — the
# columns a page shows, not loaded objects.

_LIKE_ESCAPE = "!"


def expiring_buckets():
    """WHERE of the bucket rows whose free money expires within the warning window.

    The window's days are written into the SQL when it runs (`literal_execute`; the
    statement stays compiled and cached): with parameters, PostgreSQL's generic plan —
    chosen once psycopg prepares the statement — guessed a handful of bucket rows for the
    window instead of every account's, and drove a nested loop from them that tested the
    territory's ranges per row (18 ms instead of 1.4 for a channel manager's panel)."""
    return (
        CoopBucket.program_id == sa.bindparam("program_id"),
        CoopBucket.expires_on >= sa.bindparam("on", type_=sa.Date, literal_execute=True),
        CoopBucket.expires_on <= sa.bindparam("until", type_=sa.Date, literal_execute=True),
        positive(free_money()),
    )


def _expiring_of(account_id, value):
    """Correlated to an account: `value` (the free money's sum in cents, or the soonest day)
    over its buckets whose window closes within the warning window — a read of the
    account's few bucket rows by their (account, bucket) key."""
    return (
        sa.select(value)
        .where(CoopBucket.account_id == account_id, *expiring_buckets())
        .scalar_subquery()
    )


def _expiring_cents(account_id):
    return _expiring_of(account_id, sa.func.sum(whole_cents(free_money())))


def _expiring_on(account_id):
    return _expiring_of(account_id, sa.func.min(CoopBucket.expires_on))


def _subtree_range(path: str) -> tuple[str, str]:
    """The bounds of the paths in `path`'s subtree, `path` itself included: every string
    starting with `path` and nothing else lies in [start, end) — `end` is `path` with its
    last character (the closing "/") raised by one, "/1/4/" → "/1/40". A range, unlike a
    LIKE pattern, is read from an index of the paths on both databases; it needs the
    paths compared in code-point order, whatever the database's collation
    (db.code_point_order: SQLite's BINARY; on PostgreSQL COLLATE "C", indexed by
    ix_organization_path_c)."""
    return path, path[:-1] + chr(ord(path[-1]) + 1)


def _shape(filters: PartnerFilter) -> tuple:
    """Which of the filter's fields are set (the values go in as parameters)."""
    return (
        len(filters.paths),
        bool(filters.q.strip()),
        filters.tier_id is not None,
        bool(filters.region),
        filters.distributor_id is not None,
    )


def expiring_params(program: CoopProgram, on: date) -> dict:
    """The parameters of `expiring_buckets()`: the program and the warning window from `on`
    (overview.at_risk_beneath reads a distributor's dealers' expiring money with them too)."""
    return {"program_id": program.id, "on": on, "until": on + timedelta(days=EXPIRY_WARNING_DAYS)}


def _params(program: CoopProgram, on: date, filters: PartnerFilter) -> dict:
    params = expiring_params(program, on) | {
        "tier_id": filters.tier_id,
        "region": filters.region,
        "q": f"%{db.like_literal(filters.q.strip(), _LIKE_ESCAPE)}%",
    }
    for n, path in enumerate(filters.paths):
        params[f"path_{n}"], params[f"path_{n}_end"] = _subtree_range(path)
    if filters.distributor_id is not None:
        distributor = db.session.get(Organization, filters.distributor_id)
        path = distributor.path if distributor is not None else "/none/"
        params["distributor_path"] = db.like_literal(path, _LIKE_ESCAPE) + "%"
    return params


def _filtered(stmt, shape: tuple):
    """The statement limited to the program's accounts matching the filter's shape."""
    paths, q, tier, region, distributor = shape
    stmt = stmt.where(CoopAccount.program_id == sa.bindparam("program_id"))
    if paths:
        # The organisations of each territory path's subtree, read as ranges of
        # ix_organization_path (_subtree_range), and the accounts by organisation id.
        path = db.code_point_order(Organization.path)  # ranges need code-point order
        in_territory = sa.select(Organization.id).where(
            sa.or_(
                *(
                    sa.and_(
                        path >= sa.bindparam(f"path_{n}", type_=sa.String),
                        path < sa.bindparam(f"path_{n}_end", type_=sa.String),
                    )
                    for n in range(paths)
                )
            )
        )
        stmt = stmt.where(CoopAccount.organization_id.in_(in_territory))
    if q:
        pattern = sa.func.lower(sa.bindparam("q", type_=sa.String))
        stmt = stmt.where(sa.func.lower(Organization.name).like(pattern, escape=_LIKE_ESCAPE))
    if tier:
        stmt = stmt.where(Organization.tier_id == sa.bindparam("tier_id"))
    if region:
        stmt = stmt.where(Organization.region == sa.bindparam("region"))
    if distributor:
        like = sa.bindparam("distributor_path", type_=sa.String)
        stmt = stmt.where(Organization.path.like(like, escape=_LIKE_ESCAPE))
    return stmt


def _in_org(stmt):
    return stmt.join(Organization, Organization.id == CoopAccount.organization_id)


def _org_filtered(stmt, shape: tuple):
    """`_filtered`, joining the organisations only when a filter reads their columns (the
    territory's paths match organisation ids in a sub-select of their own)."""
    return _filtered(_in_org(stmt) if any(shape[1:]) else stmt, shape)


def _utilisation():
    used = CoopAccount.reimbursed + CoopAccount.held
    return sa.case((CoopAccount.earned > 0, used * 1.0 / CoopAccount.earned), else_=0)


def _sort_keys(sort: str, expiring) -> list:
    """ORDER BY of a page of accounts (CoopAccount and Organization in its FROM), with
    `expiring` the accounts' expiring money in cents."""
    keys = {
        "available": [CoopAccount.available.desc()],
        "expiring": [sa.func.coalesce(expiring, 0).desc()],
        "utilisation": [_utilisation().asc()],
        "name": [],
    }
    return [*keys[sort], Organization.name, CoopAccount.id]


@functools.cache
def _order_statement(shape: tuple, sort: str, limited: bool):
    """The ids of a page of accounts in the filter, in order: sorted and cut on the
    narrowest rows — the account and its organisation's name and, sorted by expiring, its
    bucket rows closing soon, joined by the (account, bucket) key and summed per account
    (not the program's expiring buckets summed apart and joined back by an index SQLite
    builds on every request). Sorted otherwise, no bucket is read for the accounts that
    are not on the page."""
    stmt = _filtered(
        _in_org(sa.select(CoopAccount.id.label("account_id")).select_from(CoopAccount)), shape
    )
    expiring = None
    if sort == "expiring":
        stmt = stmt.outerjoin(
            CoopBucket, sa.and_(CoopBucket.account_id == CoopAccount.id, *expiring_buckets())
        ).group_by(CoopAccount.id, Organization.name)
        expiring = sa.func.sum(whole_cents(free_money()))
    stmt = stmt.order_by(*_sort_keys(sort, expiring))
    if limited:
        stmt = stmt.limit(sa.bindparam("limit", type_=sa.Integer)).offset(
            sa.bindparam("offset", type_=sa.Integer)
        )
    return stmt


def summary_columns() -> tuple:
    """An AccountSummary's columns of the account, its organisation and tier (`summary_of`
    reads them, then "expiring" and "expiring_on"), for a statement joining all three."""
    return (
        CoopAccount.id.label("account_id"),
        CoopAccount.earned,
        CoopAccount.held,
        CoopAccount.reimbursed,
        CoopAccount.expired,
        CoopAccount.available,
        Organization.id,
        Organization.name,
        Organization.kind,
        Organization.region,
        Tier.name.label("tier_name"),
    )


def _page_of(order, sort: str):
    """The accounts of `order` (a page of ids, scoped) with what the lists show of their
    organisation and expiring money — read for that page's rows only (late row lookup)."""
    page = order.subquery("page")
    return (
        sa.select(
            *summary_columns(),
            _expiring_cents(CoopAccount.id).label("expiring"),
            _expiring_on(CoopAccount.id).label("expiring_on"),
        )
        .select_from(page)
        .join(CoopAccount, CoopAccount.id == page.c.account_id)
        .join(Organization, Organization.id == CoopAccount.organization_id)
        .outerjoin(Tier, Tier.id == Organization.tier_id)
        .order_by(*_sort_keys(sort, _expiring_cents(CoopAccount.id)))
    )


@functools.cache
def _page_statement(shape: tuple, sort: str, limited: bool):
    """A page of accounts (an OEM viewer's: nothing to scope) as `_page_of` reads it."""
    return db.prepared(_page_of(_order_statement(shape, sort, limited), sort))


def _total(column):
    return sum_cents(column)


@functools.cache
def _totals_statements(shape: tuple, sums: bool = True):
    """The accounts' sums (only their count without `sums`), and the expiring money's (of
    the same accounts) from the buckets."""
    accounts = sa.select(
        sa.func.count().label("accounts"),
        *(
            (
                _total(CoopAccount.earned).label("earned"),
                _total(CoopAccount.reimbursed + CoopAccount.held).label("used"),
                _total(CoopAccount.expired).label("expired"),
                _total(CoopAccount.available).label("available"),
            )
            if sums
            else ()
        ),
    ).select_from(CoopAccount)
    expiring = sa.select(
        sum_cents(free_money()).label("expiring"),
        sa.func.count(sa.distinct(CoopBucket.account_id)).label("at_risk"),
    ).where(*expiring_buckets())
    accounts = _org_filtered(accounts, shape)
    if any(shape):  # a filter on the organisation: the accounts it keeps
        expiring = expiring.where(CoopBucket.account_id.in_(_account_ids(shape)))
    return accounts, expiring


def _both(accounts, expiring):
    """The two aggregates (one row each) side by side in one statement: one round trip and
    one statement's execution work instead of two, each aggregate still taken once."""
    accounts, expiring = accounts.subquery("accounts"), expiring.subquery("expiring")
    return sa.select(*accounts.c, *expiring.c).select_from(accounts.join(expiring, sa.true()))


@functools.cache
def _totals_statement(shape: tuple, sums: bool = True):
    return db.prepared(_both(*_totals_statements(shape, sums)))


def _account_ids(shape: tuple):
    return _org_filtered(sa.select(CoopAccount.id).select_from(CoopAccount), shape)


def _bucket_periods():
    """Per period, the bucket rows summed (of the accounts a WHERE added keeps)."""
    return sa.select(
        CoopBucket.bucket,
        sa.func.min(CoopBucket.expires_on),
        _total(CoopBucket.earned),
        _total(CoopBucket.reimbursed),
        _total(CoopBucket.expired),
        _total(CoopBucket.held),
    ).group_by(CoopBucket.bucket)


@functools.cache
def _periods_statement(shape: tuple | None):
    """Per period: the program's own period rows (shape None: every account, a row per
    period), or the bucket rows of the accounts the filter keeps summed."""
    if shape is None:
        return db.prepared(period_totals.periods_statement())
    return db.prepared(_bucket_periods().where(CoopBucket.account_id.in_(_account_ids(shape))))


def _scoped(viewer: Person, stmt, filters: PartnerFilter):
    """A prebuilt statement limited further to what the viewer may see and to `org_ids`
    (a partner's view: built per request, as its scope is)."""
    if viewer.is_oem and filters.org_ids is None:
        return stmt
    stmt = policy.scope_by_organization(viewer, stmt, CoopAccount.organization_id)
    if filters.org_ids is not None:
        stmt = stmt.where(CoopAccount.organization_id.in_(filters.org_ids))
    return stmt


def _scoped_ids(viewer: Person, filters: PartnerFilter):
    return _scoped(viewer, _account_ids(_shape(filters)), filters)


# --- Reads ---------------------------------------------------------------------------------


def summary_of(row) -> AccountSummary:
    tier = PartnerTier(row.tier_name) if row.tier_name is not None else None
    return AccountSummary(
        organization=Partner(row.id, row.name, row.kind, row.region, tier),
        account_id=row.account_id,
        earned=row.earned,
        held=row.held,
        reimbursed=row.reimbursed,
        expired=row.expired,
        available=row.available,
        expiring=from_cents(row.expiring),
        expiring_on=row.expiring_on,
    )


def summaries(
    viewer: Person,
    program: CoopProgram,
    on: date,
    filters: PartnerFilter = PartnerFilter(),
    *,
    sort: str = "name",
    limit: int | None = None,
    offset: int = 0,
) -> list[AccountSummary]:
    """Accounts in scope and filter, sorted, one page of them (all without `limit`)."""
    sort = sort if sort in SORTS else "expiring"
    shape, limited = _shape(filters), limit is not None
    if viewer.is_oem and filters.org_ids is None:
        stmt = _page_statement(shape, sort, limited)
    else:  # the scope limits the accounts before the page is cut
        stmt = _page_of(_scoped(viewer, _order_statement(shape, sort, limited), filters), sort)
    params = _params(program, on, filters) | {"limit": limit, "offset": offset}
    return [summary_of(row) for row in db.read(stmt, params)]


def _totals_of(viewer: Person, filters: PartnerFilter, sums: bool = True):
    """The statement of `totals`: one aggregate over the account rows, one over the bucket
    rows expiring soon, side by side (without `sums`, the accounts' count alone)."""
    if viewer.is_oem and filters.org_ids is None:
        return _totals_statement(_shape(filters), sums)
    accounts, expiring = _totals_statements(_shape(filters), sums)
    accounts = _scoped(viewer, accounts, filters)
    expiring = expiring.where(CoopBucket.account_id.in_(_scoped_ids(viewer, filters)))
    return _both(accounts, expiring)


def _periods_of(viewer: Person, filters: PartnerFilter):
    """The statement of `periods`."""
    if _whole_program(viewer, filters):
        period_totals.write_pending()  # this transaction's own moves, if any, first
        return _periods_statement(None)  # every account: the program's period rows
    if viewer.is_oem and filters.org_ids is None:
        return _periods_statement(_shape(filters))
    return _bucket_periods().where(
        CoopBucket.program_id == sa.bindparam("program_id"),
        CoopBucket.account_id.in_(_scoped_ids(viewer, filters)),
    )


def _whole_program(viewer: Person, filters: PartnerFilter) -> bool:
    return viewer.is_oem and filters == PartnerFilter()


def _beside(totals_stmt, periods_stmt):
    """The totals' one row beside each period's (one row with no period when no bucket has
    money): both in one statement, one round trip."""
    one, each = totals_stmt.subquery("totals"), periods_stmt.subquery("periods")
    return sa.select(*one.c, *each.c).select_from(one.outerjoin(each, sa.true()))


@functools.cache
def _beside_cached(totals_stmt, periods_stmt):
    """`_beside` of two prebuilt (OEM) statements, built once and prepared."""
    return db.prepared(_beside(totals_stmt, periods_stmt))


def _read_totals(row) -> Totals:
    count, earned, used, expired, available, expiring_cents, at_risk = row
    return Totals(
        earned=from_cents(earned),
        used=from_cents(used),
        expired=from_cents(expired),
        available=from_cents(available),
        expiring=from_cents(expiring_cents),
        accounts=count or 0,
        at_risk=at_risk or 0,
    )


def _read_periods(rows) -> list[BucketBalance]:
    out = [
        BucketBalance(
            bucket=bucket,
            expires_on=ends,
            earned=from_cents(earned),
            reimbursed=from_cents(reimbursed),
            expired=from_cents(expired),
            held=from_cents(held),
        )
        for bucket, ends, earned, reimbursed, expired, held in rows
        if bucket is not None
    ]
    return sorted(out, key=lambda b: period_start(b.bucket))


def totals(
    viewer: Person, program: CoopProgram, on: date, filters: PartnerFilter = PartnerFilter()
) -> Totals:
    """The accounts in scope and filter added up: one aggregate over the account rows, one
    over the bucket rows expiring soon — in one statement."""
    return _read_totals(db.read(_totals_of(viewer, filters), _params(program, on, filters)).one())


def periods(
    viewer: Person, program: CoopProgram, on: date, filters: PartnerFilter = PartnerFilter()
) -> list[BucketBalance]:
    """Per period, the buckets of the accounts in scope and filter added up, oldest first."""
    return _read_periods(db.read(_periods_of(viewer, filters), _params(program, on, filters)))


def totals_and_periods(
    viewer: Person, program: CoopProgram, on: date, filters: PartnerFilter = PartnerFilter()
) -> tuple[Totals, list[BucketBalance]]:
    """`totals` and `periods` of the same accounts, read by one statement.

    The totals' money is the periods' added up, not a second pass over the account rows:
    an account's cached columns are the sums of its buckets' (earned, held, reimbursed and
    expired moved alike by every kind of entry; available = earned − held − reimbursed −
    expired), which `verify_ledger` proves, so both passes give the same cents — one pass
    over 2,000 rows less per overview and dashboard."""
    pair = _totals_of(viewer, filters, sums=False), _periods_of(viewer, filters)
    prebuilt = viewer.is_oem and filters.org_ids is None
    stmt = _beside_cached(*pair) if prebuilt else _beside(*pair)
    rows = db.read(stmt, _params(program, on, filters)).all()
    count, expiring, at_risk = rows[0][:3]
    periods = [row[3:] for row in rows]
    earned = reimbursed = expired = held = 0
    for bucket, _ends, earned_c, reimbursed_c, expired_c, held_c in periods:
        if bucket is not None:
            earned += earned_c or 0
            reimbursed += reimbursed_c or 0
            expired += expired_c or 0
            held += held_c or 0
    program_totals = _read_totals(
        (count, earned, reimbursed + held, expired, earned - reimbursed - held - expired,
         expiring, at_risk)
    )  # fmt: skip
    return program_totals, _read_periods(periods)


ZERO_TOTALS = Totals(ZERO, ZERO, ZERO, ZERO, ZERO)
