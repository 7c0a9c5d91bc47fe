"""Periods and buckets (rule 1): which bucket a day's earnings go to, when a bucket can last
be spent, and the carryover in force for each period.

The program's `carryover_periods` is the carryover of money earned before its first
CarryoverRule; each rule sets the carryover of money earned from its `from_bucket` on,
until a later rule. A rule may only start in a period that has not begun (see
`program.set_carryover`), so no bucket that exists — or could exist: purchases are never
in the future — changes its expiry date.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaigns.coop.models import CarryoverRule, CoopAccount, CoopProgram, LedgerEntry, PeriodKind
from campaigns.coop.money import Invalid
from hub import db
from hub.db import today
from hub.errors import ValidationFailed

MAX_CARRYOVER = 20
_BUCKET = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
_RULES_CACHE = "campaigns.carryover_rules"


def check_date(on, what: str = "date") -> date:
    """A calendar date a rule runs on: today when None, the day of a datetime."""
    if on is None:
        return today()
    if isinstance(on, datetime):
        return on.date()
    if not isinstance(on, date):
        raise ValidationFailed({what: [f"The {what} must be a calendar date."]})
    return on


def bucket_for(program: CoopProgram, day: date) -> str:
    """The bucket a day's earnings belong to: "2026" or "2026-Q2"."""
    if program.period == PeriodKind.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def parse_bucket(label: str) -> tuple[PeriodKind, int]:
    """A bucket label as (kind, period index): "2026" → (YEAR, 2026), "2026-Q2" → (QUARTER, …)."""
    match = _BUCKET.match(label or "")
    if not match:
        raise Invalid(f"“{label}” is not a period; write a year (2026) or a quarter (2026-Q2).")
    year = int(match.group(1))
    if match.group(2):
        return PeriodKind.QUARTER, year * 4 + int(match.group(2)) - 1
    return PeriodKind.YEAR, year


def check_bucket(program: CoopProgram, label: str, field: str = "bucket") -> int:
    """The period index of a bucket label people sent, refused unless it is one of the
    program's own kind of bucket (a year, or a quarter)."""
    try:
        kind, index = parse_bucket(label)
    except Invalid as exc:
        raise ValidationFailed({field: [str(exc)]}) from None
    if kind != program.period:
        raise ValidationFailed(
            {
                field: [
                    f"{program.name} keeps {program.period.value}ly buckets; “{label}” is not one."
                ]
            }
        )
    return index


def _bounds(kind: PeriodKind, index: int) -> tuple[date, date]:
    if kind == PeriodKind.YEAR:
        return date(index, 1, 1), date(index, 12, 31)
    year, quarter = divmod(index, 4)
    first, last = 3 * quarter + 1, 3 * quarter + 3
    return date(year, first, 1), date(year, last, monthrange(year, last)[1])


def period_start(label: str) -> date:
    """The first day of a bucket's own period."""
    return _bounds(*parse_bucket(label))[0]


def expires_on(program: CoopProgram, label: str) -> date:
    """The last day a bucket can be spent: the end of its period plus the carryover in force
    for that period (rule 1) — a later carryover change never moves it."""
    kind, index = parse_bucket(label)
    return _bounds(kind, index + carryover_for(program, label))[1]


def _label(kind: PeriodKind, index: int) -> str:
    if kind == PeriodKind.QUARTER:
        year, quarter = divmod(index, 4)
        return f"{year}-Q{quarter + 1}"
    return str(index)


def next_bucket(program: CoopProgram, label: str, steps: int = 1) -> str:
    """The bucket `steps` periods after `label` ("2026" → "2027", "2026-Q4" → "2027-Q1")."""
    kind, index = parse_bucket(label)
    return _label(kind, index + steps)


def coming_periods(program: CoopProgram, on: date, count: int = 4) -> list[str]:
    """The next `count` periods after the one `on` falls in (never one that has begun)."""
    current = bucket_for(program, on)
    return [next_bucket(program, current, n) for n in range(1, count + 1)]


# --- Carryover ---------------------------------------------------------------------------


def carryover_rules(program: CoopProgram) -> list[tuple[int, int]]:
    """(period index, carryover) of the program's rules, oldest first.

    Read once per transaction: `expires_on` runs for every purchase line of an import and
    every bucket of a page. A rule only ever starts in a period that has not begun, so a
    rule another process adds meanwhile cannot change any existing bucket's date.
    """
    cache = db.session.info.setdefault(_RULES_CACHE, {})
    rules = cache.get(program.id)
    if rules is None:
        rows = db.session.execute(
            sa.select(CarryoverRule.from_bucket, CarryoverRule.carryover_periods).where(
                CarryoverRule.program_id == program.id
            )
        ).all()
        rules = []
        for label, periods in rows:
            kind, index = parse_bucket(label)
            if kind == program.period:
                rules.append((index, periods))
        rules.sort()
        cache[program.id] = rules
    return rules


def forget_carryover_rules(session: Session, *_args) -> None:
    """Drop the transaction's cached carryover rules (after a change, a commit, a rollback)."""
    session.info.pop(_RULES_CACHE, None)


# A rolled-back rule must not linger; a committed one may come from elsewhere.
sa.event.listen(Session, "after_commit", forget_carryover_rules)
sa.event.listen(Session, "after_soft_rollback", forget_carryover_rules)


def carryover_for(program: CoopProgram, label: str) -> int:
    """The carryover (in periods) of money earned in the bucket `label`: the rule in force
    for that period, or the program's own carryover before its first rule."""
    kind, index = parse_bucket(label)
    periods = program.carryover_periods
    if kind != program.period:
        return periods
    for start, rule_periods in carryover_rules(program):
        if start > index:
            break
        periods = rule_periods
    return periods


@dataclass(frozen=True)
class CarryoverStep:
    """From this period on, money carries over this many periods (the first is the one in
    force today); `example_until` is when money earned in `from_bucket` can last be spent."""

    from_bucket: str
    carryover_periods: int
    example_until: date
    announced: bool  # a change for a period that has not begun yet


def carryover_schedule(program: CoopProgram, on: date | None = None) -> list[CarryoverStep]:
    """The carryover in force for money earned today, then each change announced for later."""
    on = check_date(on)
    current = bucket_for(program, on)
    _kind, now = parse_bucket(current)
    steps = [
        CarryoverStep(current, carryover_for(program, current), expires_on(program, current), False)
    ]
    for start, periods in carryover_rules(program):
        if start > now:
            label = _label(program.period, start)
            steps.append(CarryoverStep(label, periods, expires_on(program, label), True))
    return steps


def program_buckets(program: CoopProgram) -> list[str]:
    """The buckets that hold entries in the program, found by walking the index
    ix_coop_ledger_entry_bucket_account from one bucket label to the next (a loose index
    scan: a few index probes per bucket, however many entries the program has)."""
    first, later = sa.orm.aliased(LedgerEntry), sa.orm.aliased(LedgerEntry)

    def in_program(entry):
        # EXISTS, not IN: both databases then read the index in bucket order and stop at the
        # first entry of the program (with IN, SQLite probes every account instead).
        return (
            sa.select(CoopAccount.id)
            .where(CoopAccount.id == entry.account_id, CoopAccount.program_id == program.id)
            .exists()
        )

    # ORDER BY … LIMIT 1 rather than min(): PostgreSQL reads only the first index entry
    # for it, but aggregates every matching entry for min() with this filter.
    walk = sa.select(
        sa.select(first.bucket)
        .where(in_program(first))
        .order_by(first.bucket)
        .limit(1)
        .scalar_subquery()
        .label("bucket")
    ).cte("program_bucket", recursive=True)
    walk = walk.union_all(
        sa.select(
            sa.select(later.bucket)
            .where(later.bucket > walk.c.bucket, in_program(later))
            .order_by(later.bucket)
            .limit(1)
            .scalar_subquery()
        ).where(walk.c.bucket.is_not(None))
    )
    return list(db.session.scalars(sa.select(walk.c.bucket).where(walk.c.bucket.is_not(None))))
