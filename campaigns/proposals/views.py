"""Pages of campaign proposals: the list, the form with a live co-op check, the proposal
page with its thread, suggested edits, approval, claim with proof files, and results.

Every route parses, calls `campaigns.proposals`, and renders; a proposal outside the
viewer's scope is a 404, an action the viewer may not take a 403.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, request, send_file
from flask_login import current_user, login_required

from campaigns.coop.blueprint import bp
from campaigns.coop.program import current_program
from campaigns.proposals import service as proposals
from campaigns.proposals.models import (
    ActivityCategory,
    Claim,
    ClaimLine,
    ClaimProof,
    Proposal,
    ProposalAsset,
    ProposalStatus,
    Suggestion,
)
from campaigns.proposals.panels import wait_text
from hub import db, policy, uploads
from hub.db import today
from hub.errors import Conflict, ValidationFailed
from hub.models import StoredFile, Tier
from hub.web.pages import int_arg, paginate, render, see_other

S = ProposalStatus
PER_PAGE = 20
FORM_LINES = 6
CLAIM_LINES = 4
PROOF_SLOTS = 3
TABS = {
    "waiting": "Waiting on me",
    "open": "In progress",
    "done": "Finished",
    "all": "All",
}
OPEN = proposals.OPEN_STATUSES


def _proposal_or_404(proposal_id: int, *, lock: bool = False) -> Proposal:
    proposal = proposals.get_visible(current_user, proposal_id, lock=lock)
    if proposal is None:
        abort(404)
    return proposal


def _program_or_404():
    program = current_program()
    if program is None:
        abort(404)
    return program


@bp.app_template_filter("waited")
def _waited_filter(since):
    return wait_text(since)


# --- List -------------------------------------------------------------------------------


@bp.get("/")
@login_required
def proposal_list():
    program = current_program()
    if program is None:
        return render("campaigns/coop_none.html")
    tab = request.args.get("tab", "waiting")
    if tab not in TABS:
        tab = "waiting"
    waiting = proposals.awaiting(current_user)
    stmt = proposals.visible_proposals(current_user).where(Proposal.program_id == program.id)
    if tab == "open":
        stmt = stmt.where(Proposal.status.in_(OPEN))
    elif tab == "done":
        stmt = stmt.where(Proposal.status.not_in(OPEN))
    page = None
    if tab != "waiting":
        page = paginate(
            stmt.order_by(Proposal.updated_at.desc(), Proposal.id.desc()),
            int_arg("page"),
            PER_PAGE,
        )
    return render(
        "campaigns/proposals/list.html",
        coop_program=program,
        tab=tab,
        tabs=TABS,
        waiting=waiting,
        page=page,
        labels=proposals.STATUS_LABELS,
        waiting_on=proposals.waiting_on,
        can_propose=proposals.can_propose(current_user),
    )


# --- The form ---------------------------------------------------------------------------


def _form_data() -> dict:
    form = request.form
    data = {name: form.get(name, "") for name in proposals.FIELDS}
    data["uses_oem_template"] = form.get("uses_oem_template") == "on"
    data["lines"] = [
        {
            "description": form.get(f"line-{i}-description", ""),
            "amount": form.get(f"line-{i}-amount", ""),
        }
        for i in range(FORM_LINES)
    ]
    return data


def _values_of(proposal: Proposal | None) -> dict:
    if proposal is None:
        return {"lines": []}
    data = proposals._as_data(proposal)
    for name in ("starts_on", "ends_on"):
        data[name] = data[name].isoformat() if data[name] else ""
    return data


def _form_page(program, proposal, values, problems, status=200):
    lines = list(values.get("lines") or [])
    lines += [{"description": "", "amount": ""}] * (FORM_LINES - len(lines))
    return render(
        "campaigns/proposals/form.html",
        status=status,
        coop_program=program,
        proposal=proposal,
        values=values,
        lines=lines[:FORM_LINES],
        problems=problems,
        categories=proposals.categories(program),
        check=_check(program, values, proposal),
    )


def _check(program, values: dict, proposal: Proposal | None) -> dict:
    """The live co-op check beside the form: available, the share, the most to ask for."""
    org = proposal.organization if proposal else current_user.organization
    available = proposals.available_for(org, program)
    share = None
    budget = sum(
        (proposals.ledger.parse_money(line["amount"]) for line in values.get("lines") or []
         if _is_money(line.get("amount"))),
        proposals.ZERO,
    )  # fmt: skip
    wanted = str(values.get("category_id") or "")
    category = next((c for c in proposals.categories(program) if str(c.id) == wanted), None)
    maximum = None
    if category is not None:
        share = proposals.share_for(category, bool(values.get("uses_oem_template")))
        maximum = proposals.max_request(budget, share)
    requested = values.get("requested_amount")
    requested = (
        proposals.ledger.parse_money(requested, zero=True) if _is_money(requested, True) else None
    )
    sentences = []
    if requested is not None and maximum is not None and budget and requested > maximum:
        sentences.append(
            f"{category.name} pays {share * 100:.0f}% of cost: ask for at most "
            f"{proposals._money(maximum, program)}."
        )
    if requested is not None and requested > available:
        sentences.append(
            f"That is more than the {proposals._money(available, program)} you have available."
        )
    return {
        "available": available,
        "share": share,
        "budget": budget,
        "maximum": maximum,
        "requested": requested,
        "sentences": sentences,
        "category": category,
    }


def _is_money(value, zero=False) -> bool:
    try:
        proposals.ledger.parse_money(str(value).replace(",", "").strip(), zero=zero)
    except (proposals.ledger._Invalid, TypeError):
        return False
    return True


@bp.route("/new", methods=["GET", "POST"])
@login_required
def proposal_new():
    program = _program_or_404()
    if not proposals.can_propose(current_user):
        abort(403)
    if request.method == "GET":
        return _form_page(program, None, {"lines": []}, {})
    data = _form_data()
    try:
        proposal = proposals.create(current_user, program, data)
        if request.form.get("action") == "submit":
            proposals.submit(current_user, proposal)
    except ValidationFailed as exc:
        db.rollback_request()
        return _form_page(program, None, _clean(data), exc.problems, status=422)
    flash(_saved_message(proposal), "success")
    return see_other("campaigns.proposal_page", proposal_id=proposal.id)


def _clean(data: dict) -> dict:
    data = dict(data)
    data["lines"] = [line for line in data["lines"] if line["description"] or line["amount"]]
    return data


def _saved_message(proposal: Proposal) -> str:
    if proposal.status == S.DRAFT:
        return "Draft saved. Submit it when it is ready; only you can see it until then."
    if proposal.status in (S.APPROVED, S.RUNNING):
        return "Approved at once in the fast lane: the money is held for your campaign."
    return "Submitted. " + proposals.waiting_on(proposal).label + "."


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def proposal_edit(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    if not proposals.is_owner(current_user, proposal):
        abort(403)
    program = _program_or_404()
    if proposal.status not in proposals.EDITABLE:
        flash("This proposal can no longer be edited.", "error")
        return see_other("campaigns.proposal_page", proposal_id=proposal.id)
    if request.method == "GET":
        return _form_page(program, proposal, _values_of(proposal), {})
    data = _form_data()
    try:
        proposals.update(current_user, proposal, data)
        if request.form.get("action") == "submit":
            proposals.submit(current_user, proposal)
    except ValidationFailed as exc:
        db.rollback_request()
        proposal = _proposal_or_404(proposal_id)
        return _form_page(program, proposal, _clean(data), exc.problems, status=422)
    flash(_saved_message(proposal), "success")
    return see_other("campaigns.proposal_page", proposal_id=proposal.id)


@bp.post("/check")
@login_required
def proposal_check():
    """The live check (htmx): what the form's numbers mean against the balance and share."""
    program = _program_or_404()
    proposal = None
    if request.form.get("proposal_id", "").isdigit():
        proposal = _proposal_or_404(int(request.form["proposal_id"]))
    data = _form_data()
    return render(
        "campaigns/proposals/_check.html",
        coop_program=program,
        check=_check(program, data, proposal),
    )


# --- The proposal page ------------------------------------------------------------------


def _page(proposal: Proposal, status: int = 200, **extra):
    program = _program_or_404()
    claim = proposals.claim_of(proposal)
    people = {}
    events = proposals.thread(proposal)
    suggestions = {
        s.id: s
        for s in db.session.scalars(
            sa.select(Suggestion).where(Suggestion.proposal_id == proposal.id)
        )
    }
    assets = list(
        db.session.scalars(
            sa.select(ProposalAsset)
            .where(ProposalAsset.proposal_id == proposal.id)
            .order_by(ProposalAsset.id)
        )
    )
    me = current_user
    context = {
        "coop_program": program,
        "p": proposal,
        "labels": proposals.STATUS_LABELS,
        "waiting": proposals.waiting_on(proposal),
        "events": events,
        "people": people,
        "suggestions": suggestions,
        "open_suggestions": proposals.open_suggestions(proposal),
        "suggestible": proposals.SUGGESTIBLE,
        "assets": assets,
        "claim": claim,
        "budget": proposals.budget_total(proposal),
        "reasons": proposals.REASON_CODES,
        "proof_kinds": proposals.PROOF_KINDS,
        "roi": proposals.roi(proposal),
        "peers": proposals.peer_medians(proposal)
        if proposal.status in (S.RESULTS_REPORTED, S.CLOSED)
        else None,
        "owner": proposals.is_owner(me, proposal),
        "can_approve": proposals.can_approve(me, proposal),
        "can_comment": proposals.can_comment(me, proposal),
        "can_suggest": proposal.status in proposals.OPEN_TO_SUGGESTIONS
        and (
            proposals.is_oem_reviewer(me)
            or proposals._is_distributor_admin_over(me, proposal.organization)
        ),
        "can_review_claim": proposals.can_review_claim(me, proposal),
        "can_claim": proposals.is_owner(me, proposal)
        and proposal.status in proposals.CLAIMABLE
        and (claim is None or claim.status.value == "returned"),
        "can_close": proposal.status == S.RESULTS_REPORTED and proposals.is_oem_reviewer(me),
        "problems": {},
        "claim_lines": CLAIM_LINES,
        "proof_slots": PROOF_SLOTS,
        "claim_values": {},
        "claimable_cost": proposals.claimable_cost(proposal)
        if proposal.max_reimbursement
        else None,
        "today": today(),
        "last_request": next(
            (e for e in reversed(events) if (e.data or {}).get("status") == "changes_requested"),
            None,
        )
        if proposal.status == S.CHANGES_REQUESTED
        else None,
    }
    context.update(extra)
    return render(
        "campaigns/proposals/page.html",
        "campaigns/proposals/_thread.html",
        status=status,
        **context,
    )


@bp.get("/proposals/<int:proposal_id>")
@login_required
def proposal_page(proposal_id: int):
    return _page(_proposal_or_404(proposal_id))


def _act(proposal_id: int, action, success: str, *, lock=True, form_problems_key=None):
    """Run one action on a locked proposal; on bad input re-render the page with sentences."""
    proposal = _proposal_or_404(proposal_id, lock=lock)
    try:
        action(proposal)
    except PermissionError:
        db.rollback_request()
        abort(403)
    except ValidationFailed as exc:
        db.rollback_request()
        proposal = _proposal_or_404(proposal_id)
        problems = exc.problems
        if isinstance(exc, Conflict):
            flash(" ".join(m for msgs in problems.values() for m in msgs), "error")
            return see_other("campaigns.proposal_page", proposal_id=proposal_id)
        return _page(
            proposal,
            status=422,
            problems={form_problems_key or "": problems},
            posted=request.form,
        )
    if success:
        flash(success, "success")
    return see_other("campaigns.proposal_page", proposal_id=proposal_id)


@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def proposal_submit(proposal_id: int):
    proposal = _proposal_or_404(proposal_id, lock=True)
    try:
        proposals.submit(current_user, proposal)
    except PermissionError:
        abort(403)
    except ValidationFailed as exc:
        db.rollback_request()
        proposal = _proposal_or_404(proposal_id)
        flash(" ".join(m for msgs in exc.problems.values() for m in msgs), "error")
        return see_other("campaigns.proposal_page", proposal_id=proposal_id)
    flash(_saved_message(proposal), "success")
    return see_other("campaigns.proposal_page", proposal_id=proposal_id)


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def proposal_withdraw(proposal_id: int):
    return _act(proposal_id, lambda p: proposals.withdraw(current_user, p), "Proposal withdrawn.")


@bp.post("/proposals/<int:proposal_id>/approve")
@login_required
def proposal_approve(proposal_id: int):
    def act(p):
        proposals.approve(current_user, p, note=request.form.get("note", ""))

    return _act(proposal_id, act, "Approved.", form_problems_key="decision")


@bp.post("/proposals/<int:proposal_id>/request-changes")
@login_required
def proposal_request_changes(proposal_id: int):
    def act(p):
        proposals.request_changes(current_user, p, request.form.get("note", ""))

    return _act(
        proposal_id, act, "Sent back to the dealer with your note.", form_problems_key="decision"
    )


@bp.post("/proposals/<int:proposal_id>/decline")
@login_required
def proposal_decline(proposal_id: int):
    def act(p):
        proposals.decline(current_user, p, request.form.get("note", ""))

    return _act(
        proposal_id, act, "Declined; the dealer sees your reason.", form_problems_key="decision"
    )


@bp.post("/proposals/<int:proposal_id>/comments")
@login_required
def proposal_comment(proposal_id: int):
    def act(p):
        proposals.comment(current_user, p, request.form.get("body", ""))

    return _act(proposal_id, act, "", lock=False, form_problems_key="comment")


@bp.post("/proposals/<int:proposal_id>/suggestions")
@login_required
def proposal_suggest(proposal_id: int):
    def act(p):
        proposals.suggest(
            current_user,
            p,
            request.form.get("field", ""),
            request.form.get("value", ""),
            request.form.get("note", ""),
        )

    return _act(proposal_id, act, "Suggestion sent to the dealer.", form_problems_key="suggest")


@bp.post("/proposals/<int:proposal_id>/suggestions/<int:suggestion_id>")
@login_required
def proposal_suggestion_decide(proposal_id: int, suggestion_id: int):
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)

    def act(p):
        suggestion = db.session.get(Suggestion, suggestion_id)
        if suggestion is None or suggestion.proposal_id != p.id:
            abort(404)
        proposals.decide_suggestion(current_user, suggestion, decision == "accept")

    message = (
        "Suggestion accepted: the proposal now says so."
        if decision == "accept"
        else "Suggestion rejected."
    )
    return _act(proposal_id, act, message, form_problems_key="suggestions")


@bp.post("/proposals/<int:proposal_id>/results")
@login_required
def proposal_results(proposal_id: int):
    def act(p):
        proposals.report_results(current_user, p, request.form.to_dict())

    return _act(proposal_id, act, "Results reported. Thank you!", form_problems_key="results")


@bp.post("/proposals/<int:proposal_id>/close")
@login_required
def proposal_close(proposal_id: int):
    return _act(
        proposal_id,
        lambda p: proposals.close(current_user, p, request.form.get("note", "")),
        "Closed.",
    )


# --- Assets, claims and files -----------------------------------------------------------


def _accept(file_storage, org_id: int) -> StoredFile:
    return proposals.keep_file(
        current_user,
        org_id,
        file_storage.read(),
        file_storage.filename or "file",
        file_storage.mimetype,
    )


@bp.post("/proposals/<int:proposal_id>/assets")
@login_required
def proposal_asset(proposal_id: int):
    def act(p):
        if not proposals.is_owner(current_user, p) or p.status in proposals.FINAL:
            raise PermissionError
        title = request.form.get("title", "").strip()
        problems = {}
        if not title:
            problems["title"] = ["Name the asset, e.g. “Half-page farm-paper ad”."]
        elif len(title) > 160:
            problems["title"] = ["Keep the asset's name to 160 characters."]
        upload = request.files.get("file")
        stored = None
        if not problems and upload is not None and upload.filename:
            try:
                stored = _accept(upload, p.organization_id)
            except ValidationFailed as exc:
                problems["file"] = [m for msgs in exc.problems.values() for m in msgs]
        if problems:
            raise ValidationFailed(problems)
        proposals.add_asset(current_user, p, title, request.form.get("description", ""), stored)

    return _act(proposal_id, act, "Asset added.", form_problems_key="asset")


def _claim_input(proposal: Proposal) -> list[dict]:
    form, files = request.form, request.files
    lines = []
    problems: list[str] = []
    for i in range(CLAIM_LINES):
        proofs = []
        for j in range(PROOF_SLOTS):
            upload = files.get(f"claim-{i}-proof-{j}")
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
def proposal_claim(proposal_id: int):
    def act(p):
        proposals.submit_claim(current_user, p, _claim_input(p), note=request.form.get("note", ""))

    return _act(
        proposal_id,
        act,
        "Claim submitted. We'll tell you when it is reviewed.",
        form_problems_key="claim",
    )


@bp.post("/proposals/<int:proposal_id>/claim/review")
@login_required
def proposal_claim_review(proposal_id: int):
    def act(p):
        claim = proposals.claim_of(p)
        decisions = {}
        for line in claim.lines if claim else []:
            decisions[line.id] = {
                "approved_cost": request.form.get(f"line-{line.id}-approved", ""),
                "reason_code": request.form.get(f"line-{line.id}-reason", ""),
                "reason_note": request.form.get(f"line-{line.id}-note", ""),
            }
        proposals.review_claim(
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
    return _act(proposal_id, act, message, form_problems_key="review")


@bp.get("/files/<int:file_id>")
@login_required
def proposal_file(file_id: int):
    """A proposal's asset or a claim's proof — only for people who may see the proposal."""
    proposal_ids = sa.union(
        sa.select(ProposalAsset.proposal_id).where(ProposalAsset.file_id == file_id),
        sa.select(Claim.proposal_id)
        .join(ClaimLine, ClaimLine.claim_id == Claim.id)
        .join(ClaimProof, ClaimProof.line_id == ClaimLine.id)
        .where(ClaimProof.file_id == file_id),
    ).subquery()
    visible = db.session.scalar(
        proposals.visible_proposals(current_user)
        .where(Proposal.id.in_(sa.select(proposal_ids.c[0])))
        .limit(1)
    )
    stored = db.session.get(StoredFile, file_id)
    if visible is None or stored is None:
        abort(404)
    try:
        path = uploads.open_stored(stored.path)
    except FileNotFoundError:
        abort(404)
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


# --- The program admin's campaign rules ---------------------------------------------------


def _rules_page(program, status=200, problems=None, posted=None, editing=None):
    return render(
        "campaigns/proposals/rules.html",
        status=status,
        coop_program=program,
        categories=proposals.categories(program, active_only=False),
        rungs=proposals.ladder_all(program),
        tiers=list(db.session.scalars(sa.select(Tier).order_by(Tier.rank))),
        roles=proposals.ROLE_LABELS,
        proof_kinds=proposals.PROOF_KINDS,
        problems=problems or {},
        posted=posted or {},
        editing=editing,
    )


def _admin_program():
    if not policy.is_program_admin(current_user):
        abort(403)
    return _program_or_404()


@bp.get("/coop/program/campaigns")
@login_required
def proposal_rules():
    """Categories with their share and proofs, the approval ladder, fast lane, distributors."""
    return _rules_page(_admin_program())


@bp.post("/coop/program/campaigns/approvals")
@login_required
def proposal_rules_approvals():
    program = _admin_program()
    form = request.form
    rungs = []
    for i in range(len(proposals.ladder_all(program)) + 1):
        rung_id = form.get(f"rung-{i}-id", "")
        rungs.append(
            {
                "id": int(rung_id) if rung_id.isdigit() else None,
                "role": form.get(f"rung-{i}-role", ""),
                "above": form.get(f"rung-{i}-above", ""),
                "tier_id": form.get(f"rung-{i}-tier", ""),
                "category_id": form.get(f"rung-{i}-category", ""),
                "active": form.get(f"rung-{i}-active") == "on",
            }
        )
    try:
        proposals.save_approval_rules(
            current_user,
            program,
            {
                "fast_lane_limit": form.get("fast_lane_limit", ""),
                "distributor_first": form.get("distributor_first") == "on",
                "rungs": rungs,
            },
        )
    except ValidationFailed as exc:
        db.rollback_request()
        return _rules_page(program, 422, {"approvals": exc.problems}, form)
    flash("Approval rules saved. They apply to proposals submitted from now on.", "success")
    return see_other("campaigns.proposal_rules")


@bp.post("/coop/program/categories", defaults={"category_id": None})
@bp.post("/coop/program/categories/<int:category_id>")
@login_required
def proposal_category_save(category_id: int | None):
    program = _admin_program()
    category = None
    if category_id is not None:
        category = db.session.get(ActivityCategory, category_id)
        if category is None or category.program_id != program.id:
            abort(404)
    data = request.form.to_dict()
    data["required_proofs"] = request.form.getlist("required_proofs")
    data["needs_preapproval"] = request.form.get("needs_preapproval") == "on"
    data["active"] = request.form.get("active") == "on"
    try:
        saved = proposals.save_category(current_user, program, data, category)
    except ValidationFailed as exc:
        db.rollback_request()
        key = f"category-{category_id or 'new'}"
        return _rules_page(program, 422, {key: exc.problems}, request.form, editing=key)
    flash(
        f"“{saved.name}” saved. New proposals use it; submitted ones keep their terms.", "success"
    )
    return see_other("campaigns.proposal_rules")


@bp.app_template_global("campaign_rules")
def campaign_rules(program) -> dict:
    """The campaign rules in force, for "How co-op works" (generated from the configuration)."""
    return {
        "categories": proposals.categories(program),
        "rungs": proposals.ladder(program),
        "roles": proposals.ROLE_LABELS,
        "proof_kinds": proposals.PROOF_KINDS,
        "reminders": proposals.REMINDER_DAYS,
        "tiers": dict(db.session.execute(sa.select(Tier.id, Tier.name)).all()),
    }
