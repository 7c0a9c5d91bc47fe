"""The co-op ledger export for machines: `GET /api/v1/coop/ledger/export` (JSON, streamed).

The same export as the page's (campaigns.coop.exports): filtered by period or date range
and organisation, scoped by hub.policy (an organisation outside the token's scope is a
404), audited. Streams one JSON object, so a finance system can fetch a large ledger at
once; its shape (campaigns.coop.schemas.CoopLedgerExport) is documented, not buffered to
be checked.
"""

from __future__ import annotations

from flask import Flask, Response, abort

from campaigns.coop import exports
from campaigns.coop.program import current_program
from campaigns.coop.schemas import CoopLedgerExport, ExportQuery
from hub import db, policy
from hub.api import ApiProblem, api_blueprint, context, current_person, operation

bp = api_blueprint("coop_data_api", __name__)


@bp.get("/coop/ledger/export")
@operation(
    "Export co-op ledger entries (JSON, streamed)",
    description=(
        "Every ledger entry in scope, in id order, in one JSON object: what the export "
        "covers, then `entries`. OEM program admins and channel managers export every "
        "account; a partner's admin and dealer marketers the accounts in their scope. "
        "Filter by `organization_id`, and by `period` (a year such as 2026 or a quarter "
        "such as 2026-Q2) or `from`/`to` (inclusive dates) — the day the money moved, "
        "not the bucket it belongs to. `last_entry_id` is the newest entry the export "
        "could include: entries written while it streams are left for the next one. "
        "Each export is recorded in the audit log."
    ),
    tags=["coop"],
    query=ExportQuery,
    streamed={200: (CoopLedgerExport, "The export.")},
    problems=(403, 404, 422),
    before=lambda **_: exports.require_exporter(current_person()),
)
def export_ledger():
    person = current_person()
    program = current_program()
    if program is None:
        raise ApiProblem(
            404, "Not Found", "There is no active co-op program, so there is no ledger yet."
        )
    args: ExportQuery = context().query
    org_id = args.organization_id
    org = None if org_id is None else policy.get_organization_or_404(person, org_id)
    filters = exports.make_filter(program, org, args.period, args.from_, args.to)
    # The token check began a read-only transaction; the audit event below writes.
    db.become_writer()
    try:
        export = exports.begin_export(person, program, filters, "json")
    except LookupError:
        abort(404)

    return Response(export.stream(), mimetype="application/json")


def init_app(app: Flask) -> None:
    """Register the export API."""
    app.register_blueprint(bp)
