"""The co-op JSON API: an account's balance and ledger, and the ERP's purchase import.

Scoped by hub.policy exactly like the pages (an account outside the token's scope is a
404); the import calls the same `ledger.record_purchases` as every other way in. Each
route is declared once with `@operation` (hub.api), its shapes in campaigns.coop.schemas.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Flask, abort

from campaigns.coop import ledger
from campaigns.coop.balances import account_of
from campaigns.coop.models import LedgerEntry
from campaigns.coop.overview import account_state
from campaigns.coop.program import current_program
from campaigns.coop.schemas import (
    MAX_BATCH,
    AccountQuery,
    CoopAccount,
    CoopBalance,
    CoopBucket,
    CoopExpiring,
    CoopLedgerEntry,
    ImportReport,
    ProgramRef,
    PurchaseBatch,
)
from hub import policy
from hub.api import (
    ApiProblem,
    allow_only,
    api_blueprint,
    context,
    current_person,
    openapi,
    operation,
)
from hub.api import paginate as paginate_entries
from hub.db import today
from hub.models import OrgKind

bp = api_blueprint("campaigns_api", __name__)
TAGS = ["coop"]


def _no_program() -> ApiProblem:
    return ApiProblem(
        404, "Not Found", "There is no active co-op program, so there are no co-op accounts yet."
    )


@bp.get("/coop/accounts/<int:org_id>")
@operation(
    "An organisation's co-op account: balance, buckets and ledger entries",
    description=(
        "The balance, each bucket (what remains, what is held, when it expires), the money "
        "expiring within 60 days that no hold covers, and one page of ledger entries in id "
        "order (follow next_cursor). A dealer sees its own account, a distributor also its "
        "dealers', OEM staff every account. Entry amounts are positive for every kind but "
        "adjustment, which is signed; the kind says which way the money moves."
    ),
    tags=TAGS,
    query=AccountQuery,
    responses={200: (CoopAccount, "The account and one page of its entries.")},
)
def get_account(org_id: int):
    person = current_person()
    org = policy.get_organization_or_404(person, org_id)
    if org.kind == OrgKind.OEM:
        abort(404)
    program = current_program()
    if program is None:
        raise _no_program()
    account = account_of(org, program)
    if account is None:
        zero = ledger.Balance(*(Decimal("0.00") for _ in ledger.BALANCE_FIELDS))
        bal, buckets, expiring, entries, cursor = zero, [], [], [], None
    else:
        state = account_state(account, today())  # the buckets read once (account_of: fresh)
        bal, buckets, expiring = state.balance, state.buckets, state.expiring
        page = paginate_entries(
            sa.select(LedgerEntry).where(LedgerEntry.account_id == account.id),
            LedgerEntry.id,
            CoopLedgerEntry.of,
            context().query,
        )
        entries, cursor = page.data, page.next_cursor
    return CoopAccount(
        organization_id=org.id,
        program=ProgramRef.of(program),
        balance=CoopBalance.of(bal),
        buckets=[CoopBucket.of(b) for b in buckets],
        expiring_soon=[CoopExpiring.of(e) for e in expiring],
        data=entries,
        next_cursor=cursor,
    )


@bp.post("/coop/purchases")
@operation(
    "Import qualifying purchases from the ERP (program admin)",
    description=(
        "Each line accrues co-op at the rate in force on its purchase date for the "
        "organisation's tier and the product line. Idempotent per external_id: a line "
        "sent again with the same content is reported as a duplicate and changes nothing; "
        "the same external_id with different content is a conflict and changes nothing. "
        "Bad lines are reported with their 0-based index and a sentence; the good lines "
        f"of the batch are accepted. At most {MAX_BATCH} lines per request."
    ),
    tags=TAGS,
    json=PurchaseBatch,
    responses={200: (ImportReport, "What became of each line.")},
    problems=(403, 404),
    before=allow_only(policy.is_program_admin, "only the program admin imports purchases"),
)
def import_purchases():
    program = current_program()
    if program is None:
        raise _no_program()
    body: PurchaseBatch = context().json
    return ImportReport.of(ledger.record_purchases(program, body.lines, current_person()))


def init_app(app: Flask) -> None:
    """Register the co-op API."""
    openapi.register_tag("coop", "Co-op accounts and the ERP purchase import.", app=app)
    app.register_blueprint(bp)
