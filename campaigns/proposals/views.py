"""Pages of campaign proposals: the list, the form with a live co-op check, the proposal
page with its thread, suggested edits, approval, claim with proof files, and results.

Every route parses, calls the rules (`workflow`, `discussion`, `claims`, `results`,
asked first of `permissions`), and renders; a proposal outside the
viewer's scope is a 404, an action the viewer may not take a 403.
"""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user, login_required

from campaigns.coop.blueprint import bp
from campaigns.coop.program import require_program
from campaigns.proposals import discussion, results, workflow
from campaigns.proposals.campaign_rules import categories
from campaigns.proposals.inputs import (
    FIELDS,
    as_data,
    live_check,
)
from campaigns.proposals.lifecycle import (
    EDITABLE,
    OPEN_STATUSES,
    STATUS_LABELS,
)
from campaigns.proposals.models import Proposal, ProposalStatus
from campaigns.proposals.pages import (
    act_on,
    program_or_404,
    proposal_or_404,
    proposal_page_response,
    shown_or_404,
)
from campaigns.proposals.permissions import (
    PROPOSERS_ONLY,
    can_propose,
    is_owner,
    visible_proposals,
)
from campaigns.proposals.sla import awaiting, wait_text, waiting_on
from hub import db
from hub.errors import ValidationFailed
from hub.web.pages import int_arg, paginate, render, see_other

S = ProposalStatus
PER_PAGE = 20
FORM_LINES = 6
TABS = {
    "waiting": "Waiting on me",
    "open": "In progress",
    "done": "Finished",
    "all": "All",
}
OPEN = OPEN_STATUSES


@bp.app_template_filter("waited")
def _waited_filter(since):
    return wait_text(since)


# --- List -------------------------------------------------------------------------------


@bp.get("/")
@login_required
def proposal_list():
    program = require_program()
    tab = request.args.get("tab", "waiting")
    if tab not in TABS:
        tab = "waiting"
    waiting = awaiting(current_user)
    stmt = visible_proposals(current_user).where(Proposal.program_id == program.id)
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
        labels=STATUS_LABELS,
        waiting_on=waiting_on,
        can_propose=can_propose(current_user),
    )


# --- The form ---------------------------------------------------------------------------


def _form_data() -> dict:
    form = request.form
    data = {name: form.get(name, "") for name in FIELDS}
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
    data = as_data(proposal)
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
        categories=categories(program),
        check=_check(program, values, proposal),
    )


def _check(program, values: dict, proposal: Proposal | None):
    """The live co-op check beside the form, for the proposal's organisation (or mine)."""
    org = proposal.organization if proposal else current_user.organization
    return live_check(program, org, values)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def proposal_new():
    program = program_or_404()
    if not can_propose(current_user):
        abort(403, description=PROPOSERS_ONLY)
    if request.method == "GET":
        return _form_page(program, None, {"lines": []}, {})
    data = _form_data()
    try:
        proposal = workflow.create(current_user, program, data)
        if request.form.get("action") == "submit":
            workflow.submit(current_user, proposal)
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
    return "Submitted. " + waiting_on(proposal).label + "."


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def proposal_edit(proposal_id: int):
    proposal = proposal_or_404(proposal_id)
    if not is_owner(current_user, proposal):
        abort(403)
    program = program_or_404()
    if proposal.status not in EDITABLE:
        flash("This proposal can no longer be edited.", "error")
        return see_other("campaigns.proposal_page", proposal_id=proposal.id)
    if request.method == "GET":
        return _form_page(program, proposal, _values_of(proposal), {})
    data = _form_data()
    try:
        workflow.update(current_user, proposal, data)
        if request.form.get("action") == "submit":
            workflow.submit(current_user, proposal)
    except ValidationFailed as exc:
        db.rollback_request()
        proposal = proposal_or_404(proposal_id)
        return _form_page(program, proposal, _clean(data), exc.problems, status=422)
    flash(_saved_message(proposal), "success")
    return see_other("campaigns.proposal_page", proposal_id=proposal.id)


@bp.post("/check")
@login_required
def proposal_check():
    """The live check (htmx): what the form's numbers mean against the balance and share."""
    program = program_or_404()
    proposal = None
    if request.form.get("proposal_id", "").isdigit():
        proposal = proposal_or_404(int(request.form["proposal_id"]))
    data = _form_data()
    return render(
        "campaigns/proposals/_check.html",
        coop_program=program,
        check=_check(program, data, proposal),
    )


# --- The proposal page ------------------------------------------------------------------


@bp.get("/proposals/<int:proposal_id>")
@login_required
def proposal_page(proposal_id: int):
    return proposal_page_response(shown_or_404(proposal_id))


@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def proposal_submit(proposal_id: int):
    proposal = proposal_or_404(proposal_id, lock=True)
    try:
        workflow.submit(current_user, proposal)
    except PermissionError:
        abort(403)
    except ValidationFailed as exc:
        db.rollback_request()
        proposal = proposal_or_404(proposal_id)
        flash(" ".join(m for msgs in exc.problems.values() for m in msgs), "error")
        return see_other("campaigns.proposal_page", proposal_id=proposal_id)
    flash(_saved_message(proposal), "success")
    return see_other("campaigns.proposal_page", proposal_id=proposal_id)


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def proposal_withdraw(proposal_id: int):
    return act_on(proposal_id, lambda p: workflow.withdraw(current_user, p), "Proposal withdrawn.")


@bp.post("/proposals/<int:proposal_id>/approve")
@login_required
def proposal_approve(proposal_id: int):
    return _decide(
        proposal_id,
        lambda actor, p, note: workflow.approve(actor, p, note=note),
        "Approved.",
    )


@bp.post("/proposals/<int:proposal_id>/request-changes")
@login_required
def proposal_request_changes(proposal_id: int):
    return _decide(proposal_id, workflow.request_changes, "Sent back to the dealer with your note.")


@bp.post("/proposals/<int:proposal_id>/decline")
@login_required
def proposal_decline(proposal_id: int):
    return _decide(proposal_id, workflow.decline, "Declined; the dealer sees your reason.")


def _decide(proposal_id: int, decision, success: str):
    """An approver's decision (approve, send back, decline) with the note from the form."""
    return act_on(
        proposal_id,
        lambda p: decision(current_user, p, request.form.get("note", "")),
        success,
        form_problems_key="decision",
    )


@bp.post("/proposals/<int:proposal_id>/comments")
@login_required
def proposal_comment(proposal_id: int):
    def act(p):
        discussion.comment(current_user, p, request.form.get("body", ""))

    return act_on(proposal_id, act, "", lock=False, form_problems_key="comment")


@bp.post("/proposals/<int:proposal_id>/suggestions")
@login_required
def proposal_suggest(proposal_id: int):
    def act(p):
        discussion.suggest(
            current_user,
            p,
            request.form.get("field", ""),
            request.form.get("value", ""),
            request.form.get("note", ""),
        )

    return act_on(proposal_id, act, "Suggestion sent to the dealer.", form_problems_key="suggest")


@bp.post("/proposals/<int:proposal_id>/suggestions/<int:suggestion_id>")
@login_required
def proposal_suggestion_decide(proposal_id: int, suggestion_id: int):
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)

    def act(p):
        suggestion = discussion.suggestion_on(p, suggestion_id)
        if suggestion is None:
            abort(404)
        discussion.decide_suggestion(current_user, suggestion, decision == "accept")

    message = (
        "Suggestion accepted: the proposal now says so."
        if decision == "accept"
        else "Suggestion rejected."
    )
    return act_on(proposal_id, act, message, form_problems_key="suggestions")


@bp.post("/proposals/<int:proposal_id>/suggestions/<int:suggestion_id>/withdraw")
@login_required
def proposal_suggestion_withdraw(proposal_id: int, suggestion_id: int):
    def act(p):
        suggestion = discussion.suggestion_on(p, suggestion_id)
        if suggestion is None:
            abort(404)
        discussion.withdraw_suggestion(current_user, suggestion)

    return act_on(proposal_id, act, "Suggestion withdrawn.", form_problems_key="suggestions")


@bp.post("/proposals/<int:proposal_id>/results")
@login_required
def proposal_results(proposal_id: int):
    def act(p):
        results.report_results(current_user, p, request.form.to_dict())

    return act_on(proposal_id, act, "Results reported. Thank you!", form_problems_key="results")


@bp.post("/proposals/<int:proposal_id>/close")
@login_required
def proposal_close(proposal_id: int):
    return act_on(
        proposal_id,
        lambda p: results.close(current_user, p, request.form.get("note", "")),
        "Closed.",
    )
