"""Co-op accounts as lists and charts show them: the accounts in a viewer's scope (scoped
by hub.policy), totals, money expiring soon, and earned vs used by period. Read only —
the pages, the API and the dashboard panels share these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop import partners
from campaigns.coop.balances import (
    BALANCE_FIELDS,
    EMPTY_BALANCE,
    Balance,
    BucketBalance,
    ExpiringFunds,
    balance_of,
    bucket_balances,
    expiring_of,
)
from campaigns.coop.models import (
    CoopAccount,
    CoopBucket,
    CoopProgram,
    EntryKind,
    Hold,
    LedgerEntry,
)
from campaigns.coop.money import ZERO, format_money, from_cents, whole_cents
from campaigns.coop.partners import EXPIRY_WARNING_DAYS, AccountSummary, Totals
from campaigns.coop.periods import period_start
from hub import db, policy
from hub.db import today
from hub.models import Organization, Person, TerritoryAssignment, Tier

__all__ = ["EXPIRY_WARNING_DAYS", "AccountSummary", "Totals"]  # re-exported for the pages


@dataclass(frozen=True)
class AccountState:
    """One account as its page and panel show it: balance, buckets, what expires soon."""

    balance: Balance
    buckets: list[BucketBalance]
    expiring: list[ExpiringFunds]

    @property
    def expiring_total(self) -> Decimal:
        return sum((e.amount for e in self.expiring), ZERO)


def account_state(account: CoopAccount | None, on: date) -> AccountState:
    """The account's balance, buckets (oldest first) and money expiring within
    EXPIRY_WARNING_DAYS of `on`; all empty before its first purchase (account None).

    `account` as `account_of` read it: its balance is the columns read then, and the
    buckets are read once for both the table and what expires soon."""
    if account is None:
        return AccountState(EMPTY_BALANCE, [], [])
    buckets = bucket_balances(account)
    return AccountState(balance_of(account), buckets, expiring_of(buckets, EXPIRY_WARNING_DAYS, on))


# An account's balance and its buckets in one statement (the account row LEFT JOINed to its
# bucket rows: one row per bucket, or one with no bucket), read as rows — for the account
# page and the partner's dashboard panel, instead of loading the account object afresh and
# reading its buckets in a second statement.
_ACCOUNT_AND_BUCKETS = db.prepared(
    sa.select(
        CoopAccount.id,
        *(getattr(CoopAccount, name) for name in BALANCE_FIELDS),
        CoopBucket.bucket,
        CoopBucket.expires_on,
        CoopBucket.earned,
        CoopBucket.reimbursed,
        CoopBucket.expired,
        CoopBucket.held,
    )
    .outerjoin(CoopBucket, CoopBucket.account_id == CoopAccount.id)
    .where(
        CoopAccount.organization_id == sa.bindparam("organization_id"),
        CoopAccount.program_id == sa.bindparam("program_id"),
    )
)
_BUCKET_AT = 1 + len(BALANCE_FIELDS)  # where a row's bucket columns start


def account_view(
    org: Organization, program: CoopProgram, on: date
) -> tuple[int | None, AccountState]:
    """The organisation's account id (None before its first purchase) and its state as
    `account_state` gives it, from one statement of the cached account and bucket rows."""
    params = {"organization_id": org.id, "program_id": program.id}
    rows = db.read(_ACCOUNT_AND_BUCKETS, params).all()
    if not rows:
        return None, AccountState(EMPTY_BALANCE, [], [])
    buckets = sorted(
        (BucketBalance(*row[_BUCKET_AT:]) for row in rows if row[_BUCKET_AT] is not None),
        key=lambda b: period_start(b.bucket),
    )
    balance = Balance(*rows[0][1:_BUCKET_AT])
    return rows[0][0], AccountState(balance, buckets, expiring_of(buckets, EXPIRY_WARNING_DAYS, on))


def account_summaries(
    viewer: Person, program: CoopProgram, on: date | None = None, org_ids=None
) -> list[AccountSummary]:
    """Every account the viewer may see in the program (those of `org_ids` only, when
    given), by name — from the cached account and bucket rows, never the entries."""
    filters = partners.PartnerFilter(org_ids=org_ids)
    return partners.summaries(viewer, program, on or today(), filters)


@dataclass(frozen=True)
class Overview:
    """The OEM's co-op overview: one page of partners, their totals, the chart's periods."""

    summaries: list[AccountSummary]  # this page, sorted
    totals: Totals  # every account in scope and filter
    periods: list[BucketBalance]  # oldest first, summed over the same accounts
    page: int
    pages: int


def account_overview(
    viewer: Person,
    program: CoopProgram,
    on: date | None = None,
    filters: partners.PartnerFilter | None = None,
    *,
    sort: str = "expiring",
    page: int = 1,
    per_page: int = 50,
) -> Overview:
    """A page of the accounts in the viewer's scope (and the filter), sorted, with totals
    and per-period sums over all of them: two statements over cached rows (the totals and
    periods in one), whatever the number of accounts or entries."""
    on = on or today()
    filters = filters or partners.PartnerFilter()
    program_totals, periods = partners.totals_and_periods(viewer, program, on, filters)
    pages = max(1, -(-program_totals.accounts // per_page))
    page = min(max(1, page), pages)
    rows = partners.summaries(
        viewer, program, on, filters, sort=sort, limit=per_page, offset=(page - 1) * per_page
    )
    return Overview(rows, program_totals, periods, page, pages)


@dataclass(frozen=True)
class ChartRow:
    """One period's bars in the earned-vs-used chart."""

    bucket: str
    earned: Decimal
    used: Decimal  # reimbursed + held
    expired: Decimal
    earned_width: float
    used_width: float


def period_chart(buckets: list[BucketBalance], width: int = 200) -> list[ChartRow]:
    """Earned vs used per period, with bar widths scaled to the largest figure."""
    top = max([b.earned for b in buckets] + [b.reimbursed + b.held for b in buckets] + [ZERO])
    scale = (lambda v: round(float(v) / float(top) * width, 1)) if top > 0 else (lambda v: 0.0)
    return [
        ChartRow(
            bucket=b.bucket,
            earned=b.earned,
            used=b.reimbursed + b.held,
            expired=b.expired,
            earned_width=scale(b.earned),
            used_width=scale(b.reimbursed + b.held),
        )
        for b in buckets
    ]


# --- Charts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UseSegment:
    """One part of a period's bar: what became of some of the money earned in it."""

    key: str  # reimbursed, held, expired, unused (CSS class and legend)
    label: str
    amount: Decimal
    x: float
    width: float


@dataclass(frozen=True)
class UseRow:
    """One period's bar in the utilisation chart, split into what became of its money."""

    bucket: str
    expires_on: date
    earned: Decimal
    segments: list[UseSegment]

    @property
    def used_percent(self) -> int:
        """Per cent of the period's money that went into campaigns (reimbursed or held)."""
        used = sum((s.amount for s in self.segments if s.key in ("reimbursed", "held")), ZERO)
        return int(used * 100 / self.earned) if self.earned > 0 else 0


USE_PARTS = (
    ("reimbursed", "Reimbursed"),
    ("held", "Held for campaigns"),
    ("expired", "Expired"),
    ("unused", "Not used yet"),
)


def utilisation_chart(periods: list[BucketBalance], width: int = 300) -> list[UseRow]:
    """Per period, the earned money split into reimbursed | held | expired | not used yet,
    each segment's width scaled so the largest period's bar is `width` long."""
    top = max([p.earned for p in periods] + [ZERO])
    rows = []
    for period in periods:
        values = {
            "reimbursed": period.reimbursed,
            "held": period.held,
            "expired": period.expired,
            "unused": max(period.free, ZERO),
        }
        x, segments = 0.0, []
        for key, label in USE_PARTS:
            w = round(float(values[key]) / float(top) * width, 1) if top > 0 else 0.0
            segments.append(UseSegment(key, label, values[key], x, w))
            x = round(x + w, 1)
        rows.append(UseRow(period.bucket, period.expires_on, period.earned, segments))
    return rows


def use_totals(periods: list[BucketBalance]) -> dict[str, Decimal]:
    """The chart's legend: earned and each part, over all periods."""
    return {
        "earned": sum((p.earned for p in periods), ZERO),
        "reimbursed": sum((p.reimbursed for p in periods), ZERO),
        "held": sum((p.held for p in periods), ZERO),
        "expired": sum((p.expired for p in periods), ZERO),
        "unused": sum((max(p.free, ZERO) for p in periods), ZERO),
    }


_TERRITORY_PATHS = db.prepared(
    sa.select(Organization.path)
    .join(TerritoryAssignment, TerritoryAssignment.organization_id == Organization.id)
    .where(TerritoryAssignment.channel_manager_id == sa.bindparam("person_id"))
)


def territory_paths(person: Person) -> list[str]:
    """Channel paths of the organisations a channel manager covers (each covers its subtree)."""
    return list(db.read(_TERRITORY_PATHS, {"person_id": person.id}).scalars())


def beneath(org: Organization) -> partners.PartnerFilter:
    """The filter of the organisations beneath `org` in the channel (a distributor's
    dealers), `org` itself left out."""
    return partners.PartnerFilter(
        org_ids=sa.select(Organization.id).where(
            Organization.path.startswith(org.path, autoescape=True), Organization.id != org.id
        )
    )


@dataclass(frozen=True)
class AtRiskBeneath:
    """A distributor's dealers with money expiring soon: the first few, most money first
    (then by name), and how many and how much in all."""

    top: list[AccountSummary]
    count: int
    total: Decimal


# Built once (every distributor's dashboard runs it). The expiring buckets are read for the
# accounts beneath the organisation only (its subtree by path, the organisation left out,
# within the viewer's partner scope) — not the program's every account, as the OEM's lists
# must — and the count and sum come beside the first rows as window aggregates: one
# statement of at most `limit` rows. The columns are partners' page statement's
# (`summary_columns`), so its rows make the same AccountSummary.
_BENEATH_EXPIRING = (
    sa.select(
        CoopBucket.account_id.label("account_id"),
        sa.func.sum(whole_cents(partners.free_money())).label("expiring"),
        sa.func.min(CoopBucket.expires_on).label("expiring_on"),
    )
    .join(CoopAccount, CoopAccount.id == CoopBucket.account_id)
    .join(Organization, Organization.id == CoopAccount.organization_id)
    .where(
        *partners.expiring_buckets(),
        policy.PARTNER_ORGANIZATION_SCOPE,
        Organization.path.like(sa.bindparam("beneath", type_=sa.String), escape="/"),
        Organization.id != sa.bindparam("org_id"),
    )
    .group_by(CoopBucket.account_id)
    .subquery("expiring")
)
_AT_RISK_BENEATH = db.prepared(
    sa.select(
        *partners.summary_columns(),
        _BENEATH_EXPIRING.c.expiring,
        _BENEATH_EXPIRING.c.expiring_on,
        sa.func.count().over().label("count"),
        sa.func.sum(_BENEATH_EXPIRING.c.expiring).over().label("total"),
    )
    .select_from(_BENEATH_EXPIRING)
    .join(CoopAccount, CoopAccount.id == _BENEATH_EXPIRING.c.account_id)
    .join(Organization, Organization.id == CoopAccount.organization_id)
    .outerjoin(Tier, Tier.id == Organization.tier_id)
    .order_by(_BENEATH_EXPIRING.c.expiring.desc(), Organization.name, CoopAccount.id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)


def at_risk_beneath(
    viewer: Person, program: CoopProgram, org: Organization, on: date, limit: int
) -> AtRiskBeneath:
    """The accounts beneath `org` (a distributor's dealers) the viewer may see with free
    money expiring within EXPIRY_WARNING_DAYS: the `limit` with the most, and all of them
    counted and added up — what accounts_beneath would give, filtered and sorted so."""
    params = partners.expiring_params(program, on) | {
        "scope_path": policy.scope_pattern(viewer),
        "beneath": db.like_literal(org.path, "/") + "%",
        "org_id": org.id,
        "limit": limit,
    }
    rows = db.read(_AT_RISK_BENEATH, params).all()
    if not rows:
        return AtRiskBeneath([], 0, ZERO)
    return AtRiskBeneath(
        [partners.summary_of(row) for row in rows], rows[0].count, from_cents(rows[0].total)
    )


def accounts_beneath(
    viewer: Person, program: CoopProgram, org: Organization, on: date | None = None
) -> list[AccountSummary]:
    """The accounts of the organisations beneath `org` in the channel (a distributor's
    dealers) that the viewer may see, by name."""
    return partners.summaries(viewer, program, on or today(), beneath(org))


# --- What a ledger line says -----------------------------------------------------------


@dataclass(frozen=True)
class EntryNote:
    """The words under a ledger line: `before`, then what the hold is for (`name`, linked to
    `url` when there is one), then `after`. Derived when shown; the entry stays as written."""

    before: str
    name: str = ""
    url: str = ""
    after: str = ""


# --- An account's ledger, a page at a time ---------------------------------------------

# The columns the ledger table and its notes show, newest first; built once, read as rows
# (db.read): a page of 20 entries without loading 20 ORM objects.
_ENTRY_PAGE = db.prepared(
    sa.select(
        LedgerEntry.id,
        LedgerEntry.kind,
        LedgerEntry.amount,
        LedgerEntry.bucket,
        LedgerEntry.hold_id,
        LedgerEntry.rate,
        LedgerEntry.reason,
        LedgerEntry.effective_on,
    )
    .where(LedgerEntry.account_id == sa.bindparam("account_id"))
    .order_by(LedgerEntry.effective_on.desc(), LedgerEntry.id.desc())
    .limit(sa.bindparam("limit", type_=sa.Integer))
    .offset(sa.bindparam("offset", type_=sa.Integer))
)
_ENTRY_COUNT = db.prepared(
    sa.select(sa.func.count())
    .select_from(LedgerEntry)
    .where(LedgerEntry.account_id == sa.bindparam("account_id"))
)


@dataclass(frozen=True)
class EntrySearch:
    """An account's entries as `hub.web.pages.paginate_rows` reads them."""

    count: sa.Select
    rows: sa.Select
    params: dict


def ledger_search(account_id: int) -> EntrySearch:
    """The account's entries, newest first, and their count, for a page of them."""
    return EntrySearch(_ENTRY_COUNT, _ENTRY_PAGE, {"account_id": account_id})


# What each hold is called, and what was paid on it (the sum of its reimbursements), in one
# statement for a page of entries.
_PAID = (
    sa.select(sa.func.sum(LedgerEntry.amount))
    .where(LedgerEntry.hold_id == Hold.id, LedgerEntry.kind == EntryKind.REIMBURSEMENT)
    .scalar_subquery()
)
_HOLD_NOTES = db.prepared(
    sa.select(Hold.id, Hold.reference, _PAID.label("paid")).where(
        Hold.id.in_(sa.bindparam("hold_ids", expanding=True))
    )
)


def hold_references(hold_ids) -> dict[int, str]:
    """What each hold is for (its reference), by hold id."""
    if not hold_ids:
        return {}
    stmt = sa.select(Hold.id, Hold.reference).where(Hold.id.in_(set(hold_ids)))
    return dict(db.session.execute(stmt).all())


def entry_notes(entries, names_of, currency: str) -> dict[int, EntryNote]:
    """Notes for the entries of holds (rows or objects with id, kind, hold_id, reason): the
    campaign named (by `names_of(references)`, which answers {reference: (name, url)})
    instead of its internal reference, and a release after a partial payment said as such."""
    hold_ids = {e.hold_id for e in entries if e.hold_id is not None}
    if not hold_ids:
        return {}
    references, paid = {}, {}
    for hold_id, reference, paid_on_it in db.read(_HOLD_NOTES, {"hold_ids": sorted(hold_ids)}):
        references[hold_id], paid[hold_id] = reference, paid_on_it
    names = names_of(set(references.values()))
    notes = {}
    for e in entries:
        reference = references.get(e.hold_id)
        if reference is None:
            continue
        name, url = names.get(reference, (reference, ""))
        before, found, after = e.reason.partition(reference)
        if e.kind == EntryKind.REIMBURSEMENT:
            before, after = "Paid on the claim for ", ""
        elif e.kind == EntryKind.RELEASE and paid.get(e.hold_id):
            amount = format_money(paid[e.hold_id], currency)
            before, after = f"Released: the rest after a partial payment of {amount} for ", ""
        elif not found:
            before, after = f"{e.reason}: " if e.reason else "", ""
        notes[e.id] = EntryNote(before, name, url, after)
    return notes
