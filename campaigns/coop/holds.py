"""Holds, reimbursements and releases (rules 2–4, I2, I5): money set aside for an approved
campaign, paid out on its claim, and the rest given back.

Every function here adds and flushes but never commits, and locks the account before it
reads a balance (see `entries`). The same idempotency key again returns the original
result and changes nothing (I4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.balances import bucket_balances, hold_balance, program_of
from campaigns.coop.close import expire_dead_buckets
from campaigns.coop.entries import (
    Operation,
    check_key,
    fresh_hold,
    lock_account,
    operation_entries,
    used_key,
)
from campaigns.coop.models import CoopAccount, CoopProgram, EntryKind, Hold, HoldStatus, LedgerEntry
from campaigns.coop.money import ZERO, field_money, format_money
from campaigns.coop.periods import check_date, expires_on
from hub import audit, db
from hub.dates import format_date
from hub.errors import InsufficientFunds, ValidationFailed
from hub.models import Person


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
    on = check_date(on)
    amount = field_money(amount, "amount")
    reference = _check_reference(reference)
    key = check_key(idempotency_key)
    account = lock_account(account.id)
    program = program_of(account)

    original = db.session.scalar(
        sa.select(Hold).where(Hold.account_id == account.id, Hold.idempotency_key == key)
    )
    if original is not None:
        if original.amount != amount or original.reference != reference:
            raise used_key(key)
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
    expire_dead_buckets(account, on, actor)

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
    operation = Operation(account, key, actor, on)
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


def _lock_hold(hold: Hold) -> tuple[CoopAccount, Hold, CoopProgram]:
    """The hold's account locked, the hold re-read under the lock, and its program."""
    account = lock_account(hold.account_id)
    return account, fresh_hold(hold.id), program_of(account)


def _require_open(hold: Hold) -> None:
    if hold.status != HoldStatus.OPEN:
        raise ValidationFailed(
            f"The hold for {hold.reference} was already settled on {format_date(hold.resolved_on)}; "
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


def _pay(operation: Operation, hold: Hold, by_bucket: dict, amount: Decimal, reason: str) -> None:
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
    operation: Operation, hold: Hold, by_bucket: dict, amount: Decimal, reason: str
) -> None:
    """Give earmarked money back, newest bucket first (what stays held is the oldest money,
    which is what a later reimbursement pays from). Released money whose bucket's window has
    closed expires at once (rule 3)."""
    program = program_of(operation.account)
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
                reason=f"Released after the {bucket} funds' window closed on {format_date(last_day)}",
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
        raise used_key(key)
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
    on = check_date(on)
    amount = field_money(amount, "amount")
    key = check_key(idempotency_key)
    account, hold, program = _lock_hold(hold)
    if entries := operation_entries(account.id, key):
        return _replay(
            hold, key, entries, {EntryKind.REIMBURSEMENT}, {EntryKind.REIMBURSEMENT: amount}
        )
    _require_open(hold)
    state = hold_balance(hold)
    if amount > state.remaining:
        raise _too_much(amount, state.remaining, hold, program, "reimbursed")
    operation = Operation(account, key, actor, on)
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
    on = check_date(on)
    amount = None if amount is None else field_money(amount, "amount")
    key = check_key(idempotency_key, required=False)
    account, hold, program = _lock_hold(hold)
    if key and (entries := operation_entries(account.id, key)):
        expected = {} if amount is None else {EntryKind.RELEASE: amount}
        return _replay(hold, key, entries, {EntryKind.RELEASE, EntryKind.EXPIRY}, expected)
    _require_open(hold)
    state = hold_balance(hold)
    amount = state.remaining if amount is None else amount
    if amount > state.remaining:
        raise _too_much(amount, state.remaining, hold, program, "released")
    operation = Operation(account, key, actor, on)
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
    on = check_date(on)
    approved = field_money(approved_amount, "approved_amount", "approved amount", zero=True)
    key = check_key(idempotency_key)
    account, hold, program = _lock_hold(hold)
    if entries := operation_entries(account.id, key):
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
    operation = Operation(account, key, actor, on)
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
