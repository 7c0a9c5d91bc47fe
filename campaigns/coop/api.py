"""The co-op JSON API: an account's balance and ledger, and the ERP's purchase import.

Scoped by hub.policy exactly like the pages (an account outside the token's scope is a
404); the import calls the same `ledger.record_purchases` as every other way in.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Flask, abort, jsonify

from campaigns.coop import ledger
from campaigns.coop.balances import account_of
from campaigns.coop.models import LedgerEntry
from campaigns.coop.money import amount_text as _money
from campaigns.coop.overview import EXPIRY_WARNING_DAYS
from campaigns.coop.program import current_program
from hub import policy
from hub.api import openapi
from hub.api.openapi import PAGINATION_PARAMETERS, json_response, operation, problems, ref
from hub.api.tools import ApiProblem, api_blueprint, current_person, json_body, paginate
from hub.db import today
from hub.errors import ValidationFailed
from hub.models import OrgKind

bp = api_blueprint("campaigns_api", __name__)

MAX_BATCH = 5_000
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["7500.00"]}


def entry_json(entry: LedgerEntry) -> dict:
    return {
        "id": entry.id,
        "kind": entry.kind.value,
        "amount": _money(entry.amount),
        "bucket": entry.bucket,
        "effective_on": entry.effective_on.isoformat(),
        "rate": None if entry.rate is None else f"{entry.rate:f}",
        "hold_id": entry.hold_id,
        "reason": entry.reason,
    }


def _no_program() -> ApiProblem:
    return ApiProblem(
        404, "Not Found", "There is no active co-op program, so there are no co-op accounts yet."
    )


@bp.get("/coop/accounts/<int:org_id>")
@operation(
    {
        "summary": "An organisation's co-op account: balance, buckets and ledger entries",
        "description": (
            "The balance, each bucket (what remains, what is held, when it expires), the money "
            "expiring within 60 days that no hold covers, and one page of ledger entries in id "
            "order (follow next_cursor). A dealer sees its own account, a distributor also its "
            "dealers', OEM staff every account. Entry amounts are positive for every kind but "
            "adjustment, which is signed; the kind says which way the money moves."
        ),
        "tags": ["coop"],
        "parameters": PAGINATION_PARAMETERS,
        "responses": {
            "200": json_response("The account and one page of its entries.", ref("CoopAccount")),
            **problems(400, 404),
        },
    }
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
    zero = Decimal("0.00")
    if account is None:
        bal, buckets, expiring = ledger.Balance(zero, zero, zero, zero, zero), [], []
        page = {"data": [], "next_cursor": None}
    else:
        bal = ledger.balance(account)
        buckets = ledger.bucket_balances(account)
        expiring = ledger.expiring_soon(account, EXPIRY_WARNING_DAYS, today())
        page = paginate(
            sa.select(LedgerEntry).where(LedgerEntry.account_id == account.id),
            LedgerEntry.id,
            entry_json,
        )
    return jsonify(
        {
            "organization_id": org.id,
            "program": {"id": program.id, "name": program.name, "currency": program.currency},
            "balance": {name: _money(getattr(bal, name)) for name in ledger.BALANCE_FIELDS},
            "buckets": [
                {
                    "bucket": b.bucket,
                    "expires_on": b.expires_on.isoformat(),
                    "earned": _money(b.earned),
                    "remaining": _money(b.remaining),
                    "held": _money(b.held),
                    "free": _money(b.free),
                }
                for b in buckets
            ],
            "expiring_soon": [
                {
                    "bucket": e.bucket,
                    "amount": _money(e.amount),
                    "expires_on": e.expires_on.isoformat(),
                }
                for e in expiring
            ],
            **page,
        }
    )


@bp.post("/coop/purchases")
@operation(
    {
        "summary": "Import qualifying purchases from the ERP (program admin)",
        "description": (
            "Each line accrues co-op at the rate in force on its purchase date for the "
            "organisation's tier and the product line. Idempotent per external_id: a line "
            "sent again with the same content is reported as a duplicate and changes nothing; "
            "the same external_id with different content is a conflict and changes nothing. "
            "Bad lines are reported with their 0-based index and a sentence; the good lines "
            f"of the batch are accepted. At most {MAX_BATCH} lines per request."
        ),
        "tags": ["coop"],
        "requestBody": openapi.json_body(ref("PurchaseBatch")),
        "responses": {
            "200": json_response("What became of each line.", ref("ImportReport")),
            **problems(400, 403, 404, 415, 422),
        },
    }
)
def import_purchases():
    person = current_person()
    if not policy.is_program_admin(person):
        raise PermissionError("only the program admin imports purchases")
    body = json_body()
    lines = body.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ValidationFailed(
            {"lines": ['Send the purchases as a non-empty list: {"lines": [{…}, …]}.']}
        )
    if len(lines) > MAX_BATCH:
        raise ValidationFailed(
            {"lines": [f"Send at most {MAX_BATCH} lines per request; split the batch."]}
        )
    program = current_program()
    if program is None:
        raise _no_program()
    report = ledger.record_purchases(program, lines, person)
    return jsonify(
        {
            "accepted": report.accepted,
            "duplicates": report.duplicates,
            "conflicts": [{"external_id": x, "detail": d} for x, d in report.conflicts],
            "errors": [{"index": i, "detail": d} for i, d in report.errors],
            "accrued": _money(report.accrued),
        }
    )


_STRING_LIST = {"type": "array", "items": {"type": "string"}}

SCHEMAS = {
    "CoopAccount": {
        "type": "object",
        "required": [
            "organization_id",
            "program",
            "balance",
            "buckets",
            "expiring_soon",
            "data",
            "next_cursor",
        ],
        "properties": {
            "organization_id": {"type": "integer"},
            "program": {
                "type": "object",
                "required": ["id", "name", "currency"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "currency": {"type": "string"},
                },
            },
            "balance": {
                "type": "object",
                "description": "available = earned − reimbursed − expired − held.",
                "required": list(ledger.BALANCE_FIELDS),
                "properties": {name: MONEY for name in ledger.BALANCE_FIELDS},
            },
            "buckets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["bucket", "expires_on", "earned", "remaining", "held", "free"],
                    "properties": {
                        "bucket": {"type": "string", "examples": ["2026", "2026-Q2"]},
                        "expires_on": {"type": "string", "format": "date"},
                        "earned": MONEY,
                        "remaining": MONEY,
                        "held": MONEY,
                        "free": MONEY,
                    },
                },
            },
            "expiring_soon": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["bucket", "amount", "expires_on"],
                    "properties": {
                        "bucket": {"type": "string"},
                        "amount": MONEY,
                        "expires_on": {"type": "string", "format": "date"},
                    },
                },
            },
            "data": {"type": "array", "items": ref("CoopLedgerEntry")},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
    "CoopLedgerEntry": {
        "type": "object",
        "required": ["id", "kind", "amount", "bucket", "effective_on", "rate", "hold_id", "reason"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {
                "type": "string",
                "enum": ["accrual", "adjustment", "hold", "release", "reimbursement", "expiry"],
            },
            "amount": MONEY,
            "bucket": {"type": "string"},
            "effective_on": {"type": "string", "format": "date"},
            "rate": {"type": ["string", "null"], "description": "Accruals: the rate used."},
            "hold_id": {"type": ["integer", "null"]},
            "reason": {"type": "string"},
        },
    },
    "PurchaseBatch": {
        "type": "object",
        "required": ["lines"],
        "properties": {
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_BATCH,
                "items": {
                    "type": "object",
                    "required": [
                        "external_id",
                        "organization_id",
                        "amount",
                        "currency",
                        "purchased_on",
                    ],
                    "properties": {
                        "external_id": {"type": "string", "maxLength": 120},
                        "organization_id": {"type": "integer"},
                        "amount": {
                            "type": "string",
                            "description": "Decimal text, at most two decimals.",
                        },
                        "currency": {"type": "string", "examples": ["USD"]},
                        "purchased_on": {"type": "string", "format": "date"},
                        "product_line_id": {"type": ["integer", "null"]},
                    },
                },
            }
        },
    },
    "ImportReport": {
        "type": "object",
        "required": ["accepted", "duplicates", "conflicts", "errors", "accrued"],
        "properties": {
            "accepted": _STRING_LIST,
            "duplicates": _STRING_LIST,
            "conflicts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["external_id", "detail"],
                    "properties": {
                        "external_id": {"type": "string"},
                        "detail": {"type": "string"},
                    },
                },
            },
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "detail"],
                    "properties": {
                        "index": {"type": "integer", "description": "0-based line index."},
                        "detail": {"type": "string"},
                    },
                },
            },
            "accrued": MONEY,
        },
    },
}


def init_app(app: Flask) -> None:
    """Register the co-op API and its schemas."""
    for name, schema in SCHEMAS.items():
        openapi.register_schema(name, schema, app=app)
    openapi.register_tag("coop", "Co-op accounts and the ERP purchase import.", app=app)
    app.register_blueprint(bp)
