"""Pages of the program admin's CSV import of ERP purchases: upload → preview → confirm →
progress → report. The rules live in `imports` (and `purchase_csv`, `purchases`)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, g, request
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from campaigns.coop import imports
from campaigns.coop.blueprint import bp
from campaigns.coop.exports import BATCH, csv_line
from campaigns.coop.forms import ImportUploadForm
from campaigns.coop.program import require_program
from campaigns.coop.purchase_csv import COLUMNS, MAX_BYTES, MAX_ROWS, TEMPLATE, too_big
from hub import db, policy
from hub.db import today
from hub.errors import ValidationFailed
from hub.web.forms import apply_problems
from hub.web.pages import render, see_other

log = logging.getLogger(__name__)
UPLOAD_LIMIT = MAX_BYTES + 1024 * 1024  # the file plus the rest of the form


@bp.url_value_preprocessor
def _import_upload_limit(endpoint, _values) -> None:
    """Let the import page take files up to MAX_BYTES.

    This runs before any before_request hook — CSRF protection reads the form, and with it
    the body — so the larger limit applies in time, and a file over it is refused with a
    sentence instead of a bare 413.
    """
    if endpoint != "campaigns.coop_imports" or request.method != "POST":
        return
    request.max_content_length = UPLOAD_LIMIT
    if request.content_length and request.content_length > UPLOAD_LIMIT:
        raise RequestEntityTooLarge(too_big(request.content_length))


def _admin_only() -> None:
    if not policy.is_program_admin(current_user):
        abort(403)


def _upload_or_404(upload_id: int):
    upload = imports.get_upload_or_404(upload_id)
    if upload is None:
        abort(404)
    return upload


def _program_and_upload(upload_id: int):
    """What an import's pages start from: the admin only (403), the program (the no-program
    page), the upload (404)."""
    _admin_only()
    program = require_program()
    return program, _upload_or_404(upload_id)


@bp.route("/coop/imports", methods=["GET", "POST"])
@login_required
def coop_imports():
    """Upload a CSV file of ERP purchase lines; the recent imports and where they stand."""
    _admin_only()
    program = require_program()
    form = ImportUploadForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            storage = request.files.get("file")
            try:
                if storage is None or not (storage.filename or "").strip():
                    raise ValidationFailed({"file": ["Choose the CSV file to upload."]})
                upload = imports.store_upload(storage.read(), storage.filename, current_user)
            except ValidationFailed as exc:
                db.rollback_request()
                apply_problems(form, exc)
            else:
                return see_other("campaigns.coop_import", upload_id=upload.id)
    return render(
        "campaigns/coop/imports/upload.html",
        status=status,
        coop_program=program,
        form=form,
        recent=imports.recent_imports(),
        limits={"rows": MAX_ROWS, "mb": MAX_BYTES // 1024 // 1024},
        columns=COLUMNS,
    )


@bp.get("/coop/imports/template.csv")
@login_required
def coop_import_template():
    """A CSV file with the columns the import reads and one example line, to fill in."""
    _admin_only()
    program = require_program()
    body = TEMPLATE.format(currency=program.currency, day=today().replace(day=1).isoformat())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="purchase-lines-template.csv"'},
    )


@bp.get("/coop/imports/<int:upload_id>")
@login_required
def coop_import(upload_id: int):
    """One upload: its preview before it starts, its progress while it runs, its report."""
    program, upload = _program_and_upload(upload_id)
    return _job_page(upload, program)


def _job_page(upload, program, *, status: int = 200, failure: str | None = None):
    state = imports.import_state(upload)
    context = {
        "coop_program": program,
        "upload": upload,
        "state": state,
        "failure": failure,
        "shown_problems": imports.SHOWN_PROBLEMS,
    }
    if state.status == "preview":
        try:
            context["preview"] = imports.preview(upload, program, today())
        except ValidationFailed as exc:  # the file is gone or changed under us
            context["unreadable"] = " ".join(s for v in exc.problems.values() for s in v)
    return render(
        "campaigns/coop/imports/job.html",
        "campaigns/coop/imports/_progress.html",
        status=status,
        **context,
    )


@bp.post("/coop/imports/<int:upload_id>/start")
@login_required
def coop_import_start(upload_id: int):
    """Confirm the import shown in the preview; the job page then runs it chunk by chunk."""
    program, upload = _program_and_upload(upload_id)
    try:
        # HUB_COOP_IMPORT_CHUNK_ROWS: the browser tests run smaller chunks, to watch several.
        rows = int(current_app.config.get("COOP_IMPORT_CHUNK_ROWS", imports.CHUNK_ROWS))
        imports.start_import(upload, program, current_user, today(), chunk_rows=rows)
    except ValidationFailed as exc:
        db.rollback_request()
        flash(" ".join(s for v in exc.problems.values() for s in v), "error")
    return see_other("campaigns.coop_import", upload_id=upload.id)


@bp.post("/coop/imports/<int:upload_id>/next")
@login_required
def coop_import_next(upload_id: int):
    """Run the next chunk (all or nothing) and answer the progress (htmx) or the page."""
    program, upload = _program_and_upload(upload_id)
    failure = None
    try:
        imports.run_next_chunk(upload, current_user, today())
    except ValidationFailed as exc:
        db.rollback_request()
        failure = " ".join(s for v in exc.problems.values() for s in v)
    except sa.exc.DBAPIError:
        # E.g. the same purchase line sent by the API at this very moment (docs/coop.md,
        # "a known limit"): this chunk wrote nothing, and running it again is safe.
        db.rollback_request()
        log.exception("import chunk failed rid=%s upload=%s", g.get("request_id", "-"), upload_id)
        failure = (
            "These lines could not be imported just now, and nothing of them was written. "
            f"Continue to try again; if it keeps failing, quote {g.get('request_id', '')} "
            "to support."
        )
    if request.headers.get("HX-Request") == "true":
        return _job_page(upload, program, failure=failure)
    if failure:
        flash(failure, "error")
    return see_other("campaigns.coop_import", upload_id=upload.id)


@bp.get("/coop/imports/<int:upload_id>/report.csv")
@login_required
def coop_import_report(upload_id: int):
    """Every line of the file and what became of it, as CSV (formulas neutralised)."""
    _admin_only()
    upload = _upload_or_404(upload_id)
    state = imports.import_state(upload)
    if state.status == "preview":
        abort(404)

    try:
        lines = list(imports.report_rows(state))  # read now, in this request's transaction
    except ValidationFailed as exc:
        flash(" ".join(s for v in exc.problems.values() for s in v), "error")
        return see_other("campaigns.coop_import", upload_id=upload.id)

    def generate():
        for start in range(0, len(lines), BATCH):
            yield "".join(csv_line(cells) for cells in lines[start : start + BATCH])

    stem = upload.filename.rsplit(".", 1)[0] or "purchases"
    return Response(
        generate(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_ascii(stem)}-report.csv"'},
    )


def _ascii(name: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in name)
