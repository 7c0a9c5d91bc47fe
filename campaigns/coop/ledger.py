"""The co-op ledger's rules (COOP-RULES.md) in one place to import from: accrue, hold,
reimburse, release, adjust, expire, and read balances. docs/coop.md maps each rule to code.

Each rule lives in the module named for it; this module only gathers their public names,
so callers (the proposals workflow, pages, the API, the CLI, tests) write
`ledger.place_hold(...)` without knowing which module holds what:

- `money`: reading and formatting money (`parse_money`, `quantize`, `format_money`)
- `periods`: buckets, their expiry dates and the carryover in force
- `balances`: cached and recomputed balances, buckets, holds, what expires soon
- `entries`: the account lock and an operation's entries under one idempotency key
- `program`: accounts, programs, carryover and claim terms; `rates`: accrual rates
- `purchases`: ERP purchase lines → accruals; `holds`: holds, reimbursements, releases
- `adjustments`: corrections; `close`: period close and expiry; `verify`: the ledger check

Every function adds and flushes but never commits: the request, socket event or CLI
command that called it commits once, or rolls everything back.
"""

from campaigns.coop.adjustments import adjust
from campaigns.coop.balances import (
    BALANCE_FIELDS,
    EFFECTS,
    EMPTY_BALANCE,
    Balance,
    BucketBalance,
    ExpiringFunds,
    HoldBalance,
    account_of,
    balance,
    bucket_balances,
    expiring_soon,
    hold_balance,
    recompute,
    recompute_buckets,
)
from campaigns.coop.close import CloseSummary, close_all_periods, close_period
from campaigns.coop.holds import Movement, place_hold, reimburse, release_hold, settle_claim
from campaigns.coop.money import (
    CENT,
    MAX_AMOUNT,
    ZERO,
    Invalid,
    format_money,
    parse_money,
    quantize,
)
from campaigns.coop.periods import (
    CarryoverStep,
    bucket_for,
    carryover_for,
    carryover_schedule,
    expires_on,
    next_bucket,
    period_start,
    program_buckets,
)
from campaigns.coop.program import (
    create_program,
    current_program,
    get_or_create_account,
    set_carryover,
    set_claim_terms,
)
from campaigns.coop.purchases import ImportReport, record_purchases
from campaigns.coop.rates import RATE_PLACES, rate_for, set_accrual_rate
from campaigns.coop.verify import Mismatch, verify_ledger
from hub.errors import Conflict, ValidationFailed

__all__ = [
    "BALANCE_FIELDS",
    "CENT",
    "EFFECTS",
    "EMPTY_BALANCE",
    "MAX_AMOUNT",
    "RATE_PLACES",
    "ZERO",
    "Balance",
    "BucketBalance",
    "CarryoverStep",
    "CloseSummary",
    "Conflict",
    "ExpiringFunds",
    "HoldBalance",
    "ImportReport",
    "Invalid",
    "Mismatch",
    "Movement",
    "ValidationFailed",
    "account_of",
    "adjust",
    "balance",
    "bucket_balances",
    "bucket_for",
    "carryover_for",
    "carryover_schedule",
    "close_all_periods",
    "close_period",
    "create_program",
    "current_program",
    "expires_on",
    "expiring_soon",
    "format_money",
    "get_or_create_account",
    "hold_balance",
    "next_bucket",
    "parse_money",
    "period_start",
    "place_hold",
    "program_buckets",
    "quantize",
    "rate_for",
    "recompute",
    "recompute_buckets",
    "record_purchases",
    "reimburse",
    "release_hold",
    "set_accrual_rate",
    "set_carryover",
    "set_claim_terms",
    "settle_claim",
    "verify_ledger",
]
