"""The program's partner accounts as the OEM sees them, read from the cached balances:
one row per account (`coop_account`) and per bucket (`coop_bucket`), never the entries —
so the overview, its totals and chart, and the money-at-risk panels cost the same with a
thousand entries or a million.

A page of partners is filtered (name, tier, region, distributor), sorted (available,
expiring soon, utilisation, name) and cut by LIMIT/OFFSET in SQL; totals and the
per-period chart are sums over the same filtered accounts. Scope goes through
hub.policy as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.balances import BucketBalance
from campaigns.coop.models import CoopAccount, CoopBucket, CoopProgram
from campaigns.coop.money import ZERO, cents, from_cents
from campaigns.coop.periods import period_start
from hub import db, policy
from hub.models import Organization, OrgKind, Person

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
class AccountSummary:
    """One account as lists show it: who, what is available, what expires soon."""

    organization: Organization
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


def _free():
    return CoopBucket.earned - CoopBucket.reimbursed - CoopBucket.expired - CoopBucket.held


def expiring_subquery(program: CoopProgram, on: date):
    """Per account: the free money of buckets whose window closes within the warning
    window (in cents), and the soonest such day — a range read of the bucket rows."""
    free = cents(_free())
    return (
        sa.select(
            CoopBucket.account_id.label("account_id"),
            sa.func.sum(free).label("expiring"),
            sa.func.min(CoopBucket.expires_on).label("expiring_on"),
        )
        .where(
            CoopBucket.program_id == program.id,
            CoopBucket.expires_on >= on,
            CoopBucket.expires_on <= on + timedelta(days=EXPIRY_WARNING_DAYS),
            free > 0,
        )
        .group_by(CoopBucket.account_id)
        .subquery("expiring")
    )


def _accounts(viewer: Person, program: CoopProgram, filters: PartnerFilter, expiring, columns=None):
    """The program's accounts in the viewer's scope and the filter, with their expiring money."""
    columns = columns or (
        CoopAccount,
        Organization,
        sa.func.coalesce(expiring.c.expiring, 0).label("expiring"),
        expiring.c.expiring_on,
    )
    stmt = (
        sa.select(*columns)
        .select_from(CoopAccount)
        .join(Organization, Organization.id == CoopAccount.organization_id)
        .outerjoin(expiring, expiring.c.account_id == CoopAccount.id)
        .where(CoopAccount.program_id == program.id)
    )
    stmt = policy.scope_by_organization(viewer, stmt, CoopAccount.organization_id)
    if filters.org_ids is not None:
        stmt = stmt.where(CoopAccount.organization_id.in_(filters.org_ids))
    if filters.paths:
        stmt = stmt.where(
            sa.or_(*(Organization.path.startswith(p, autoescape=True) for p in filters.paths))
        )
    if filters.q.strip():
        stmt = stmt.where(Organization.name.icontains(filters.q.strip(), autoescape=True))
    if filters.tier_id is not None:
        stmt = stmt.where(Organization.tier_id == filters.tier_id)
    if filters.region:
        stmt = stmt.where(Organization.region == filters.region)
    if filters.distributor_id is not None:
        distributor = db.session.get(Organization, filters.distributor_id)
        path = distributor.path if distributor is not None else "/none/"
        stmt = stmt.where(Organization.path.startswith(path, autoescape=True))
    return stmt


def _order(stmt, sort: str, expiring):
    used = CoopAccount.reimbursed + CoopAccount.held
    utilisation = sa.case(
        (CoopAccount.earned > 0, used * 1.0 / CoopAccount.earned), else_=0
    )  # fmt: skip
    keys = {
        "available": [CoopAccount.available.desc()],
        "expiring": [sa.func.coalesce(expiring.c.expiring, 0).desc()],
        "utilisation": [utilisation.asc()],
        "name": [],
    }
    return stmt.order_by(*keys.get(sort, keys["expiring"]), Organization.name, CoopAccount.id)


def _summary(row) -> AccountSummary:
    account, org, expiring, expiring_on = row
    return AccountSummary(
        organization=org,
        account_id=account.id,
        earned=account.earned,
        held=account.held,
        reimbursed=account.reimbursed,
        expired=account.expired,
        available=account.available,
        expiring=from_cents(expiring),
        expiring_on=expiring_on,
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
    expiring = expiring_subquery(program, on)
    stmt = _order(_accounts(viewer, program, filters, expiring), sort, expiring)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [_summary(row) for row in db.session.execute(stmt)]


def totals(
    viewer: Person, program: CoopProgram, on: date, filters: PartnerFilter = PartnerFilter()
) -> Totals:
    """The accounts in scope and filter added up — one aggregate over the account rows."""
    expiring = expiring_subquery(program, on)

    def total(column):
        return sa.func.sum(cents(column))

    row = db.session.execute(
        _accounts(
            viewer,
            program,
            filters,
            expiring,
            columns=(
                sa.func.count(),
                total(CoopAccount.earned),
                total(CoopAccount.reimbursed + CoopAccount.held),
                total(CoopAccount.expired),
                total(CoopAccount.available),
                sa.func.sum(expiring.c.expiring),
                sa.func.count(expiring.c.expiring_on),
            ),
        )
    ).one()
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


def periods(
    viewer: Person, program: CoopProgram, on: date, filters: PartnerFilter = PartnerFilter()
) -> list[BucketBalance]:
    """Per period, the buckets of the accounts in scope and filter added up, oldest first."""
    if viewer.is_oem and filters == PartnerFilter():
        in_scope = CoopBucket.program_id == program.id  # every account: no join at all
    else:
        accounts = _accounts(
            viewer, program, filters, expiring_subquery(program, on), columns=(CoopAccount.id,)
        )
        in_scope = CoopBucket.account_id.in_(accounts)
    rows = db.session.execute(
        sa.select(
            CoopBucket.bucket,
            sa.func.min(CoopBucket.expires_on),
            sa.func.sum(cents(CoopBucket.earned)),
            sa.func.sum(cents(CoopBucket.reimbursed)),
            sa.func.sum(cents(CoopBucket.expired)),
            sa.func.sum(cents(CoopBucket.held)),
        )
        .where(in_scope)
        .group_by(CoopBucket.bucket)
    )
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
    ]
    return sorted(out, key=lambda b: period_start(b.bucket))


@dataclass(frozen=True)
class FilterChoices:
    """What the overview's filter offers: tiers, regions and distributors in the program."""

    tiers: list[tuple[int, str]]
    regions: list[str]
    distributors: list[tuple[int, str]]


def filter_choices(viewer: Person, program: CoopProgram) -> FilterChoices:
    from hub.models import Tier

    tiers = db.session.execute(sa.select(Tier.id, Tier.name).order_by(Tier.rank, Tier.name))
    in_program = sa.select(CoopAccount.organization_id).where(CoopAccount.program_id == program.id)
    regions = db.session.scalars(
        policy.scope_by_organization(
            viewer,
            sa.select(Organization.region)
            .where(Organization.id.in_(in_program), Organization.region != "")
            .distinct()
            .order_by(Organization.region),
            Organization.id,
        )
    )
    distributors = db.session.execute(
        policy.scope_by_organization(
            viewer,
            sa.select(Organization.id, Organization.name)
            .where(Organization.kind.in_(DISTRIBUTOR_KINDS))
            .order_by(Organization.name),
            Organization.id,
        )
    )
    return FilterChoices([tuple(t) for t in tiers], list(regions), [tuple(d) for d in distributors])


ZERO_TOTALS = Totals(ZERO, ZERO, ZERO, ZERO, ZERO)
