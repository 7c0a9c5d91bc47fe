"""The program admin's campaign rules pages: activity categories with their share and
proofs, the approval ladder, the fast lane and distributors approving first; and the
rules in force for "How co-op works". Parse, call `campaign_rules`, render."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, request
from flask_login import current_user, login_required

from campaigns.coop.views import bp
from campaigns.proposals.campaign_rules import (
    PROOF_KINDS,
    categories,
    ladder,
    ladder_all,
    save_approval_rules,
    save_category,
)
from campaigns.proposals.jobs import REMINDER_DAYS
from campaigns.proposals.lifecycle import ROLE_LABELS
from campaigns.proposals.models import ActivityCategory
from campaigns.proposals.pages import program_or_404
from hub import db, policy
from hub.errors import ValidationFailed
from hub.models import Tier
from hub.web.pages import render, see_other


def _rules_page(program, status=200, problems=None, posted=None, editing=None):
    return render(
        "campaigns/proposals/rules.html",
        status=status,
        coop_program=program,
        categories=categories(program, active_only=False),
        rungs=ladder_all(program),
        tiers=list(db.session.scalars(sa.select(Tier).order_by(Tier.rank))),
        roles=ROLE_LABELS,
        proof_kinds=PROOF_KINDS,
        problems=problems or {},
        posted=posted or {},
        editing=editing,
    )


def _admin_program():
    if not policy.is_program_admin(current_user):
        abort(403)
    return program_or_404()


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
    for i in range(len(ladder_all(program)) + 1):
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
        save_approval_rules(
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
    data["allows_precampaign_costs"] = request.form.get("allows_precampaign_costs") == "on"
    data["active"] = request.form.get("active") == "on"
    try:
        saved = save_category(current_user, program, data, category)
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
        "categories": categories(program),
        "rungs": ladder(program),
        "roles": ROLE_LABELS,
        "proof_kinds": PROOF_KINDS,
        "reminders": REMINDER_DAYS,
        "tiers": dict(db.session.execute(sa.select(Tier.id, Tier.name)).all()),
    }
