"""Adjustments (rule 6): a mistake is corrected by a new entry, with a reason and the
program admin who made it — never by editing one."""

from __future__ import annotations

from datetime import date

from campaigns.coop.balances import bucket_balances, program_of
from campaigns.coop.entries import Operation, check_key, lock_account, operation_entries, used_key
from campaigns.coop.models import CoopAccount, EntryKind, LedgerEntry
from campaigns.coop.money import ZERO, field_money, format_money
from campaigns.coop.periods import check_bucket, check_date, expires_on, period_start
from campaigns.coop.program import require_program_admin
from hub import audit, db
from hub.dates import format_date
from hub.errors import ValidationFailed
from hub.models import Person


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
    require_program_admin(actor, "adjusts co-op balances")
    on = check_date(on)
    amount = field_money(amount, "amount", signed=True)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationFailed({"reason": ["Say why the balance is adjusted; the dealer sees it."]})
    if len(reason) > 300:
        raise ValidationFailed({"reason": ["Keep the reason under 300 characters."]})
    key = check_key(idempotency_key, required=False)
    account = lock_account(account.id)
    program = program_of(account)
    check_bucket(program, bucket)
    if key and (entries := operation_entries(account.id, key)):
        original = entries[0]
        if len(entries) != 1 or (original.kind, original.amount, original.bucket) != (
            EntryKind.ADJUSTMENT,
            amount,
            bucket,
        ):
            raise used_key(key)
        return original
    if period_start(bucket) > on:
        raise ValidationFailed({"bucket": [f"The {bucket} period has not started yet."]})
    last_day = expires_on(program, bucket)
    if last_day < on:
        raise ValidationFailed(
            {
                "bucket": [
                    f"The {bucket} funds expired after {format_date(last_day)}; "
                    "adjust a live bucket instead."
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
    operation = Operation(account, key, actor, on)
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
