"""What campaigns offers hub's extension points: the co-op dashboard panel, the co-op
fact for context cards, the demo seeder — and the read-side summaries of co-op
accounts that the pages, the API and the panel share (scoped by hub.policy).

Nothing here moves money: every write goes through `campaigns.ledger`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from campaigns.coop import ledger
from campaigns.coop.models import CoopAccount, CoopProgram, EntryKind, LedgerEntry
from hub import db, policy
from hub.db import today
from hub.models import Organization, OrgKind, Person, ProductLine, Role, TerritoryAssignment
from hub.registry import Panel
from hub.web.pages import money

EXPIRY_WARNING_DAYS = 60
ZERO = Decimal("0.00")


# --- Reading co-op accounts -------------------------------------------------------------


def current_program() -> CoopProgram | None:
    """The co-op program the pages show: the oldest active one (the demo has one)."""
    return db.session.scalar(
        sa.select(CoopProgram).where(CoopProgram.active.is_(True)).order_by(CoopProgram.id)
    )


def account_of(org: Organization, program: CoopProgram) -> CoopAccount | None:
    """The organisation's account, or None before its first purchase (GET never opens one)."""
    return db.session.scalar(
        sa.select(CoopAccount).where(
            CoopAccount.organization_id == org.id, CoopAccount.program_id == program.id
        )
    )


EMPTY_BALANCE = ledger.Balance(ZERO, ZERO, ZERO, ZERO, ZERO)


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


def account_summaries(
    viewer: Person, program: CoopProgram, on: date | None = None, org_ids=None
) -> list[AccountSummary]:
    """Every account the viewer may see in the program — three queries however many accounts.

    Expiring money is computed per bucket from the entries (free = remaining − held), as
    `ledger.expiring_soon` does for one account.
    """
    return account_overview(viewer, program, on, org_ids).summaries


@dataclass(frozen=True)
class Overview:
    """The accounts in a viewer's scope, and the same money added up per period."""

    summaries: list[AccountSummary]
    periods: list[ledger.BucketBalance]  # oldest first, summed over the summaries' accounts


def account_overview(
    viewer: Person, program: CoopProgram, on: date | None = None, org_ids=None
) -> Overview:
    """`account_summaries` plus per-period totals, from the same three queries."""
    on = on or today()
    stmt = (
        sa.select(CoopAccount, Organization)
        .join(Organization, Organization.id == CoopAccount.organization_id)
        .where(CoopAccount.program_id == program.id)
        .order_by(Organization.name)
    )
    stmt = policy.scope_by_organization(viewer, stmt, CoopAccount.organization_id)
    if org_ids is not None:
        stmt = stmt.where(CoopAccount.organization_id.in_(org_ids))
    rows = db.session.execute(stmt).all()
    if not rows:
        return Overview([], [])
    ids = [account.id for account, _ in rows]
    cents = ledger._cents(LedgerEntry.amount)
    sums: dict[int, dict[str, dict[EntryKind, Decimal]]] = {}
    by_period: dict[str, dict[EntryKind, Decimal]] = {}
    for account_id, bucket, kind, total in db.session.execute(
        sa.select(LedgerEntry.account_id, LedgerEntry.bucket, LedgerEntry.kind, sa.func.sum(cents))
        .where(LedgerEntry.account_id.in_(ids))
        .group_by(LedgerEntry.account_id, LedgerEntry.bucket, LedgerEntry.kind)
    ):
        amount = ledger._from_cents(total)
        sums.setdefault(account_id, {}).setdefault(bucket, {})[kind] = amount
        period = by_period.setdefault(bucket, {})
        period[kind] = period.get(kind, ZERO) + amount
    summaries = []
    for account, org in rows:
        expiring, soonest = ZERO, None
        for label, by_kind in sums.get(account.id, {}).items():
            ends = ledger.expires_on(program, label)
            if ends < on or (ends - on).days > EXPIRY_WARNING_DAYS:
                continue
            free = _free(by_kind)
            if free > 0:
                expiring += free
                soonest = ends if soonest is None else min(soonest, ends)
        summaries.append(
            AccountSummary(
                organization=org,
                account_id=account.id,
                earned=account.earned,
                held=account.held,
                reimbursed=account.reimbursed,
                expired=account.expired,
                available=account.available,
                expiring=expiring,
                expiring_on=soonest,
            )
        )
    periods = sorted(
        (ledger._bucket_balance(program, label, by_kind) for label, by_kind in by_period.items()),
        key=lambda b: ledger.period_start(b.bucket),
    )
    return Overview(summaries, periods)


def _free(by_kind: dict[EntryKind, Decimal]) -> Decimal:
    def total(kind):
        return by_kind.get(kind, ZERO)

    remaining = (
        total(EntryKind.ACCRUAL)
        + total(EntryKind.ADJUSTMENT)
        - total(EntryKind.REIMBURSEMENT)
        - total(EntryKind.EXPIRY)
    )
    held = total(EntryKind.HOLD) - total(EntryKind.RELEASE) - total(EntryKind.REIMBURSEMENT)
    return remaining - held


@dataclass(frozen=True)
class Totals:
    """Program-wide (or scope-wide) figures for the OEM's overview."""

    earned: Decimal
    used: Decimal
    expired: Decimal
    available: Decimal
    expiring: Decimal

    @property
    def utilisation(self) -> int:
        """Per cent of earned money that went into campaigns (reimbursed or held)."""
        return int(self.used * 100 / self.earned) if self.earned else 0


def totals(summaries: list[AccountSummary]) -> Totals:
    return Totals(
        earned=sum((s.earned for s in summaries), ZERO),
        used=sum((s.used for s in summaries), ZERO),
        expired=sum((s.expired for s in summaries), ZERO),
        available=sum((s.available for s in summaries), ZERO),
        expiring=sum((s.expiring for s in summaries), ZERO),
    )


@dataclass(frozen=True)
class ChartRow:
    bucket: str
    earned: Decimal
    used: Decimal  # reimbursed + held
    expired: Decimal
    earned_width: float
    used_width: float


def period_chart(buckets: list[ledger.BucketBalance], width: int = 200) -> list[ChartRow]:
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


def organization_balance(org: Organization, program: CoopProgram) -> ledger.Balance:
    account = account_of(org, program)
    return ledger.balance(account) if account else EMPTY_BALANCE


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


def utilisation_chart(periods: list[ledger.BucketBalance], width: int = 300) -> list[UseRow]:
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


def use_totals(periods: list[ledger.BucketBalance]) -> dict[str, Decimal]:
    """The chart's legend: earned and each part, over all periods."""
    return {
        "earned": sum((p.earned for p in periods), ZERO),
        "reimbursed": sum((p.reimbursed for p in periods), ZERO),
        "held": sum((p.held for p in periods), ZERO),
        "expired": sum((p.expired for p in periods), ZERO),
        "unused": sum((max(p.free, ZERO) for p in periods), ZERO),
    }


# --- Dashboard panels -------------------------------------------------------------------

AT_RISK_SHOWN = 5


def _rendered(html: str) -> Markup:
    """HTML from one of our autoescaping templates, safe to embed in the dashboard."""
    return Markup(html)  # noqa: S704 — rendered by an autoescaping Jinja template


def territory_paths(person: Person) -> list[str]:
    """Channel paths of the organisations a channel manager covers (each covers its subtree)."""
    return list(
        db.session.scalars(
            sa.select(Organization.path)
            .join(TerritoryAssignment, TerritoryAssignment.organization_id == Organization.id)
            .where(TerritoryAssignment.channel_manager_id == person.id)
        )
    )


def coop_panel(person: Person, on: date | None = None) -> list[Panel]:
    """Partners: their balance, what expires soon with a call to start a campaign, and
    earned vs used by period. Program admins and channel managers: co-op at risk of
    expiring by partner (a channel manager's own territory) and program-wide utilisation.
    Product managers: nothing. `on`: the day to count from (default today)."""
    program = current_program()
    if program is None:
        return []
    on = on or today()
    if person.is_oem:
        if person.role not in (Role.PROGRAM_ADMIN, Role.CHANNEL_MANAGER):
            return []
        return _oem_panels(person, program, on)
    return [_partner_panel(person, program, on)]


def _oem_panels(person: Person, program: CoopProgram, on: date) -> list[Panel]:
    overview = account_overview(person, program, on)
    summaries, territory = overview.summaries, False
    if person.role == Role.CHANNEL_MANAGER:
        paths = territory_paths(person)
        if paths:  # a channel manager with a territory sees its partners; without one, all
            territory = True
            summaries = [
                s for s in summaries if any(s.organization.path.startswith(p) for p in paths)
            ]
    at_risk = sorted(
        (s for s in summaries if s.expiring > 0),
        key=lambda s: (-s.expiring, s.organization.name),
    )
    risk_html = render_template(
        "campaigns/_panel_admin.html",
        program=program,
        at_risk=at_risk[:AT_RISK_SHOWN],
        at_risk_total=sum((s.expiring for s in at_risk), ZERO),
        at_risk_count=len(at_risk),
        territory=territory,
        today=on,
        warning_days=EXPIRY_WARNING_DAYS,
    )
    program_totals = totals(overview.summaries)
    use_html = render_template(
        "campaigns/_panel_utilisation.html",
        program=program,
        rows=utilisation_chart(overview.periods),
        parts=USE_PARTS,
        figures=use_totals(overview.periods),
        totals=program_totals,
        today=on,
    )
    title = "Co-op at risk in your territory" if territory else "Co-op funds at risk"
    return [
        Panel(title, _rendered(risk_html), order=15),
        Panel("Co-op utilisation", _rendered(use_html), order=16),
    ]


def _partner_panel(person: Person, program: CoopProgram, on: date) -> Panel:
    org = person.organization
    account = account_of(org, program)
    bal = ledger.balance(account) if account else EMPTY_BALANCE
    buckets = ledger.bucket_balances(account) if account else []
    expiring = ledger.expiring_soon(account, EXPIRY_WARNING_DAYS, on) if account else []
    beneath = []
    if org.kind != OrgKind.DEALER:
        beneath_ids = sa.select(Organization.id).where(
            Organization.path.startswith(org.path, autoescape=True), Organization.id != org.id
        )
        beneath = [
            s for s in account_summaries(person, program, on, org_ids=beneath_ids) if s.expiring
        ]
        beneath.sort(key=lambda s: (-s.expiring, s.organization.name))
    html = render_template(
        "campaigns/_panel_partner.html",
        program=program,
        org=org,
        balance=bal,
        expiring=expiring,
        expiring_total=sum((e.amount for e in expiring), ZERO),
        chart=period_chart([b for b in buckets if b.earned or b.held or b.reimbursed]),
        # Who proposes campaigns (campaigns.proposals.permissions.can_propose); coop does
        # not import proposals, which stand on it.
        can_propose=person.role in (Role.DEALER_MARKETER, Role.PARTNER_ADMIN),
        beneath=beneath[:3],
        beneath_count=len(beneath),
        beneath_total=sum((s.expiring for s in beneath), ZERO),
        today=on,
    )
    return Panel("Co-op funds", _rendered(html), order=15)


# --- Context card fact ------------------------------------------------------------------


def coop_facts(organization: Organization, viewer: Person) -> list[tuple[str, str]]:
    """“Co-op available” for an organisation's context card (nothing outside the viewer's scope)."""
    if organization is None or organization.kind == OrgKind.OEM:
        return []
    if not policy.can_see_organization(viewer, organization):
        return []
    program = current_program()
    if program is None:
        return []
    bal = organization_balance(organization, program)
    return [("Co-op available", money(bal.available, program.currency))]


# --- Demo -------------------------------------------------------------------------------

DEMO_PROGRAM = "Fieldcrest Co-op 2026"
DEMO_RATES_FROM = date(2025, 1, 1)
DEMO_LAST_MONTH = (2026, 11)


def _months():
    year, month = 2025, 1
    while (year, month) <= DEMO_LAST_MONTH:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def seed_demo(ctx: dict) -> str:
    """The demo co-op program: rates, ~two years of purchases for every partner, some holds.

    Purchases run from January 2025 to mid-November 2026, so every partner has a 2025
    bucket that expires on 31 December 2026 — within 60 days of the demo's today.
    """
    admin = ctx["people"]["admin@fieldcrest.example"]
    tiers = ctx["tiers"]
    program = ledger.create_program(
        admin, DEMO_PROGRAM, "USD", "year", carryover_periods=1, claim_window_days=60,
        minimum_claim="100.00",
    )  # fmt: skip
    for tier, rate in (("Authorized", "0.01"), ("Premier", "0.02"), ("Elite", "0.03")):
        ledger.set_accrual_rate(
            admin, program, rate, tier=tiers[tier], effective_from=DEMO_RATES_FROM
        )
    parts = db.session.scalar(sa.select(ProductLine).where(ProductLine.slug == "parts"))
    tractors = db.session.scalar(sa.select(ProductLine).where(ProductLine.slug == "tractors"))
    if parts is not None:
        ledger.set_accrual_rate(
            admin, program, "0.0075", product_line=parts, effective_from=DEMO_RATES_FROM
        )
    partners = sorted(
        (o for o in ctx["orgs"].values() if o.kind != OrgKind.OEM), key=lambda o: o.id
    )
    lines = []
    for n, org in enumerate(partners, start=1):
        base = 8_000 + 3_500 * n + (12_000 if org.kind == OrgKind.DISTRIBUTOR else 0)
        for year, month in _months():
            day = 10 if (year, month) == DEMO_LAST_MONTH else 5 + (n + month) % 20
            equipment = Decimal(base + 750 * ((month * 7 + n * 3) % 9)).quantize(ledger.CENT)
            lines.append(
                {
                    "external_id": f"ERP-{org.id}-{year}{month:02d}-EQ",
                    "organization_id": org.id,
                    "amount": str(equipment),
                    "currency": "USD",
                    "purchased_on": date(year, month, day).isoformat(),
                    "product_line_id": tractors.id if tractors else None,
                }
            )
            if parts is not None and month % 3 == n % 3:
                lines.append(
                    {
                        "external_id": f"ERP-{org.id}-{year}{month:02d}-PS",
                        "organization_id": org.id,
                        "amount": str(Decimal(1_200 + 150 * n).quantize(ledger.CENT)),
                        "currency": "USD",
                        "purchased_on": date(year, month, day).isoformat(),
                        "product_line_id": parts.id,
                    }
                )
    report = ledger.record_purchases(program, lines, admin)
    holds = _seed_holds(ctx, program, admin)
    return (
        f"co-op: {DEMO_PROGRAM}, {len(report.accepted)} purchase lines, "
        f"{money(report.accrued, 'USD')} accrued, {holds} campaign holds"
    )


def _seed_holds(ctx: dict, program: CoopProgram, admin: Person) -> int:
    orgs = ctx["orgs"]
    placed = 0
    prairie = orgs.get("prairie")
    if prairie is not None:
        account = ledger.get_or_create_account(prairie, program, admin)
        # The worked example of COOP-RULES: 3,000 held, a claim of 2,500 paid, 500 released.
        hold = ledger.place_hold(
            account, "3000.00", "Spring print campaign", "demo-prairie-print", admin,
            on=date(2026, 3, 10),
        )  # fmt: skip
        ledger.settle_claim(
            hold, "2500.00", admin, idempotency_key="demo-prairie-print-claim",
            on=date(2026, 5, 20), reason="Claim approved: 5,000 eligible × 50%",
        )  # fmt: skip
        ledger.place_hold(
            account, "1500.00", "Harvest field day", "demo-prairie-fieldday", admin,
            on=date(2026, 10, 1),
        )  # fmt: skip
        placed += 2
    harbor = orgs.get("harbor")
    if harbor is not None:
        account = ledger.get_or_create_account(harbor, program, admin)
        ledger.place_hold(
            account, "2000.00", "Gulf boat show booth", "demo-harbor-boatshow", admin,
            on=date(2026, 9, 15),
        )  # fmt: skip
        placed += 1
    return placed
