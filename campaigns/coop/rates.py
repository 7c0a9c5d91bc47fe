"""Accrual rates: by tier and product line, each from a date on, for purchases after it.
Earlier purchases keep the rate of their day; nothing already accrued changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.models import AccrualRate, CoopProgram
from campaigns.coop.money import Invalid, to_decimal
from campaigns.coop.periods import bucket_for, carryover_schedule, check_date, expires_on
from campaigns.coop.program import require_program_admin
from hub import audit, db
from hub.dates import format_date
from hub.db import today
from hub.errors import ValidationFailed
from hub.models import Organization, Person, ProductLine, Tier

RATE_PLACES = Decimal("0.00001")


def set_accrual_rate(
    actor: Person,
    program: CoopProgram,
    rate,
    *,
    tier: Tier | None = None,
    product_line: ProductLine | None = None,
    effective_from: date | None = None,
) -> AccrualRate:
    """Set the accrual rate (a fraction: 0.02 is 2%) from a date on, for purchases after it.

    Earlier purchases keep the rate of their day; nothing already accrued changes.
    """
    require_program_admin(actor, "sets accrual rates")
    try:
        value = to_decimal(rate, "rate")
    except Invalid as exc:
        raise ValidationFailed({"rate": [str(exc)]}) from None
    if not 0 <= value <= 1:
        raise ValidationFailed({"rate": ["A rate is a fraction from 0 to 1: 0.02 means 2%."]})
    if value != value.quantize(RATE_PLACES):
        raise ValidationFailed({"rate": ["Give the rate with at most five decimals (0.00750)."]})
    effective_from = check_date(effective_from, "effective_from")
    row = AccrualRate(
        program_id=program.id,
        tier_id=getattr(tier, "id", None),
        product_line_id=getattr(product_line, "id", None),
        rate=value.quantize(RATE_PLACES),
        effective_from=effective_from,
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    scope = " / ".join(
        part for part in (getattr(tier, "name", None), getattr(product_line, "name", None)) if part
    )
    audit.record(
        "coop.rate_set",
        row,
        actor=actor,
        after={"rate": str(row.rate), "scope": scope or "all", "from": effective_from.isoformat()},
        summary=f"Accrual rate {row.rate * 100:.3f}% for {scope or 'all purchases'} "
        f"in {program.name} from {format_date(effective_from)}",
    )
    return row


def load_rates(program: CoopProgram) -> list[AccrualRate]:
    """Every rate of the program, for `rate_for` to pick from (one query for a whole batch)."""
    return list(
        db.session.scalars(sa.select(AccrualRate).where(AccrualRate.program_id == program.id))
    )


def rate_for(
    program: CoopProgram,
    organization: Organization,
    product_line_id: int | None,
    on: date,
    rates: list[AccrualRate] | None = None,
) -> Decimal | None:
    """The rate on `on` for the organisation's tier and the product line, or None if none applies.

    A product-line rate overrides the tier rate; tier + product line beats product line alone.
    """
    best, best_rank = None, None
    for row in load_rates(program) if rates is None else rates:
        if row.effective_from > on:
            continue
        if row.product_line_id is not None and row.product_line_id != product_line_id:
            continue
        if row.tier_id is not None and row.tier_id != organization.tier_id:
            continue
        specificity = 2 * (row.product_line_id is not None) + (row.tier_id is not None)
        rank = (specificity, row.effective_from, row.id)
        if best_rank is None or rank > best_rank:
            best, best_rank = row, rank
    return None if best is None else best.rate


def rate_table(program: CoopProgram, on: date | None = None) -> dict:
    """The rates in force on a day (today by default): by tier, and the product lines with
    their own rate; the rates announced for later; and the carryover schedule — what the
    "How co-op works" and co-op rules pages show."""
    on = on or today()
    rows = list(
        db.session.scalars(
            sa.select(AccrualRate)
            .where(AccrualRate.program_id == program.id, AccrualRate.effective_from <= on)
            .order_by(AccrualRate.effective_from, AccrualRate.id)
        )
    )
    by_tier, by_line = {}, {}
    for row in rows:  # later rows win, as in rate_for
        if row.product_line_id is None and row.tier_id is not None:
            by_tier[row.tier_id] = row
        elif row.product_line_id is not None and row.tier_id is None:
            by_line[row.product_line_id] = row
    tiers = list(db.session.scalars(sa.select(Tier).order_by(Tier.rank)))
    lines = list(db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name)))
    upcoming = list(
        db.session.scalars(
            sa.select(AccrualRate)
            .where(AccrualRate.program_id == program.id, AccrualRate.effective_from > on)
            .order_by(AccrualRate.effective_from, AccrualRate.id)
        )
    )
    names = {("tier", t.id): f"{t.name} tier" for t in tiers} | {
        ("line", pl.id): pl.name for pl in lines
    }

    def scope(row: AccrualRate) -> str:
        parts = [names.get(("tier", row.tier_id)), names.get(("line", row.product_line_id))]
        return " · ".join(p for p in parts if p) or "All purchases"

    return {
        "tier_rates": [(t, by_tier.get(t.id)) for t in tiers],
        "line_rates": [(pl, by_line[pl.id]) for pl in lines if pl.id in by_line],
        "tiers": tiers,
        "product_lines": lines,
        "upcoming_rates": [(row, scope(row)) for row in upcoming],
        "example_year": on.year,
        "example_until": expires_on(program, bucket_for(program, on)),
        # The carryover in force for money earned today, then each change announced.
        "carryover": carryover_schedule(program, on),
    }


def set_rates(
    actor: Person,
    program: CoopProgram,
    effective_from: date,
    wanted: list[tuple[str, str, Tier | ProductLine, Decimal | None]],
) -> int:
    """Set every rate that differs from the one in force on `effective_from` anyway.

    `wanted`: (field name, "tier" | "line", the tier or product line, per cent or None).
    Per cent (2 = 2%) becomes the fraction the ledger keeps. A rate can't be removed, only
    changed. Problems are keyed by field name; the caller rolls back on any (all or none).
    Returns how many rates changed.
    """
    table = rate_table(program, effective_from)
    current = {("tier", t.id): r for t, r in table["tier_rates"]} | {
        ("line", pl.id): r for pl, r in table["line_rates"]
    }
    changed = 0
    problems: dict[str, list[str]] = {}
    for name, kind, obj, value in wanted:
        old = current.get((kind, obj.id))
        if value is None:
            if old is not None:
                problems[name] = [
                    "A rate can't be removed, only changed; enter 0 to stop accruing here."
                ]
            continue
        fraction = (value / 100).quantize(RATE_PLACES)
        if old is not None and old.rate == fraction:
            continue
        try:
            set_accrual_rate(
                actor,
                program,
                fraction,
                tier=obj if kind == "tier" else None,
                product_line=obj if kind == "line" else None,
                effective_from=effective_from,
            )
        except ValidationFailed as exc:
            problems[name] = [s for sentences in exc.problems.values() for s in sentences]
            continue
        changed += 1
    if problems:
        raise ValidationFailed(problems)
    return changed
