"""Program configuration: the program the pages show, accounts, and the program admin's
terms — carryover (for money earned from a coming period on), claim window and minimum
claim. Accrual rates are in `rates`."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from campaigns.coop.models import CarryoverRule, CoopAccount, CoopProgram, PeriodKind
from campaigns.coop.money import ZERO, Invalid, parse_money
from campaigns.coop.periods import (
    MAX_CARRYOVER,
    bucket_for,
    carryover_for,
    check_bucket,
    check_date,
    forget_carryover_rules,
    next_bucket,
    parse_bucket,
    period_start,
    program_buckets,
)
from hub import audit, db, policy
from hub.errors import ValidationFailed
from hub.models import Organization, OrgKind, Person
from hub.plain import PlainRow, row_of

MAX_CLAIM_WINDOW_DAYS = 730


class CurrentProgram(PlainRow):
    """The co-op program as the pages read it: its columns as plain values (hub.plain), the
    ORM row behind them (`row()`) for its writers and its relationships."""

    _fields = tuple(column.key for column in CoopProgram.__table__.columns)
    __slots__ = _fields
    _model = CoopProgram
    audit_type = "CoopProgram"

    def __repr__(self) -> str:
        return f"<CoopProgram {self.id} {self.name!r}>"


# Built once and prepared: nearly every campaigns page and dashboard panel reads it.
_CURRENT_PROGRAM = db.prepared(
    sa.select(*CoopProgram.__table__.columns)
    .where(CoopProgram.active.is_(True))
    .order_by(CoopProgram.id)
    .limit(1)
)


def _read_current_program() -> CurrentProgram | None:
    row = db.read(_CURRENT_PROGRAM).first()
    return None if row is None else CurrentProgram(*row)


def current_program() -> CurrentProgram | None:
    """The co-op program the pages show: the oldest active one (the demo has one), read-only
    (its writers change `current_program().row()`). Read once per request (`db.memo`,
    forgotten at any write): each dashboard panel asks for it."""
    return db.memo("coop.current_program", _read_current_program)


class NoProgram(LookupError):
    """There is no active co-op program yet; the campaigns pages answer with the page that
    says so (the blueprint's handler)."""


def require_program() -> CoopProgram:
    """The current program, or NoProgram when there is none."""
    program = current_program()
    if program is None:
        raise NoProgram
    return program


def require_program_admin(actor, what: str) -> None:
    """Refuse (PermissionError) anyone but the program admin: `what` completes “only the
    program admin …”."""
    if actor is None or not policy.is_program_admin(actor):
        raise PermissionError(f"only the program admin {what}")


EMPTY_ACCOUNT = dict.fromkeys(("earned", "held", "reimbursed", "expired", "available"), ZERO)


def open_accounts(
    organizations: list[Organization], program: CoopProgram, actor: Person | None = None
) -> dict[int, int]:
    """The ids of the organisations' accounts in the program by organisation id, the missing
    ones opened in one multi-row insert and audited in another (one by one, as
    `get_or_create_account`, when another transaction opened one of them meanwhile). No
    account objects are made: an import's first file opens an account for every partner,
    and objects and an audit object each cost more than the insert."""
    ids = [org.id for org in organizations]
    stmt = sa.select(CoopAccount.organization_id, CoopAccount.id).where(
        CoopAccount.program_id == program.id, db.among(CoopAccount.organization_id, ids)
    )
    found = dict(db.session.execute(stmt).tuples().all())
    missing = [org for org in organizations if org.id not in found]
    if not missing:
        return found
    if any(org.kind == OrgKind.OEM for org in missing):
        raise ValidationFailed(
            "The OEM earns no co-op itself; accounts belong to dealers and distributors."
        )
    now = db.utcnow()
    rows = [
        {
            "organization_id": org.id,
            "program_id": program.id,
            **EMPTY_ACCOUNT,
            "version": 1,
            "created_at": now,
        }
        for org in missing
    ]
    try:
        with db.session.begin_nested():
            opened = dict(
                db.session.execute(
                    sa.insert(CoopAccount.__table__).returning(
                        CoopAccount.organization_id, CoopAccount.id
                    ),
                    rows,
                ).all()
            )
    except sa.exc.IntegrityError:
        return found | {org.id: get_or_create_account(org, program, actor).id for org in missing}
    audit.record_many(
        "coop.account_opened",
        "CoopAccount",
        [
            {
                "object_id": opened[org.id],
                "organization_id": org.id,
                "summary": _opened_summary(org, program),
            }
            for org in missing
        ],
        actor=actor,
    )
    return found | opened


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
    _audit_opened(account, organization, program, actor)
    return account


def _opened_summary(organization: Organization, program: CoopProgram) -> str:
    return f"Co-op account opened for {organization.name} in {program.name}"


def _audit_opened(account: CoopAccount, organization: Organization, program, actor) -> None:
    audit.record(
        "coop.account_opened", account, actor=actor, summary=_opened_summary(organization, program)
    )


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
    require_program_admin(actor, "creates co-op programs")
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
    if not isinstance(carryover_periods, int) or not 0 <= carryover_periods <= MAX_CARRYOVER:
        problems["carryover_periods"] = ["Carryover is a number of periods from 0 to 20."]
    if (
        not isinstance(claim_window_days, int)
        or not 0 <= claim_window_days <= MAX_CLAIM_WINDOW_DAYS
    ):
        problems["claim_window_days"] = ["The claim window is a number of days from 0 to 730."]
    try:
        minimum_claim = parse_money(minimum_claim, "minimum claim", zero=True)
    except Invalid as exc:
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
    fields = ["name", "currency", "period", "carryover_periods", "claim_window_days"]
    audit.record(
        "coop.program_created",
        program,
        actor=actor,
        after=audit.snapshot(program, [*fields, "minimum_claim"]),
        summary=f"Co-op program {name} created",
    )
    return program


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
    require_program_admin(actor, "changes the carryover")
    on = check_date(on)
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
    index = check_bucket(program, label, "from_bucket")
    if index <= parse_bucket(current)[1]:
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
        if parse_bucket(bucket)[0] == program.period and parse_bucket(bucket)[1] >= index
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
    forget_carryover_rules(db.session)
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


def set_claim_terms(
    actor: Person, program: CoopProgram, *, claim_window_days=None, minimum_claim=None
) -> dict[str, tuple]:
    """Change the claim window and/or the minimum claim (program admin; audited).

    Proposals stamp both when they are submitted, so a change only affects proposals
    submitted afterwards. Returns {field: (before, after)} of what changed.
    """
    require_program_admin(actor, "changes the claim terms")
    program = row_of(program)  # the row this changes
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
        except Invalid as exc:
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


def set_terms(
    actor: Person,
    program: CoopProgram,
    *,
    carryover_periods,
    from_bucket: str | None,
    claim_window_days=None,
    minimum_claim=None,
    on: date | None = None,
) -> tuple[dict[str, tuple], CarryoverRule | None]:
    """The claim terms and the carryover together, every problem of both said at once.

    Returns (claim term changes as `set_claim_terms` does, the carryover rule or None). On
    a problem the caller rolls back: all terms or none.
    """
    problems: dict[str, list[str]] = {}
    changes, rule = {}, None
    try:
        changes = set_claim_terms(
            actor, program, claim_window_days=claim_window_days, minimum_claim=minimum_claim
        )
    except ValidationFailed as exc:
        problems.update(exc.problems)
    try:
        rule = set_carryover(program, carryover_periods, actor, from_bucket, on=on)
    except ValidationFailed as exc:
        problems.update(exc.problems)
    if problems:
        raise ValidationFailed(problems)
    return changes, rule
