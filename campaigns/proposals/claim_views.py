"""Pages of a campaign's files and money: creative assets (planned or attached), the
claim with proof files, the OEM's review of it, and serving a file only to people who
may see its proposal. Parse the form and its uploads, call `files` and `claims`, render
through `pages`."""

from __future__ import annotations

from flask import abort, request, send_file
from flask_login import current_user, login_required

from campaigns.coop.views import bp
from campaigns.proposals import claims, files
from campaigns.proposals.models import Proposal
from campaigns.proposals.pages import (
    CLAIM_LINES,
    PROOF_SLOTS,
    act_on,
    proposal_or_404,
    proposal_page_response,
)
from campaigns.proposals.permissions import can_add_asset
from hub.errors import ValidationFailed
from hub.models import StoredFile
from hub.web.pages import accepts_files, stored_path_or_404


def _accept(file_storage, org_id: int) -> StoredFile:
    return files.keep_file(
        current_user,
        org_id,
        file_storage.read(),
        file_storage.filename or "file",
        file_storage.mimetype,
    )


def _too_large(form_key: str, field: str):
    """The proposal page again, status 413, with the sentence at the form's files (the
    body was too large to read; static/js/proposal.js refuses such files before upload)."""

    def page(sentence: str, proposal_id: int):
        return proposal_page_response(
            proposal_or_404(proposal_id), status=413, problems={form_key: {field: [sentence]}}
        )

    return page


@bp.post("/proposals/<int:proposal_id>/assets")
@login_required
@accepts_files(1, _too_large("asset", "file"))
def proposal_asset(proposal_id: int):
    def act(p):
        if not can_add_asset(current_user, p):
            raise PermissionError
        title = request.form.get("title", "").strip()
        problems = {}
        if title_problems := files.asset_title_problems(title):
            problems["title"] = title_problems
        upload = request.files.get("file")
        stored = None
        if not problems and upload is not None and upload.filename:
            try:
                stored = _accept(upload, p.organization_id)
            except ValidationFailed as exc:
                problems["file"] = [m for msgs in exc.problems.values() for m in msgs]
        if problems:
            raise ValidationFailed(problems)
        files.add_asset(current_user, p, title, request.form.get("description", ""), stored)

    return act_on(proposal_id, act, "Asset added.", form_problems_key="asset")


def _claim_input(proposal: Proposal) -> list[dict]:
    form, uploaded = request.form, request.files
    lines = []
    problems: list[str] = []
    for i in range(CLAIM_LINES):
        proofs = []
        for j in range(PROOF_SLOTS):
            upload = uploaded.get(f"claim-{i}-proof-{j}")
            if upload is None or not upload.filename:
                continue
            kind = form.get(f"claim-{i}-kind-{j}", "")
            try:
                stored = _accept(upload, proposal.organization_id)
            except ValidationFailed as exc:
                problems += [
                    f"Cost line {i + 1}, {upload.filename}: {m}"
                    for msgs in exc.problems.values()
                    for m in msgs
                ]
                continue
            proofs.append((kind, stored))
        lines.append(
            {
                "description": form.get(f"claim-{i}-description", ""),
                "amount": form.get(f"claim-{i}-amount", ""),
                "proofs": proofs,
            }
        )
    if problems:
        raise ValidationFailed({"lines": problems})
    return lines


@bp.post("/proposals/<int:proposal_id>/claim")
@login_required
@accepts_files(CLAIM_LINES * PROOF_SLOTS, _too_large("claim", "lines"))
def proposal_claim(proposal_id: int):
    def act(p):
        claims.submit_claim(current_user, p, _claim_input(p), note=request.form.get("note", ""))

    return act_on(
        proposal_id,
        act,
        "Claim submitted. We'll tell you when it is reviewed.",
        form_problems_key="claim",
    )


@bp.post("/proposals/<int:proposal_id>/claim/review")
@login_required
def proposal_claim_review(proposal_id: int):
    def act(p):
        claim = claims.claim_of(p)
        decisions = {}
        for line in claim.lines if claim else []:
            decisions[line.id] = {
                "approved_cost": request.form.get(f"line-{line.id}-approved", ""),
                "reason_code": request.form.get(f"line-{line.id}-reason", ""),
                "reason_note": request.form.get(f"line-{line.id}-note", ""),
            }
        claims.review_claim(
            current_user,
            p,
            decisions,
            pay=request.form.get("action") != "return",
            note=request.form.get("note", ""),
        )

    message = (
        "Claim returned to the dealer with what to fix."
        if request.form.get("action") == "return"
        else "Claim paid."
    )
    return act_on(proposal_id, act, message, form_problems_key="review")


@bp.get("/files/<int:file_id>")
@login_required
def proposal_file(file_id: int):
    """A proposal's asset or a claim's proof — only for people who may see the proposal."""
    stored = files.visible_file(current_user, file_id)
    if stored is None:
        abort(404)
    path = stored_path_or_404(stored.path)
    inline = stored.content_type.startswith("image/") and request.args.get("download") != "1"
    response = send_file(
        path,
        mimetype=stored.content_type,
        as_attachment=not inline,
        download_name=stored.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
