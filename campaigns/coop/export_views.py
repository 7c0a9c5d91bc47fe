"""The ledger export page (CSV or JSON) for finance and partners: choose, then download.
The rules live in `exports`."""

from __future__ import annotations

from flask import Response, abort, request
from flask_login import current_user, login_required

from campaigns.coop import exports
from campaigns.coop.blueprint import bp
from campaigns.coop.forms import ExportForm
from campaigns.coop.program import require_program
from hub import db, policy
from hub.errors import ValidationFailed
from hub.web.forms import apply_problems
from hub.web.pages import render


@bp.get("/coop/export")
@login_required
def coop_export():
    """Choose what to export (organisation, period or dates, CSV or JSON); with `download`
    in the query, the export itself. A GET, so a link can ask for it and the rows stream
    in a read-only transaction; it writes one audit event first (see `db.become_writer`)."""
    if not exports.may_export(current_user):
        abort(403)
    program = require_program()
    form = ExportForm(formdata=request.args, meta={"csrf": False})
    choices = [
        (str(o.id), o.name) for o in exports.organizations_with_accounts(current_user, program)
    ]
    everyone = "All accounts" if current_user.is_oem else "All accounts I can see"
    form.organization_id.choices = [("", everyone), *choices]
    status = 200
    if "download" in request.args:
        status = 422
        wanted = form.organization_id.data = form.organization_id.data or ""  # "": all
        org = None
        if wanted:
            if not wanted.isdigit():
                abort(404)
            org = policy.get_organization_or_404(current_user, int(wanted))
            form.organization_id.choices.append((wanted, org.name))  # scope is checked above
        if form.validate():
            try:
                filters = exports.make_filter(
                    program, org, form.period.data, form.date_from.data, form.date_to.data
                )
                db.become_writer()
                export = exports.begin_export(current_user, program, filters, form.format.data)
            except ValidationFailed as exc:
                db.rollback_request()
                problems = {
                    {"from": "date_from", "to": "date_to"}.get(k, k): v
                    for k, v in exc.problems.items()
                }
                apply_problems(form, ValidationFailed(problems))
            else:
                return stream_export(export)
    return render(
        "campaigns/coop/imports/export.html",
        status=status,
        coop_program=program,
        form=form,
        columns=exports.COLUMNS,
    )


def stream_export(export: exports.Export) -> Response:
    """The export as a download, streamed. The audit event commits with the request (before
    the first byte); the rows are read afterwards in a read-only transaction."""
    return Response(
        export.stream(),
        mimetype=export.content_type.split(";")[0],
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "X-Entry-Count": str(export.count),
        },
    )
