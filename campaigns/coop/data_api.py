"""The co-op ledger export for machines: `GET /api/v1/coop/ledger/export` (JSON, streamed).

The same export as the page's (campaigns.exports): filtered by period or date range and
organisation, scoped by hub.policy (an organisation outside the token's scope is a 404),
audited. Streams one JSON object, so a finance system can fetch a large ledger at once.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request

from campaigns.coop import exports
from campaigns.coop.api import MONEY
from campaigns.coop.program import current_program
from hub import db, policy
from hub.api import openapi
from hub.api.openapi import json_response, operation, problems, query, ref
from hub.api.tools import ApiProblem, api_blueprint, current_person, int_query_arg

bp = api_blueprint("coop_data_api", __name__)


@bp.get("/coop/ledger/export")
@operation(
    {
        "summary": "Export co-op ledger entries (JSON, streamed)",
        "description": (
            "Every ledger entry in scope, in id order, in one JSON object: what the export "
            "covers, then `entries`. OEM program admins and channel managers export every "
            "account; a partner's admin and dealer marketers the accounts in their scope. "
            "Filter by `organization_id`, and by `period` (a year such as 2026 or a quarter "
            "such as 2026-Q2) or `from`/`to` (inclusive dates) — the day the money moved, "
            "not the bucket it belongs to. `last_entry_id` is the newest entry the export "
            "could include: entries written while it streams are left for the next one. "
            "Each export is recorded in the audit log."
        ),
        "tags": ["coop"],
        "parameters": [
            query(
                "organization_id",
                {"type": "integer"},
                "Only this organisation's account (404 outside your scope).",
            ),
            query(
                "period",
                {"type": "string", "examples": ["2026", "2026-Q2"]},
                "Entries effective in this year or quarter (not with from/to).",
            ),
            query(
                "from",
                {"type": "string", "format": "date"},
                "Entries effective on or after this day.",
            ),
            query(
                "to",
                {"type": "string", "format": "date"},
                "Entries effective on or before this day.",
            ),
        ],
        "responses": {
            "200": json_response("The export.", ref("CoopLedgerExport")),
            **problems(400, 403, 404, 422),
        },
    }
)
def export_ledger():
    person = current_person()
    exports.require_exporter(person)
    program = current_program()
    if program is None:
        raise ApiProblem(
            404, "Not Found", "There is no active co-op program, so there is no ledger yet."
        )
    org_id = int_query_arg("organization_id")
    org = None if org_id is None else policy.get_organization_or_404(person, org_id)
    args = request.args
    filters = exports.make_filter(
        program, org, args.get("period"), args.get("from"), args.get("to")
    )
    # The token check began a read-only transaction; the audit event below writes.
    db.become_writer()
    try:
        export = exports.begin_export(person, program, filters, "json")
    except LookupError:
        abort(404)

    return Response(export.stream(), mimetype="application/json")


_ENTRY = {
    "type": "object",
    "required": [
        "entry_id",
        "recorded_at",
        "effective_on",
        "organization_id",
        "organization",
        "kind",
        "amount",
        "currency",
        "bucket",
        "bucket_expires_on",
        "hold_id",
        "hold_reference",
        "rate",
        "purchase_external_id",
        "reason",
        "actor",
    ],
    "properties": {
        "entry_id": {"type": "integer"},
        "recorded_at": {"type": "string", "format": "date-time"},
        "effective_on": {"type": "string", "format": "date"},
        "organization_id": {"type": "integer"},
        "organization": {"type": "string"},
        "kind": {
            "type": "string",
            "enum": ["accrual", "adjustment", "hold", "release", "reimbursement", "expiry"],
        },
        "amount": {**MONEY, "description": "Positive but for adjustments, which are signed."},
        "currency": {"type": "string"},
        "bucket": {"type": "string", "examples": ["2026", "2026-Q2"]},
        "bucket_expires_on": {"type": "string", "format": "date"},
        "hold_id": {"type": ["integer", "null"]},
        "hold_reference": {"type": ["string", "null"]},
        "rate": {"type": ["string", "null"], "description": "Accruals: the rate used."},
        "purchase_external_id": {"type": ["string", "null"]},
        "reason": {"type": "string"},
        "actor": {"type": ["string", "null"], "description": "Who moved the money, if a person."},
    },
}

SCHEMAS = {
    "CoopExportEntry": _ENTRY,
    "CoopLedgerExport": {
        "type": "object",
        "required": ["program", "filters", "generated_at", "last_entry_id", "count", "entries"],
        "properties": {
            "program": {
                "type": "object",
                "required": ["id", "name", "currency"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "currency": {"type": "string"},
                },
            },
            "filters": {
                "type": "object",
                "required": ["organization_id", "period", "from", "to"],
                "properties": {
                    "organization_id": {"type": ["integer", "null"]},
                    "period": {"type": ["string", "null"]},
                    "from": {"type": ["string", "null"], "format": "date"},
                    "to": {"type": ["string", "null"], "format": "date"},
                },
            },
            "generated_at": {"type": "string", "format": "date-time"},
            "last_entry_id": {"type": "integer"},
            "count": {"type": "integer"},
            "entries": {"type": "array", "items": ref("CoopExportEntry")},
        },
    },
}


def init_app(app: Flask) -> None:
    """Register the export API and its schemas."""
    for name, schema in SCHEMAS.items():
        openapi.register_schema(name, schema, app=app)
    app.register_blueprint(bp)
