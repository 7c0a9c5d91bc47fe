"""The co-op ledger's rules (COOP-RULES.md): accrue, hold, reimburse, release, adjust, expire.

Every function here adds and flushes but never commits: the request, socket event or
CLI command that called it commits once, or rolls everything back. Functions that move
money lock the account row first — SELECT … FOR UPDATE on PostgreSQL; on SQLite the
transaction began IMMEDIATE and already holds the database's write lock — and only then
read balances, so two holds arriving at the same moment are decided one after the
other, never against a stale balance (I2). docs/coop.md maps each rule to the code.

Sign convention: an entry's amount is positive for every kind except adjustment, which
is signed; the kind says which way the money moves (see `EFFECTS`).
"""

from __future__ import annotations

import hashlib
import json
import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaigns.coop.models import (
    AccrualRate,
    CarryoverRule,
    CoopAccount,
    CoopProgram,
    EntryKind,
    Hold,
    HoldStatus,
    LedgerEntry,
    PeriodKind,
    PurchaseLine,
)
from hub import audit, db, policy
from hub.db import today
from hub.errors import Conflict, InsufficientFunds, ValidationFailed
from hub.models import Organization, OrgKind, Person, ProductLine, Tier

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# No single purchase line, hold or adjustment is this large; a bigger number is a typo.
MAX_AMOUNT = Decimal("100000000.00")
RATE_PLACES = Decimal("0.00001")
EARLIEST_PURCHASE = date(2000, 1, 1)
KEY_MAX_LENGTH = 100

# How each kind of entry changes the account's cached columns:
# (earned, held, reimbursed, expired, available). The cache is exactly these sums (I3).
EFFECTS: dict[EntryKind, tuple[int, int, int, int, int]] = {
    EntryKind.ACCRUAL: (1, 0, 0, 0, 1),
    EntryKind.ADJUSTMENT: (1, 0, 0, 0, 1),
    EntryKind.HOLD: (0, 1, 0, 0, -1),
    EntryKind.RELEASE: (0, -1, 0, 0, 1),
    EntryKind.REIMBURSEMENT: (0, -1, 1, 0, 0),
    EntryKind.EXPIRY: (0, 0, 0, 1, -1),
}
BALANCE_FIELDS = ("earned", "held", "reimbursed", "expired", "available")


# --- Money ------------------------------------------------------------------------


def quantize(value: Decimal) -> Decimal:
    """Round a computed amount to cents, halves away from zero (0.005 → 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """An amount as a dealer reads it: USD 7,500.00 (as pages show money, hub.web.money)."""
    return f"{currency} {amount:,.2f}"


class _Invalid(ValueError):
    """A value that cannot be accepted; the message is a sentence for the person who sent it."""


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, bool | float):
        # A float has already lost cents (0.1 + 0.2 != 0.3); money travels as text or Decimal.
        raise _Invalid(f"Give the {what} as a decimal number such as 1250.00 (text, not a float).")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise _Invalid(
                f"The {what} “{value[:40]}” is not a number; write digits with a decimal point, "
                "e.g. 1250.00."
            ) from None
    elif value is None:
        raise _Invalid(f"Enter the {what}.")
    else:
        raise _Invalid(f"The {what} must be a number such as 1250.00.")
    if not number.is_finite():
        raise _Invalid(f"The {what} must be a number such as 1250.00.")
    return number


def parse_money(
    value, what: str = "amount", *, signed: bool = False, zero: bool = False
) -> Decimal:
    """Read an amount of money exactly: at most two decimals, never a float, within reason.

    Amounts are refused rather than rounded when they carry fractions of a cent — only
    amounts the ledger computes itself (accruals) are rounded, see `quantize`.
    """
    number = _decimal(value, what)
    if abs(number) > MAX_AMOUNT:
        raise _Invalid(
            f"The {what} {number:,} is larger than any single co-op movement can be "
            f"(at most {MAX_AMOUNT:,}); check it for a typo."
        )
    if number != number.quantize(CENT):
        raise _Invalid(f"The {what} {number} has fractions of a cent; use at most two decimals.")
    number = number.quantize(CENT)
    if number == 0 and not zero:
        if signed:
            raise _Invalid(
                "An adjustment of zero changes nothing; enter a positive or negative amount."
            )
        raise _Invalid(f"The {what} must be more than zero.")
    if number < 0 and not signed:
        raise _Invalid(f"The {what} must be more than zero, not {number}.")
    return number


def _field_money(value, field_name: str, what: str = "amount", **kw) -> Decimal:
    try:
        return parse_money(value, what, **kw)
    except _Invalid as exc:
        raise ValidationFailed({field_name: [str(exc)]}) from None


def _check_key(key: str | None, required: bool = True) -> str | None:
    """Idempotency keys: short printable text, without '#', which derived keys use."""
    if key is None or (isinstance(key, str) and not key.strip()):
        if required:
            raise ValidationFailed(
                {"idempotency_key": ["Send an idempotency key, so a retry cannot pay twice."]}
            )
        return None
    if not isinstance(key, str):
        raise ValidationFailed({"idempotency_key": ["The idempotency key must be text."]})
    key = key.strip()
    if len(key) > KEY_MAX_LENGTH or "#" in key or not key.isprintable():
        raise ValidationFailed(
            {
                "idempotency_key": [
                    f"Use an idempotency key of at most {KEY_MAX_LENGTH} printable characters "
                    "without “#”."
                ]
            }
        )
    return key


def _check_date(on, what: str = "date") -> date:
    if on is None:
        return today()
    if isinstance(on, datetime):
        return on.date()
    if not isinstance(on, date):
        raise ValidationFailed({what: [f"The {what} must be a calendar date."]})
    return on


# --- Periods and buckets -------------------------------------------------------------

_BUCKET = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


def bucket_for(program: CoopProgram, day: date) -> str:
    """The bucket a day's earnings belong to: "2026" or "2026-Q2"."""
    if program.period == PeriodKind.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _parse_bucket(label: str) -> tuple[PeriodKind, int]:
    match = _BUCKET.match(label or "")
    if not match:
        raise _Invalid(f"“{label}” is not a period; write a year (2026) or a quarter (2026-Q2).")
    year = int(match.group(1))
    if match.group(2):
        return PeriodKind.QUARTER, year * 4 + int(match.group(2)) - 1
    return PeriodKind.YEAR, year


def _bounds(kind: PeriodKind, index: int) -> tuple[date, date]:
    if kind == PeriodKind.YEAR:
        return date(index, 1, 1), date(index, 12, 31)
    year, quarter = divmod(index, 4)
    first, last = 3 * quarter + 1, 3 * quarter + 3
    return date(year, first, 1), date(year, last, monthrange(year, last)[1])


def period_start(label: str) -> date:
    """The first day of a bucket's own period."""
    return _bounds(*_parse_bucket(label))[0]


def expires_on(program: CoopProgram, label: str) -> date:
    """The last day a bucket can be spent: the end of its period plus the carryover in force
    for that period (rule 1) — a later carryover change never moves it."""
    kind, index = _parse_bucket(label)
    return _bounds(kind, index + carryover_for(program, label))[1]


# --- Carryover changes ------------------------------------------------------------------
#
# The program's `carryover_periods` is the carryover of money earned before its first
# CarryoverRule; each rule sets the carryover of money earned from its `from_bucket` on,
# until a later rule. A rule may only start in a period that has not begun, so no bucket
# that exists (or could exist: purchases are never in the future) changes its expiry date.

_RULES_CACHE = "campaigns.carryover_rules"
MAX_CARRYOVER = 20


def _carryover_rules(program: CoopProgram) -> list[tuple[int, int]]:
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
            kind, index = _parse_bucket(label)
            if kind == program.period:
                rules.append((index, periods))
        rules.sort()
        cache[program.id] = rules
    return rules


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_carryover_rules(session, *_args) -> None:
    # A rolled-back rule must not linger; a committed one may come from elsewhere.
    session.info.pop(_RULES_CACHE, None)


def carryover_for(program: CoopProgram, label: str) -> int:
    """The carryover (in periods) of money earned in the bucket `label`: the rule in force
    for that period, or the program's own carryover before its first rule."""
    kind, index = _parse_bucket(label)
    periods = program.carryover_periods
    if kind != program.period:
        return periods
    for start, rule_periods in _carryover_rules(program):
        if start > index:
            break
        periods = rule_periods
    return periods


def _label(kind: PeriodKind, index: int) -> str:
    if kind == PeriodKind.QUARTER:
        year, quarter = divmod(index, 4)
        return f"{year}-Q{quarter + 1}"
    return str(index)


def next_bucket(program: CoopProgram, label: str, steps: int = 1) -> str:
    """The bucket `steps` periods after `label` ("2026" → "2027", "2026-Q4" → "2027-Q1")."""
    kind, index = _parse_bucket(label)
    return _label(kind, index + steps)


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
    on = _check_date(on)
    current = bucket_for(program, on)
    _kind, now = _parse_bucket(current)
    steps = [
        CarryoverStep(current, carryover_for(program, current), expires_on(program, current), False)
    ]
    for start, periods in _carryover_rules(program):
        if start > now:
            label = _label(program.period, start)
            steps.append(CarryoverStep(label, periods, expires_on(program, label), True))
    return steps


def set_carryover(
    program: CoopProgram,
    periods,
    actor: Person,
    from_bucket: str | None = None,
    *,
    on: date | None = None,
) -> CarryoverRule | None:
    """Change the carryover for money earned from `from_bucket` on (default: the next period).

    Money already earned keeps the expiry date it was promised: the change may only start
    in a period that has not begun. Program admin only; audited. Returns the rule, or None
    when the carryover asked for is already the one in force for that period.
    """
    _require_program_admin(actor, "changes the carryover")
    on = _check_date(on)
    if (
        isinstance(periods, bool)
        or not isinstance(periods, int)
        or not (0 <= periods <= MAX_CARRYOVER)
    ):
        raise ValidationFailed(
            {
                "carryover_periods": [
                    f"Carryover is a whole number of periods from 0 to {MAX_CARRYOVER}."
                ]
            }
        )
    current = bucket_for(program, on)
    label = next_bucket(program, current) if from_bucket is None else from_bucket
    try:
        kind, index = _parse_bucket(label)
    except _Invalid as exc:
        raise ValidationFailed({"from_bucket": [str(exc)]}) from None
    if kind != program.period:
        raise ValidationFailed(
            {
                "from_bucket": [
                    f"{program.name} keeps {program.period.value}ly buckets; “{label}” is not one."
                ]
            }
        )
    if index <= _parse_bucket(current)[1]:
        raise ValidationFailed(
            {
                "from_bucket": [
                    f"A carryover change applies to money earned from the next period on: "
                    f"{current} has already begun, so choose {next_bucket(program, current)} "
                    "or later."
                ]
            }
        )
    earned = [
        bucket
        for bucket in program_buckets(program)
        if _parse_bucket(bucket)[0] == kind and _parse_bucket(bucket)[1] >= index
    ]
    if earned:
        raise ValidationFailed(
            {
                "from_bucket": [
                    f"Money was already earned in {min(earned, key=period_start)}, and its "
                    "expiry date can't move; choose a later period."
                ]
            }
        )
    before = carryover_for(program, label)
    rule = db.session.scalar(
        sa.select(CarryoverRule).where(
            CarryoverRule.program_id == program.id, CarryoverRule.from_bucket == label
        )
    )
    if before == periods:
        return None
    if rule is None:
        rule = CarryoverRule(
            program_id=program.id,
            from_bucket=label,
            carryover_periods=periods,
            created_by_id=actor.id,
        )
        db.session.add(rule)
    else:
        rule.carryover_periods = periods
        rule.created_by_id = actor.id
    db.session.flush()
    db.session.info.pop(_RULES_CACHE, None)
    word = program.period.value
    audit.record(
        "coop.carryover_set",
        rule,
        actor=actor,
        before={"from_bucket": label, "carryover_periods": before},
        after={"from_bucket": label, "carryover_periods": periods},
        summary=f"Carryover for money earned in {program.name} from {label} on: {periods} "
        f"{word}{'s' if periods != 1 else ''} (was {before}); money already earned keeps "
        "its expiry dates",
    )
    return rule


MAX_CLAIM_WINDOW_DAYS = 730


def set_claim_terms(
    actor: Person, program: CoopProgram, *, claim_window_days=None, minimum_claim=None
) -> dict[str, tuple]:
    """Change the claim window and/or the minimum claim (program admin; audited).

    Proposals stamp both when they are submitted, so a change only affects proposals
    submitted afterwards. Returns {field: (before, after)} of what changed.
    """
    _require_program_admin(actor, "changes the claim terms")
    problems: dict[str, list[str]] = {}
    changes: dict[str, tuple] = {}
    if claim_window_days is not None:
        if (
            isinstance(claim_window_days, bool)
            or not isinstance(claim_window_days, int)
            or not 0 <= claim_window_days <= MAX_CLAIM_WINDOW_DAYS
        ):
            problems["claim_window_days"] = [
                f"The claim window is a whole number of days from 0 to {MAX_CLAIM_WINDOW_DAYS}."
            ]
        elif claim_window_days != program.claim_window_days:
            changes["claim_window_days"] = (program.claim_window_days, claim_window_days)
    if minimum_claim is not None:
        try:
            amount = parse_money(minimum_claim, "minimum claim", zero=True)
        except _Invalid as exc:
            problems["minimum_claim"] = [str(exc)]
        else:
            if amount != program.minimum_claim:
                changes["minimum_claim"] = (program.minimum_claim, amount)
    if problems:
        raise ValidationFailed(problems)
    if not changes:
        return changes
    for name, (_old, new) in changes.items():
        setattr(program, name, new)
    db.session.flush()
    audit.record(
        "coop.claim_terms_set",
        program,
        actor=actor,
        before={name: audit.jsonable(old) for name, (old, _new) in changes.items()},
        after={name: audit.jsonable(new) for name, (_old, new) in changes.items()},
        summary=f"Claim terms of {program.name} changed for proposals submitted from now on: "
        + ", ".join(
            f"{name.replace('_', ' ')} {audit.jsonable(old)} → {audit.jsonable(new)}"
            for name, (old, new) in changes.items()
        ),
    )
    return changes


@dataclass(frozen=True)
class BucketBalance:
    """What one bucket holds: earned in its period, and what became of it."""

    bucket: str
    expires_on: date
    earned: Decimal  # accruals and adjustments
    reimbursed: Decimal
    expired: Decimal
    held: Decimal  # earmarked by open holds, not yet reimbursed or released

    @property
    def remaining(self) -> Decimal:
        """Neither spent nor expired (held money included) — the table's bucket column."""
        return self.earned - self.reimbursed - self.expired

    @property
    def free(self) -> Decimal:
        """Remaining and not held: what a new hold could take, or expiry would."""
        return self.remaining - self.held

    def is_live(self, on: date) -> bool:
        return on <= self.expires_on


# --- Reading balances --------------------------------------------------------------


def _cents(column):
    # Sum whole cents as integers: exact on SQLite too, which stores Numeric as REAL.
    return sa.cast(sa.func.round(column * 100), sa.BigInteger)


def _from_cents(value) -> Decimal:
    return Decimal(int(value or 0)).scaleb(-2)


def _bucket_sums(account_id: int) -> dict[str, dict[EntryKind, Decimal]]:
    rows = db.session.execute(
        sa.select(LedgerEntry.bucket, LedgerEntry.kind, sa.func.sum(_cents(LedgerEntry.amount)))
        .where(LedgerEntry.account_id == account_id)
        .group_by(LedgerEntry.bucket, LedgerEntry.kind)
    )
    sums: dict[str, dict[EntryKind, Decimal]] = {}
    for bucket, kind, cents in rows:
        sums.setdefault(bucket, {})[kind] = _from_cents(cents)
    return sums


def _bucket_balance(program: CoopProgram, label: str, sums: dict) -> BucketBalance:
    def total(kind):
        return sums.get(kind, ZERO)

    return BucketBalance(
        bucket=label,
        expires_on=expires_on(program, label),
        earned=total(EntryKind.ACCRUAL) + total(EntryKind.ADJUSTMENT),
        reimbursed=total(EntryKind.REIMBURSEMENT),
        expired=total(EntryKind.EXPIRY),
        held=total(EntryKind.HOLD) - total(EntryKind.RELEASE) - total(EntryKind.REIMBURSEMENT),
    )


def bucket_balances(account: CoopAccount) -> list[BucketBalance]:
    """Every bucket of the account, oldest first, computed from its entries."""
    program = db.session.get(CoopProgram, account.program_id)
    balances = [
        _bucket_balance(program, label, sums) for label, sums in _bucket_sums(account.id).items()
    ]
    return sorted(balances, key=lambda b: period_start(b.bucket))


@dataclass(frozen=True)
class Balance:
    """An account's money: earned = reimbursed + expired + held + available."""

    earned: Decimal
    held: Decimal
    reimbursed: Decimal
    expired: Decimal
    available: Decimal


def balance(account: CoopAccount) -> Balance:
    """The account's cached balance (one indexed row read, however long the ledger).

    `available` equals rule 5's "live buckets' remaining − held" once the day's period
    close has run; `place_hold` applies any pending expiry itself before it takes money.
    """
    row = db.session.execute(
        sa.select(*(getattr(CoopAccount, name) for name in BALANCE_FIELDS)).where(
            CoopAccount.id == account.id
        )
    ).one()
    return Balance(*row)


def _kind_totals(kind_sums: dict[EntryKind, Decimal]) -> Balance:
    values = [ZERO] * 5
    for kind, amount in kind_sums.items():
        for i, weight in enumerate(EFFECTS[kind]):
            values[i] += weight * amount
    return Balance(*values)


def _account_totals_query():
    """Per account, the cached columns beside the sums of its entries by kind — one statement,
    so a consistent snapshot even on PostgreSQL's READ COMMITTED."""
    sums = (
        sa.select(
            LedgerEntry.account_id.label("account_id"),
            *(
                sa.func.sum(
                    sa.case((LedgerEntry.kind == kind, _cents(LedgerEntry.amount)), else_=0)
                ).label(kind.value)
                for kind in EntryKind
            ),
        )
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    return sa.select(
        CoopAccount.id,
        CoopAccount.organization_id,
        *(getattr(CoopAccount, name) for name in BALANCE_FIELDS),
        *(getattr(sums.c, kind.value) for kind in EntryKind),
    ).outerjoin(sums, sums.c.account_id == CoopAccount.id)


def recompute(account: CoopAccount) -> Balance:
    """The balance as the sum of the account's entries (what the cache must equal, I3)."""
    row = db.session.execute(_account_totals_query().where(CoopAccount.id == account.id)).one()
    return _kind_totals({kind: _from_cents(row[7 + i]) for i, kind in enumerate(EntryKind)})


@dataclass(frozen=True)
class HoldBalance:
    """What became of a hold: reimbursed + released + remaining = amount (I5)."""

    amount: Decimal
    reimbursed: Decimal
    released: Decimal
    expired: Decimal  # the part of `released` that expired at release (rule 3)
    by_bucket: dict[str, Decimal]  # still earmarked, oldest bucket first

    @property
    def remaining(self) -> Decimal:
        return sum(self.by_bucket.values(), ZERO)


def hold_balance(hold: Hold) -> HoldBalance:
    """How much of a hold is still earmarked, per bucket, and how much was paid or released."""
    rows = db.session.execute(
        sa.select(LedgerEntry.bucket, LedgerEntry.kind, sa.func.sum(_cents(LedgerEntry.amount)))
        .where(LedgerEntry.hold_id == hold.id)
        .group_by(LedgerEntry.bucket, LedgerEntry.kind)
    )
    per_bucket: dict[str, dict[EntryKind, Decimal]] = {}
    for bucket, kind, cents in rows:
        per_bucket.setdefault(bucket, {})[kind] = _from_cents(cents)
    totals = dict.fromkeys(EntryKind, ZERO)
    by_bucket = {}
    for bucket in sorted(per_bucket, key=period_start):
        sums = per_bucket[bucket]
        for kind, amount in sums.items():
            totals[kind] += amount
        left = (
            sums.get(EntryKind.HOLD, ZERO)
            - sums.get(EntryKind.RELEASE, ZERO)
            - sums.get(EntryKind.REIMBURSEMENT, ZERO)
        )
        if left:
            by_bucket[bucket] = left
    return HoldBalance(
        amount=hold.amount,
        reimbursed=totals[EntryKind.REIMBURSEMENT],
        released=totals[EntryKind.RELEASE],
        expired=totals[EntryKind.EXPIRY],
        by_bucket=by_bucket,
    )


@dataclass(frozen=True)
class ExpiringFunds:
    bucket: str
    amount: Decimal
    expires_on: date


def expiring_soon(
    account: CoopAccount, within_days: int = 60, today: date | None = None
) -> list[ExpiringFunds]:
    """Money no hold covers that expires within the next `within_days` days, soonest first."""
    today = _check_date(today)
    return [
        ExpiringFunds(b.bucket, b.free, b.expires_on)
        for b in sorted(bucket_balances(account), key=lambda b: b.expires_on)
        if b.is_live(today) and b.free > 0 and (b.expires_on - today).days <= within_days
    ]


# --- Writing entries ---------------------------------------------------------------


def _lock(account_id: int) -> CoopAccount:
    """The account row, locked for this transaction and re-read (its cache may be stale).

    PostgreSQL: SELECT … FOR UPDATE waits for any other transaction holding the row.
    SQLite: FOR UPDATE does not exist; the transaction began IMMEDIATE (hub.db), so it
    already holds the database's only write lock and this read sees the latest commit.
    """
    return db.session.execute(
        sa.select(CoopAccount)
        .where(CoopAccount.id == account_id)
        .with_for_update(of=CoopAccount)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _lock_many(account_ids) -> dict[int, CoopAccount]:
    # Always in id order, so two writers locking overlapping sets cannot deadlock.
    accounts = db.session.scalars(
        sa.select(CoopAccount)
        .where(CoopAccount.id.in_(sorted(set(account_ids))))
        .order_by(CoopAccount.id)
        .with_for_update(of=CoopAccount)
        .execution_options(populate_existing=True)
    )
    return {account.id: account for account in accounts}


def _fresh_hold(hold_id: int) -> Hold:
    return db.session.execute(
        sa.select(Hold).where(Hold.id == hold_id).execution_options(populate_existing=True)
    ).scalar_one()


class _Operation:
    """The entries one call writes, sharing its idempotency key.

    The first entry carries the key itself, the n-th `key#n`: every entry's key stays
    unique per account (I4), and a replay finds all of them by the key.
    """

    def __init__(self, account: CoopAccount, key: str | None, actor, on: date):
        self.account, self.key, self.actor, self.on = account, key, actor, on
        self.entries: list[LedgerEntry] = []

    def add(self, kind: EntryKind, amount: Decimal, bucket: str, **fields) -> LedgerEntry:
        n = len(self.entries) + 1
        key = None if self.key is None else self.key if n == 1 else f"{self.key}#{n}"
        fields.setdefault("effective_on", self.on)
        entry = LedgerEntry(
            account_id=self.account.id,
            kind=kind,
            amount=amount,
            bucket=bucket,
            actor_id=getattr(self.actor, "id", None),
            idempotency_key=key,
            **fields,
        )
        db.session.add(entry)
        self.entries.append(entry)
        account = self.account
        for name, weight in zip(BALANCE_FIELDS, EFFECTS[kind], strict=True):
            if weight:
                setattr(account, name, getattr(account, name) + weight * amount)
        if account.available < 0 or account.held < 0:  # the checks above make this unreachable
            raise RuntimeError(f"co-op account {account.id} would go below zero")
        return entry

    def total(self, kind: EntryKind) -> Decimal:
        return sum((e.amount for e in self.entries if e.kind == kind), ZERO)


def _operation_entries(account_id: int, key: str) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            sa.select(LedgerEntry)
            .where(
                LedgerEntry.account_id == account_id,
                sa.or_(
                    LedgerEntry.idempotency_key == key,
                    LedgerEntry.idempotency_key.startswith(f"{key}#", autoescape=True),
                ),
            )
            .order_by(LedgerEntry.id)
        )
    )


def _used_key(key: str) -> Conflict:
    return Conflict(
        {
            "idempotency_key": [
                f"The idempotency key “{key}” was already used for a different request; "
                "use a new key for a new request."
            ]
        }
    )


def _program_of(account: CoopAccount) -> CoopProgram:
    return db.session.get(CoopProgram, account.program_id)


# --- Accounts and program rules ------------------------------------------------------


def get_or_create_account(
    organization: Organization, program: CoopProgram, actor: Person | None = None
) -> CoopAccount:
    """The organisation's account in the program, opened on first use."""
    stmt = sa.select(CoopAccount).where(
        CoopAccount.organization_id == organization.id, CoopAccount.program_id == program.id
    )
    account = db.session.scalar(stmt)
    if account is not None:
        return account
    if organization.kind == OrgKind.OEM:
        raise ValidationFailed(
            "The OEM earns no co-op itself; accounts belong to dealers and distributors."
        )
    try:
        # Two first purchases at once: one insert wins, the other finds its row.
        with db.session.begin_nested():
            account = CoopAccount(
                organization_id=organization.id,
                program_id=program.id,
                earned=ZERO,
                held=ZERO,
                reimbursed=ZERO,
                expired=ZERO,
                available=ZERO,
            )
            db.session.add(account)
    except sa.exc.IntegrityError:
        return db.session.scalars(stmt).one()
    audit.record(
        "coop.account_opened",
        account,
        actor=actor,
        summary=f"Co-op account opened for {organization.name} in {program.name}",
    )
    return account


def _require_program_admin(actor, what: str) -> None:
    if actor is None or not policy.is_program_admin(actor):
        raise PermissionError(f"only the program admin {what}")


def create_program(
    actor: Person,
    name: str,
    currency: str,
    period: str = "year",
    carryover_periods: int = 1,
    claim_window_days: int = 60,
    minimum_claim="0",
) -> CoopProgram:
    """Start a co-op program (program admin only)."""
    _require_program_admin(actor, "creates co-op programs")
    problems: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 120:
        problems["name"] = ["Enter a program name of at most 120 characters."]
    elif db.session.scalar(
        sa.select(CoopProgram.id).where(sa.func.lower(CoopProgram.name) == name.lower())
    ):
        problems["name"] = [f"There is already a program called “{name}”."]
    currency = (currency or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        problems["currency"] = ["Enter the three-letter currency code, e.g. USD or EUR."]
    try:
        period = PeriodKind(period)
    except ValueError:
        problems["period"] = ["Choose whether buckets are years or quarters."]
    if not isinstance(carryover_periods, int) or not 0 <= carryover_periods <= 20:
        problems["carryover_periods"] = ["Carryover is a number of periods from 0 to 20."]
    if not isinstance(claim_window_days, int) or not 0 <= claim_window_days <= 730:
        problems["claim_window_days"] = ["The claim window is a number of days from 0 to 730."]
    try:
        minimum_claim = parse_money(minimum_claim, "minimum claim", zero=True)
    except _Invalid as exc:
        problems["minimum_claim"] = [str(exc)]
    if problems:
        raise ValidationFailed(problems)
    program = CoopProgram(
        name=name,
        currency=currency,
        period=period,
        carryover_periods=carryover_periods,
        claim_window_days=claim_window_days,
        minimum_claim=minimum_claim,
        active=True,
    )
    db.session.add(program)
    db.session.flush()
    audit.record(
        "coop.program_created",
        program,
        actor=actor,
        after=audit.snapshot(
            program,
            [
                "name",
                "currency",
                "period",
                "carryover_periods",
                "claim_window_days",
                "minimum_claim",
            ],
        ),
        summary=f"Co-op program {name} created",
    )
    return program


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
    _require_program_admin(actor, "sets accrual rates")
    try:
        value = _decimal(rate, "rate")
    except _Invalid as exc:
        raise ValidationFailed({"rate": [str(exc)]}) from None
    if not 0 <= value <= 1:
        raise ValidationFailed({"rate": ["A rate is a fraction from 0 to 1: 0.02 means 2%."]})
    if value != value.quantize(RATE_PLACES):
        raise ValidationFailed({"rate": ["Give the rate with at most five decimals (0.00750)."]})
    effective_from = _check_date(effective_from, "effective_from")
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
        f"in {program.name} from {effective_from}",
    )
    return row


def _load_rates(program: CoopProgram) -> list[AccrualRate]:
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
    for row in _load_rates(program) if rates is None else rates:
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


# --- Purchases and accruals -----------------------------------------------------------


@dataclass
class ImportReport:
    """What became of each line of a batch: accepted, duplicate (a replay), conflict or error.

    `errors` name lines by their 0-based index in the batch (the CSV upload adds its
    header to show line numbers).
    """

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    accrued: Decimal = ZERO

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.errors


@dataclass(frozen=True)
class _Line:
    index: int
    external_id: str
    organization_id: int
    amount: Decimal
    currency: str
    purchased_on: date
    product_line_id: int | None

    def content(self) -> dict:
        return {
            "organization_id": self.organization_id,
            "amount": str(self.amount),
            "currency": self.currency,
            "purchased_on": self.purchased_on.isoformat(),
            "product_line_id": self.product_line_id,
        }

    def content_hash(self) -> str:
        canonical = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


_LINE_FIELDS = {
    "organization_id": "organisation",
    "amount": "amount",
    "currency": "currency",
    "purchased_on": "purchase date",
    "product_line_id": "product line",
}


def _int(value, what: str) -> int:
    if isinstance(value, bool):
        raise _Invalid(f"The {what} must be a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise _Invalid(f"The {what} “{value}” must be a whole number.")


def _parse_line(index: int, raw, program: CoopProgram, today: date) -> _Line:
    if not isinstance(raw, dict):
        raise _Invalid("The line is not a set of fields (external_id, organization_id, amount…).")
    external_id = raw.get("external_id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not external_id.strip():
        raise _Invalid(
            "The line has no external_id (the ERP's line id), so a replay could not be recognised."
        )
    external_id = external_id.strip()
    if len(external_id) > 120:
        raise _Invalid("The external_id is longer than 120 characters.")

    def bad(sentence: str) -> _Invalid:
        return _Invalid(f"{external_id}: {sentence}")

    try:
        organization_id = _int(raw.get("organization_id"), "organisation id")
        amount = parse_money(raw.get("amount"), "amount")
    except _Invalid as exc:
        raise bad(str(exc)) from None
    currency = raw.get("currency")
    if not isinstance(currency, str) or currency.strip().upper() != program.currency:
        shown = currency if isinstance(currency, str) and currency.strip() else "no currency"
        raise bad(
            f"the line is in {shown}, but {program.name} pays co-op in {program.currency}; "
            "send it in that currency."
        )
    purchased_on = raw.get("purchased_on")
    if isinstance(purchased_on, datetime):
        purchased_on = purchased_on.date()
    elif isinstance(purchased_on, str):
        try:
            purchased_on = date.fromisoformat(purchased_on.strip())
        except ValueError:
            raise bad(
                f"the purchase date “{purchased_on}” is not a date like 2026-03-31."
            ) from None
    if not isinstance(purchased_on, date):
        raise bad("the purchase date is missing; write it like 2026-03-31.")
    if purchased_on > today:
        raise bad(
            f"the purchase date {purchased_on} is in the future; send the line once the "
            "purchase has happened."
        )
    if purchased_on < EARLIEST_PURCHASE:
        raise bad(f"the purchase date {purchased_on} is not plausible; check it for a typo.")
    product_line_id = raw.get("product_line_id")
    if product_line_id in ("", None):
        product_line_id = None
    else:
        try:
            product_line_id = _int(product_line_id, "product line id")
        except _Invalid as exc:
            raise bad(str(exc)) from None
    return _Line(
        index=index,
        external_id=external_id,
        organization_id=organization_id,
        amount=amount,
        currency=program.currency,
        purchased_on=purchased_on,
        product_line_id=product_line_id,
    )


def _differences(existing: PurchaseLine, line: _Line) -> str:
    stored = {
        "organization_id": existing.organization_id,
        "amount": str(existing.amount),
        "currency": existing.currency,
        "purchased_on": existing.purchased_on.isoformat(),
        "product_line_id": existing.product_line_id,
    }
    new = line.content()
    changed = [
        f"{label} {stored[name]} → {new[name]}"
        for name, label in _LINE_FIELDS.items()
        if stored[name] != new[name]
    ]
    return ", ".join(changed) or "different details"


def record_purchases(
    program: CoopProgram,
    lines: list[dict],
    actor: Person | None = None,
    *,
    today: date | None = None,
) -> ImportReport:
    """Import ERP purchase lines and accrue co-op on them, idempotently (I4).

    Each line: external_id, organization_id, amount, currency, purchased_on and optionally
    product_line_id. A line seen before with the same content is a duplicate and changes
    nothing; with other content it is a conflict. Bad lines are reported and skipped; the
    good ones land. The accrual is amount × the rate on the purchase date (stored on the
    entry), rounded to cents half up, into the bucket of the purchase date.
    """
    today = _check_date(today)
    report = ImportReport()
    if not program.active:
        raise ValidationFailed(f"{program.name} is closed; it accepts no new purchases.")
    if not isinstance(lines, list | tuple):
        raise ValidationFailed("Send the purchases as a list of lines.")

    parsed: list[_Line] = []
    for index, raw in enumerate(lines):
        try:
            parsed.append(_parse_line(index, raw, program, today))
        except _Invalid as exc:
            report.errors.append((index, str(exc)))

    organizations = {
        org.id: org
        for org in db.session.scalars(
            sa.select(Organization).where(
                Organization.id.in_({line.organization_id for line in parsed})
            )
        )
    }
    product_lines = set(
        db.session.scalars(
            sa.select(ProductLine.id).where(
                ProductLine.id.in_({line.product_line_id for line in parsed} - {None})
            )
        )
    )
    rates = _load_rates(program)
    valid: list[tuple[_Line, Decimal]] = []
    seen: dict[str, _Line] = {}
    for line in parsed:
        org = organizations.get(line.organization_id)
        problem = None
        if org is None:
            problem = f"there is no organisation with id {line.organization_id}."
        elif org.kind == OrgKind.OEM:
            problem = f"{org.name} is the OEM, which earns no co-op; use the buying partner's id."
        elif line.product_line_id is not None and line.product_line_id not in product_lines:
            problem = f"there is no product line with id {line.product_line_id}."
        rate = None
        if problem is None:
            rate = rate_for(program, org, line.product_line_id, line.purchased_on, rates)
            if rate is None:
                tier = org.tier.name if org.tier else "no tier"
                problem = (
                    f"no accrual rate applies to {org.name} ({tier}) on {line.purchased_on}; "
                    "ask the program admin to set one, then send the line again."
                )
        if problem:
            report.errors.append((line.index, f"{line.external_id}: {problem}"))
            continue
        earlier = seen.get(line.external_id)
        if earlier is not None:
            if earlier.content_hash() == line.content_hash():
                report.duplicates.append(line.external_id)
            else:
                report.conflicts.append(
                    (
                        line.external_id,
                        f"{line.external_id} appears twice in this batch with different details "
                        f"({_differences_lines(earlier, line)}); only the first was taken.",
                    )
                )
            continue
        seen[line.external_id] = line
        valid.append((line, rate))
    if not valid:
        return report

    accounts_by_org = {
        org_id: get_or_create_account(organizations[org_id], program, actor)
        for org_id in sorted({line.organization_id for line, _ in valid})
    }
    locked = _lock_many(a.id for a in accounts_by_org.values())

    # Only after the locks: a concurrent import of the same line has committed by now.
    existing: dict[str, PurchaseLine] = {}
    ids = [line.external_id for line, _ in valid]
    for start in range(0, len(ids), 500):
        for row in db.session.scalars(
            sa.select(PurchaseLine).where(
                PurchaseLine.program_id == program.id,
                PurchaseLine.external_id.in_(ids[start : start + 500]),
            )
        ):
            existing[row.external_id] = row

    fresh: list[tuple[_Line, Decimal, PurchaseLine]] = []
    for line, rate in valid:
        stored = existing.get(line.external_id)
        if stored is not None:
            if stored.content_hash == line.content_hash():
                report.duplicates.append(line.external_id)
            else:
                report.conflicts.append(
                    (
                        line.external_id,
                        f"{line.external_id} was imported on {stored.created_at:%Y-%m-%d} with "
                        f"other details ({_differences(stored, line)}); nothing was changed. "
                        "Send a correction as a new line with its own id, or ask the program "
                        "admin for an adjustment.",
                    )
                )
            continue
        purchase = PurchaseLine(
            program_id=program.id,
            organization_id=line.organization_id,
            external_id=line.external_id,
            product_line_id=line.product_line_id,
            amount=line.amount,
            currency=line.currency,
            purchased_on=line.purchased_on,
            content_hash=line.content_hash(),
            imported_by_id=getattr(actor, "id", None),
        )
        db.session.add(purchase)
        fresh.append((line, rate, purchase))
    db.session.flush()

    per_account: dict[int, list[Decimal]] = {}
    for line, rate, purchase in fresh:
        account = locked[accounts_by_org[line.organization_id].id]
        accrual = quantize(line.amount * rate)
        report.accepted.append(line.external_id)
        if accrual == 0:
            continue
        bucket = bucket_for(program, line.purchased_on)
        operation = _Operation(account, f"purchase:{purchase.id}", actor, line.purchased_on)
        operation.add(
            EntryKind.ACCRUAL,
            accrual,
            bucket,
            rate=rate,
            purchase_line_id=purchase.id,
            reason=f"Purchase {line.external_id}: {format_money(line.amount, program.currency)} "
            f"at {rate * 100:.3f}%",
        )
        last_day = expires_on(program, bucket)
        if last_day < today:
            # A purchase reported after its bucket's window closed: earned, and already expired.
            operation.add(
                EntryKind.EXPIRY,
                accrual,
                bucket,
                purchase_line_id=purchase.id,
                effective_on=today,
                reason=f"Purchase {line.external_id} arrived after the {bucket} funds expired "
                f"on {last_day}",
            )
        per_account.setdefault(account.id, []).append(accrual)
        report.accrued += accrual

    for account_id, accruals in per_account.items():
        account = locked[account_id]
        total = sum(accruals, ZERO)
        audit.record(
            "coop.accrued",
            account,
            actor=actor,
            after={
                "purchases": len(accruals),
                "accrued": str(total),
                "earned": str(account.earned),
            },
            summary=f"{len(accruals)} purchase(s) accrued {format_money(total, program.currency)}",
        )
    if report.accepted:
        audit.record(
            "coop.purchases_imported",
            program,
            actor=actor,
            after={
                "accepted": len(report.accepted),
                "duplicates": len(report.duplicates),
                "conflicts": len(report.conflicts),
                "errors": len(report.errors),
                "accrued": str(report.accrued),
            },
            summary=f"{len(report.accepted)} purchase line(s) imported into {program.name}",
        )
    db.session.flush()
    return report


def _differences_lines(first: _Line, second: _Line) -> str:
    a, b = first.content(), second.content()
    return ", ".join(
        f"{label} {a[name]} → {b[name]}"
        for name, label in _LINE_FIELDS.items()
        if a[name] != b[name]
    )


# --- Holds, reimbursements, releases -----------------------------------------------


@dataclass
class Movement:
    """What a reimbursement, release or settlement did to a hold."""

    hold: Hold
    reimbursed: Decimal
    released: Decimal
    expired: Decimal
    entries: list[LedgerEntry]
    replayed: bool = False


def _check_reference(reference: str) -> str:
    reference = (reference or "").strip() if isinstance(reference, str) else ""
    if not reference or len(reference) > 120:
        raise ValidationFailed(
            {
                "reference": [
                    "Say what the hold is for (e.g. campaign:42), in at most 120 characters."
                ]
            }
        )
    return reference


def _expire_dead_buckets(account: CoopAccount, on: date, actor=None) -> list[tuple[str, Decimal]]:
    """Expire what is neither spent nor held in buckets whose window closed before `on` (rule 3, I7)."""
    program = _program_of(account)
    expired = []
    for bucket in bucket_balances(account):
        if bucket.is_live(on) or bucket.free <= 0:
            continue
        key = f"expiry:{bucket.bucket}"
        earlier = db.session.scalar(
            sa.select(sa.func.count()).where(
                LedgerEntry.account_id == account.id,
                sa.or_(
                    LedgerEntry.idempotency_key == key,
                    LedgerEntry.idempotency_key.startswith(f"{key}:", autoescape=True),
                ),
            )
        )
        if earlier:  # only after a back-dated release; keeps keys unique and deterministic
            key = f"{key}:{earlier + 1}"
        operation = _Operation(account, key, actor, bucket.expires_on)
        operation.add(
            EntryKind.EXPIRY,
            bucket.free,
            bucket.bucket,
            reason=f"Unspent, unheld {bucket.bucket} funds expired after {bucket.expires_on} "
            f"(carryover: {carryover_for(program, bucket.bucket)} period(s))",
        )
        audit.record(
            "coop.expired",
            account,
            actor=actor,
            after={"bucket": bucket.bucket, "amount": str(bucket.free)},
            summary=f"{format_money(bucket.free, program.currency)} of the {bucket.bucket} "
            f"funds expired after {bucket.expires_on}",
        )
        expired.append((bucket.bucket, bucket.free))
    return expired


def place_hold(
    account: CoopAccount,
    amount,
    reference: str,
    idempotency_key: str,
    actor: Person | None = None,
    on: date | None = None,
) -> Hold:
    """Set money aside for an approved campaign, oldest live bucket first (rule 2).

    Refused when it would take more than is available, however many arrive at once (I2).
    The same idempotency key again returns the original hold and changes nothing (I4).
    """
    on = _check_date(on)
    amount = _field_money(amount, "amount")
    reference = _check_reference(reference)
    key = _check_key(idempotency_key)
    account = _lock(account.id)
    program = _program_of(account)

    original = db.session.scalar(
        sa.select(Hold).where(Hold.account_id == account.id, Hold.idempotency_key == key)
    )
    if original is not None:
        if original.amount != amount or original.reference != reference:
            raise _used_key(key)
        return original

    buckets = bucket_balances(account)
    live = [b for b in buckets if b.is_live(on) and b.free > 0]
    available = sum((b.free for b in live), ZERO)
    if amount > available:
        raise InsufficientFunds(
            {
                "amount": [
                    f"Only {format_money(available, program.currency)} is available, so "
                    f"{format_money(amount, program.currency)} cannot be held. Lower the amount, "
                    "or wait for new purchases to accrue."
                ]
            }
        )
    # Record any expiry that is due, so the cached balance says what rule 5 says.
    _expire_dead_buckets(account, on, actor)

    hold = Hold(
        account_id=account.id,
        amount=amount,
        reference=reference,
        status=HoldStatus.OPEN,
        idempotency_key=key,
        placed_on=on,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(hold)
    db.session.flush()
    operation = _Operation(account, key, actor, on)
    left = amount
    taken = {}
    for bucket in live:
        take = min(left, bucket.free)
        operation.add(
            EntryKind.HOLD, take, bucket.bucket, hold_id=hold.id, reason=f"Held for {reference}"
        )
        taken[bucket.bucket] = str(take)
        left -= take
        if left == 0:
            break
    audit.record(
        "coop.hold_placed",
        hold,
        actor=actor,
        organization_id=account.organization_id,
        after={"amount": str(amount), "reference": reference, "buckets": taken},
        summary=f"{format_money(amount, program.currency)} held for {reference}",
    )
    db.session.flush()
    return hold


def _require_open(hold: Hold) -> None:
    if hold.status != HoldStatus.OPEN:
        raise ValidationFailed(
            f"The hold for {hold.reference} was already settled on {hold.resolved_on}; "
            "nothing is left to pay or release."
        )


def _too_much(amount: Decimal, remaining: Decimal, hold: Hold, program: CoopProgram, verb: str):
    return ValidationFailed(
        {
            "amount": [
                f"Only {format_money(remaining, program.currency)} is still held for "
                f"{hold.reference}, so {format_money(amount, program.currency)} cannot be {verb}."
            ]
        }
    )


def _pay(operation: _Operation, hold: Hold, by_bucket: dict, amount: Decimal, reason: str) -> None:
    """Reimburse from what the hold earmarked, oldest bucket first (rule 2)."""
    left = amount
    for bucket, earmarked in list(by_bucket.items()):
        if left == 0:
            break
        take = min(left, earmarked)
        operation.add(EntryKind.REIMBURSEMENT, take, bucket, hold_id=hold.id, reason=reason)
        by_bucket[bucket] = earmarked - take
        left -= take


def _release(
    operation: _Operation, hold: Hold, by_bucket: dict, amount: Decimal, reason: str
) -> None:
    """Give earmarked money back, newest bucket first (what stays held is the oldest money,
    which is what a later reimbursement pays from). Released money whose bucket's window has
    closed expires at once (rule 3)."""
    program = _program_of(operation.account)
    taking: dict[str, Decimal] = {}
    left = amount
    for bucket in reversed(list(by_bucket)):
        take = min(left, by_bucket[bucket])
        if take > 0:
            taking[bucket] = take
            left -= take
    for bucket in by_bucket:  # entries oldest bucket first, as the statement reads
        take = taking.get(bucket)
        if not take:
            continue
        operation.add(EntryKind.RELEASE, take, bucket, hold_id=hold.id, reason=reason)
        by_bucket[bucket] -= take
        last_day = expires_on(program, bucket)
        if last_day < operation.on:
            operation.add(
                EntryKind.EXPIRY,
                take,
                bucket,
                hold_id=hold.id,
                reason=f"Released after the {bucket} funds' window closed on {last_day}",
            )


def _finish(hold: Hold, remaining: Decimal, on: date) -> None:
    if remaining == 0:
        hold.status = HoldStatus.RESOLVED
        hold.resolved_on = on


def _replay(
    hold: Hold,
    key: str,
    entries: list[LedgerEntry],
    kinds: set[EntryKind],
    expected: dict[EntryKind, Decimal],
) -> Movement:
    """The original result of an operation sent again with its key — or a conflict if the
    key was used for something else."""
    totals = {kind: sum((e.amount for e in entries if e.kind == kind), ZERO) for kind in EntryKind}
    same = all(e.hold_id == hold.id and e.kind in kinds for e in entries) and all(
        totals[kind] == amount for kind, amount in expected.items()
    )
    if not same:
        raise _used_key(key)
    return Movement(
        hold=hold,
        reimbursed=totals[EntryKind.REIMBURSEMENT],
        released=totals[EntryKind.RELEASE],
        expired=totals[EntryKind.EXPIRY],
        entries=entries,
        replayed=True,
    )


def reimburse(
    hold: Hold,
    amount,
    actor: Person | None = None,
    *,
    idempotency_key: str,
    on: date | None = None,
    reason: str = "",
) -> Movement:
    """Pay an approved claim out of its hold, oldest earmarked bucket first; never more than
    the hold still has. The hold stays open for the rest (see `settle_claim`)."""
    on = _check_date(on)
    amount = _field_money(amount, "amount")
    key = _check_key(idempotency_key)
    account = _lock(hold.account_id)
    hold = _fresh_hold(hold.id)
    program = _program_of(account)
    if entries := _operation_entries(account.id, key):
        return _replay(
            hold, key, entries, {EntryKind.REIMBURSEMENT}, {EntryKind.REIMBURSEMENT: amount}
        )
    _require_open(hold)
    state = hold_balance(hold)
    if amount > state.remaining:
        raise _too_much(amount, state.remaining, hold, program, "reimbursed")
    operation = _Operation(account, key, actor, on)
    by_bucket = dict(state.by_bucket)
    _pay(operation, hold, by_bucket, amount, (reason or f"Claim paid for {hold.reference}")[:300])
    _finish(hold, state.remaining - amount, on)
    audit.record(
        "coop.reimbursed",
        hold,
        actor=actor,
        organization_id=account.organization_id,
        after={"reimbursed": str(amount), "status": hold.status.value},
        summary=f"{format_money(amount, program.currency)} reimbursed for {hold.reference}",
    )
    db.session.flush()
    return Movement(hold, amount, ZERO, ZERO, operation.entries)


def release_hold(
    hold: Hold,
    amount=None,
    reason: str = "",
    actor: Person | None = None,
    on: date | None = None,
    idempotency_key: str | None = None,
) -> Movement:
    """Give back all (amount None) or part of what a hold still earmarks (campaign cancelled,
    claim smaller, deadline passed). Money from a bucket whose window closed expires (rule 3)."""
    on = _check_date(on)
    amount = None if amount is None else _field_money(amount, "amount")
    key = _check_key(idempotency_key, required=False)
    account = _lock(hold.account_id)
    hold = _fresh_hold(hold.id)
    program = _program_of(account)
    if key and (entries := _operation_entries(account.id, key)):
        expected = {} if amount is None else {EntryKind.RELEASE: amount}
        return _replay(hold, key, entries, {EntryKind.RELEASE, EntryKind.EXPIRY}, expected)
    _require_open(hold)
    state = hold_balance(hold)
    amount = state.remaining if amount is None else amount
    if amount > state.remaining:
        raise _too_much(amount, state.remaining, hold, program, "released")
    operation = _Operation(account, key, actor, on)
    by_bucket = dict(state.by_bucket)
    _release(
        operation, hold, by_bucket, amount, (reason or f"Released from {hold.reference}")[:300]
    )
    _finish(hold, state.remaining - amount, on)
    expired = operation.total(EntryKind.EXPIRY)
    audit.record(
        "coop.hold_released",
        hold,
        actor=actor,
        organization_id=account.organization_id,
        after={"released": str(amount), "expired": str(expired), "status": hold.status.value},
        summary=f"{format_money(amount, program.currency)} released from {hold.reference}"
        + (f", of which {format_money(expired, program.currency)} expired" if expired else ""),
    )
    db.session.flush()
    return Movement(hold, ZERO, amount, expired, operation.entries)


def settle_claim(
    hold: Hold,
    approved_amount,
    actor: Person | None = None,
    *,
    idempotency_key: str,
    on: date | None = None,
    reason: str = "",
) -> Movement:
    """Pay the approved amount and release the rest of the hold, in one go (rule 4, I5).

    `approved_amount` is what the claim earned (eligible cost × the category's share,
    computed by the claims workflow); zero releases the whole hold.
    """
    on = _check_date(on)
    approved = _field_money(approved_amount, "approved_amount", "approved amount", zero=True)
    key = _check_key(idempotency_key)
    account = _lock(hold.account_id)
    hold = _fresh_hold(hold.id)
    program = _program_of(account)
    if entries := _operation_entries(account.id, key):
        return _replay(
            hold,
            key,
            entries,
            {EntryKind.REIMBURSEMENT, EntryKind.RELEASE, EntryKind.EXPIRY},
            {EntryKind.REIMBURSEMENT: approved},
        )
    _require_open(hold)
    state = hold_balance(hold)
    if approved > state.remaining:
        raise ValidationFailed(
            {
                "approved_amount": [
                    f"The claim asks for {format_money(approved, program.currency)}, but only "
                    f"{format_money(state.remaining, program.currency)} is held for "
                    f"{hold.reference}; co-op never pays more than the hold."
                ]
            }
        )
    operation = _Operation(account, key, actor, on)
    by_bucket = dict(state.by_bucket)
    reason = (reason or f"Claim settled for {hold.reference}")[:300]
    _pay(operation, hold, by_bucket, approved, reason)
    rest = state.remaining - approved
    if rest:
        _release(operation, hold, by_bucket, rest, f"Not claimed: released from {hold.reference}")
    _finish(hold, ZERO, on)
    expired = operation.total(EntryKind.EXPIRY)
    audit.record(
        "coop.claim_settled",
        hold,
        actor=actor,
        organization_id=account.organization_id,
        after={
            "reimbursed": str(approved),
            "released": str(rest),
            "expired": str(expired),
            "status": hold.status.value,
        },
        summary=f"Claim for {hold.reference}: {format_money(approved, program.currency)} paid, "
        f"{format_money(rest, program.currency)} released"
        + (f" ({format_money(expired, program.currency)} of it expired)" if expired else ""),
    )
    db.session.flush()
    return Movement(hold, approved, rest, expired, operation.entries)


# --- Adjustments and period close ---------------------------------------------------


def adjust(
    account: CoopAccount,
    amount,
    bucket: str,
    reason: str,
    actor: Person,
    on: date | None = None,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Correct a live bucket by a signed amount, with a reason (rule 6; program admin only).

    A negative adjustment can take only money that is neither spent nor held.
    """
    _require_program_admin(actor, "adjusts co-op balances")
    on = _check_date(on)
    amount = _field_money(amount, "amount", signed=True)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed({"reason": ["Say why the balance is adjusted; the dealer sees it."]})
    if len(reason) > 300:
        raise ValidationFailed({"reason": ["Keep the reason under 300 characters."]})
    key = _check_key(idempotency_key, required=False)
    account = _lock(account.id)
    program = _program_of(account)
    try:
        kind, _index = _parse_bucket(bucket)
    except _Invalid as exc:
        raise ValidationFailed({"bucket": [str(exc)]}) from None
    if kind != program.period:
        raise ValidationFailed(
            {
                "bucket": [
                    f"{program.name} keeps {program.period.value}ly buckets; “{bucket}” is not one."
                ]
            }
        )
    if key and (entries := _operation_entries(account.id, key)):
        original = entries[0]
        if len(entries) != 1 or (original.kind, original.amount, original.bucket) != (
            EntryKind.ADJUSTMENT,
            amount,
            bucket,
        ):
            raise _used_key(key)
        return original
    if period_start(bucket) > on:
        raise ValidationFailed({"bucket": [f"The {bucket} period has not started yet."]})
    last_day = expires_on(program, bucket)
    if last_day < on:
        raise ValidationFailed(
            {
                "bucket": [
                    f"The {bucket} funds expired after {last_day}; adjust a live bucket instead."
                ]
            }
        )
    current = next((b for b in bucket_balances(account) if b.bucket == bucket), None)
    free = current.free if current else ZERO
    if amount < 0 and -amount > free:
        raise ValidationFailed(
            {
                "amount": [
                    f"Only {format_money(free, program.currency)} of the {bucket} funds is neither "
                    "spent nor held, so the adjustment can take at most that."
                ]
            }
        )
    operation = _Operation(account, key, actor, on)
    entry = operation.add(EntryKind.ADJUSTMENT, amount, bucket, reason=reason)
    db.session.flush()
    audit.record(
        "coop.adjusted",
        account,
        actor=actor,
        after={"bucket": bucket, "amount": str(amount), "reason": reason},
        summary=f"Adjustment of {format_money(amount, program.currency)} to the {bucket} funds: "
        f"{reason}"[:300],
    )
    return entry


@dataclass
class CloseSummary:
    """What a period close expired: (organisation id, bucket, amount) per bucket."""

    program_id: int
    as_of: date
    accounts_checked: int = 0
    expired: list[tuple[int, str, Decimal]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((amount for _org, _bucket, amount in self.expired), ZERO)

    def __str__(self) -> str:
        if not self.expired:
            return f"program {self.program_id} as of {self.as_of}: nothing expired"
        return (
            f"program {self.program_id} as of {self.as_of}: {len(self.expired)} bucket(s) "
            f"expired, {self.total:,.2f} in all"
        )


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


def close_period(
    program: CoopProgram, as_of: date | None = None, actor: Person | None = None
) -> CloseSummary:
    """Expire, in every account, what is neither spent nor held in buckets whose window ended
    before `as_of` (rules 1 and 3, I7). Running it again changes nothing.

    Only accounts whose closed buckets still hold free money are locked and expired; they
    are found by one sum over the closed buckets' entries, read from the covering index
    ix_coop_ledger_entry_bucket_account. A closed bucket never gains free money afterwards
    (a release from it, or a late purchase into it, expires at once), so the daily run
    after a year-end close finds nothing to lock.
    """
    if actor is not None:
        _require_program_admin(actor, "closes periods")
    as_of = _check_date(as_of, "as_of")
    summary = CloseSummary(program_id=program.id, as_of=as_of)
    dead = [label for label in program_buckets(program) if expires_on(program, label) < as_of]
    if not dead:
        return summary
    cents = _cents(LedgerEntry.amount)
    # free = remaining − held = accruals + adjustments + releases − holds − expiries
    # (a reimbursement leaves both remaining and held, so it cancels out).
    free = sa.func.sum(
        sa.case(
            (
                LedgerEntry.kind.in_([EntryKind.ACCRUAL, EntryKind.ADJUSTMENT, EntryKind.RELEASE]),
                cents,
            ),
            (LedgerEntry.kind.in_([EntryKind.HOLD, EntryKind.EXPIRY]), -cents),
            else_=0,
        )
    )
    with_free = (
        sa.select(LedgerEntry.account_id)
        .where(
            LedgerEntry.bucket.in_(dead),
            LedgerEntry.account_id.in_(
                sa.select(CoopAccount.id).where(CoopAccount.program_id == program.id)
            ),
        )
        .group_by(LedgerEntry.account_id, LedgerEntry.bucket)
        .having(free > 0)
    )
    account_ids = sorted(set(db.session.scalars(with_free)))
    for account_id in account_ids:
        account = _lock(account_id)  # and decided again from the entries, under the lock
        summary.accounts_checked += 1
        for bucket, amount in _expire_dead_buckets(account, as_of, actor):
            summary.expired.append((account.organization_id, bucket, amount))
    db.session.flush()
    return summary


# --- Verification -----------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """One broken invariant, said so that finance can find it."""

    account_id: int | None
    organization_id: int | None
    problem: str

    def __str__(self) -> str:
        return f"account {self.account_id} (organisation {self.organization_id}): {self.problem}"


def verify_ledger(program: CoopProgram | None = None) -> list[Mismatch]:
    """Check every account: cache = sum of entries (I3), available and held ≥ 0 (I2), no
    bucket below zero (I6), every hold resolved exactly by its entries (I5). [] when sound."""
    problems: list[Mismatch] = []
    accounts = _account_totals_query()
    if program is not None:
        accounts = accounts.where(CoopAccount.program_id == program.id)
    orgs: dict[int, int] = {}
    for row in db.session.execute(accounts):
        account_id, org_id = row[0], row[1]
        orgs[account_id] = org_id
        cached = Balance(*row[2:7])
        actual = _kind_totals({kind: _from_cents(row[7 + i]) for i, kind in enumerate(EntryKind)})
        for name in BALANCE_FIELDS:
            if getattr(cached, name) != getattr(actual, name):
                problems.append(
                    Mismatch(
                        account_id,
                        org_id,
                        f"cached {name} {getattr(cached, name)} ≠ {getattr(actual, name)} "
                        "from its entries",
                    )
                )
        for name in ("available", "held"):
            for source, value in (
                ("cached", getattr(cached, name)),
                ("ledger", getattr(actual, name)),
            ):
                if value < 0:
                    problems.append(Mismatch(account_id, org_id, f"{source} {name} is {value}"))

    bucket_rows = sa.select(
        LedgerEntry.account_id,
        LedgerEntry.bucket,
        LedgerEntry.kind,
        sa.func.sum(_cents(LedgerEntry.amount)),
    ).group_by(LedgerEntry.account_id, LedgerEntry.bucket, LedgerEntry.kind)
    if program is not None:
        bucket_rows = bucket_rows.where(
            LedgerEntry.account_id.in_(
                sa.select(CoopAccount.id).where(CoopAccount.program_id == program.id)
            )
        )
    per_bucket: dict[tuple[int, str], dict[EntryKind, Decimal]] = {}
    for account_id, bucket, kind, cents in db.session.execute(bucket_rows):
        per_bucket.setdefault((account_id, bucket), {})[kind] = _from_cents(cents)
    programs = {p.id: p for p in db.session.scalars(sa.select(CoopProgram))}
    account_program = dict(
        db.session.execute(sa.select(CoopAccount.id, CoopAccount.program_id)).tuples().all()
    )
    for (account_id, bucket), sums in per_bucket.items():
        b = _bucket_balance(programs[account_program[account_id]], bucket, sums)
        org_id = orgs.get(account_id)
        for label, value in (("remaining", b.remaining), ("held", b.held), ("free", b.free)):
            if value < 0:
                problems.append(
                    Mismatch(account_id, org_id, f"bucket {bucket}: {label} is {value}")
                )

    hold_sums = (
        sa.select(
            LedgerEntry.hold_id.label("hold_id"),
            sa.func.count(sa.distinct(LedgerEntry.account_id)).label("accounts"),
            sa.func.min(LedgerEntry.account_id).label("account_id"),
            *(
                sa.func.sum(
                    sa.case((LedgerEntry.kind == kind, _cents(LedgerEntry.amount)), else_=0)
                ).label(kind.value)
                for kind in EntryKind
            ),
        )
        .where(LedgerEntry.hold_id.is_not(None))
        .group_by(LedgerEntry.hold_id)
        .subquery()
    )
    holds = sa.select(Hold, hold_sums).outerjoin(hold_sums, hold_sums.c.hold_id == Hold.id)
    if program is not None:
        holds = holds.where(
            Hold.account_id.in_(
                sa.select(CoopAccount.id).where(CoopAccount.program_id == program.id)
            )
        )
    for row in db.session.execute(holds):
        hold = row[0]
        org_id = orgs.get(hold.account_id)
        totals = {kind: _from_cents(getattr(row, kind.value)) for kind in EntryKind}
        held, reimbursed, released = (
            totals[EntryKind.HOLD],
            totals[EntryKind.REIMBURSEMENT],
            totals[EntryKind.RELEASE],
        )

        def bad(text, hold=hold, org_id=org_id):
            problems.append(
                Mismatch(hold.account_id, org_id, f"hold {hold.id} ({hold.reference}): {text}")
            )

        if row.accounts and (row.accounts != 1 or row.account_id != hold.account_id):
            bad("has entries in another account")
        if held != hold.amount:
            bad(f"hold entries sum to {held}, not {hold.amount}")
        if reimbursed + released > hold.amount:
            bad(f"reimbursed {reimbursed} + released {released} exceed {hold.amount}")
        if totals[EntryKind.EXPIRY] > released:
            bad(f"expired {totals[EntryKind.EXPIRY]} at release but released only {released}")
        resolved = reimbursed + released == hold.amount
        if resolved != (hold.status == HoldStatus.RESOLVED):
            bad(f"is {hold.status.value} but {hold.amount - reimbursed - released} remains held")
        if totals[EntryKind.ACCRUAL] or totals[EntryKind.ADJUSTMENT]:
            bad("has accrual or adjustment entries")
    return problems
