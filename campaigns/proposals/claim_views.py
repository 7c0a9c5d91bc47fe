"""Pages of a campaign's files and money: creative assets (planned or attached), the
claim with proof files (held across a try with a problem), the OEM's review of it, and serving a file only to people who
may see its proposal. Parse the form and its uploads, call `files` and `claims`, render
through `pages`."""

from __future__ import annotations

from flask import abort, flash, request, send_file
from flask_login import current_user, login_required

from campaigns.coop.views import bp
from campaigns.proposals import claims, files, held_proofs
from campaigns.proposals.pages import (
    CLAIM_LINES,
    PROOF_SLOTS,
    act_on,
    proposal_or_404,
    proposal_page_response,
)
from campaigns.proposals.permissions import can_add_asset
from hub import db
from hub.errors import Conflict, ValidationFailed
from hub.models import StoredFile
from hub.web.pages import accepts_files, see_other, stored_path_or_404


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


def _proof_slots() -> list[held_proofs.ProofSlot]:
    """The claim form's proof slots as sent: kind, a newly chosen file, the held file the
    form showed and whether Remove was ticked."""
    form, uploaded = request.form, request.files
    slots = []
    for i in range(CLAIM_LINES):
        for j in range(PROOF_SLOTS):
            chosen = uploaded.get(f"claim-{i}-proof-{j}")
            upload = None
            if chosen is not None and chosen.filename:
                upload = held_proofs.Upload(chosen.read(), chosen.filename, chosen.mimetype)
            held_id = form.get(f"claim-{i}-held-{j}", "")
            slots.append(
                held_proofs.ProofSlot(
                    line=i,
                    slot=j,
                    kind=form.get(f"claim-{i}-kind-{j}", ""),
                    upload=upload,
                    held_id=int(held_id) if held_id.isdigit() else None,
                    remove=form.get(f"claim-{i}-remove-{j}") == "on",
                )
            )
    return slots


def _asset_proofs() -> list[held_proofs.AssetProof]:
    """The campaign's assets ticked as proof on the claim form, with the kind chosen."""
    form = request.form
    return [
        held_proofs.AssetProof(int(value), form.get(f"claim-asset-{value}-kind", ""))
        for value in form.getlist("claim-asset")
        if value.isdigit()
    ]


@bp.post("/proposals/<int:proposal_id>/claim")
@login_required
@accepts_files(CLAIM_LINES * PROOF_SLOTS, _too_large("claim", "lines"))
def proposal_claim(proposal_id: int):
    """The dealer's claim. On a problem the form comes back with the typed text and the
    proof files that passed their checks still attached (held_proofs), and what was
    held is kept (the request commits it) while the claim itself is not made."""
    proposal = proposal_or_404(proposal_id, lock=True)
    form = request.form
    lines = [
        {"description": form.get(f"claim-{i}-description", ""),
         "amount": form.get(f"claim-{i}-amount", "")}
        for i in range(CLAIM_LINES)
    ]  # fmt: skip
    try:
        held_proofs.claim_from_form(
            current_user,
            proposal,
            lines,
            _proof_slots(),
            note=form.get("note", ""),
            assets=_asset_proofs(),
        )
    except held_proofs.NotYours:
        db.rollback_request()
        abort(404)
    except PermissionError:
        db.rollback_request()
        abort(403)
    except Conflict as exc:
        db.rollback_request()
        flash(" ".join(m for msgs in exc.problems.values() for m in msgs), "error")
        return see_other("campaigns.proposal_page", proposal_id=proposal_id)
    except ValidationFailed as exc:
        return proposal_page_response(
            proposal, status=422, problems={"claim": exc.problems}, posted=form
        )
    flash("Claim submitted. We'll tell you when it is reviewed.", "success")
    return see_other("campaigns.proposal_page", proposal_id=proposal_id)


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
