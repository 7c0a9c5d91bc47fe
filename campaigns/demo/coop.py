"""The co-op demo: the Fieldcrest program, its rates, ~two years of ERP purchases for every
partner, and a few campaign holds (the worked example of COOP-RULES among them).

Registered with hub's demo seeders by campaigns' init_app, before the proposals demo,
which builds on this program.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.models import CoopProgram
from hub import db
from hub.models import OrgKind, Person, ProductLine

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
        f"{ledger.format_money(report.accrued, 'USD')} accrued, {holds} campaign holds"
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
