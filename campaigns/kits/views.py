"""The dealer's campaign-kit pages: the published kits, one kit with its launch form (only
the dates, defaulted, and the co-op amount), and the launch itself, which lands on the
submitted proposal. Parse, call `service`, render. Any signed-in person sees published
kits (an unpublished one is the program admin's preview, 404 to others); only a
partner's marketer or admin launches one (others 403)."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user, login_required

from campaigns.coop.blueprint import bp
from campaigns.coop.program import current_program
from campaigns.kits import service
from campaigns.kits.forms import launch_values
from campaigns.proposals import service as proposals
from campaigns.proposals.service import STATUS_LABELS
from campaigns.studio.artwork import SIZE_LABELS
from hub import db
from hub.errors import ValidationFailed
from hub.web.pages import render, see_other


def kit_or_404(kit_id: int):
    kit = service.get_kit(current_user, current_program(), kit_id)
    if kit is None:
        abort(404)
    return kit


@bp.get("/kits")
@login_required
def kit_list():
    program = current_program()
    return render(
        "campaigns/kits/list.html",
        kits=service.kits(program),
        coop_program=program,
        may_launch=service.may_launch(current_user),
        may_manage=service.may_manage(current_user),
        most_to_ask=service.most_to_ask,
    )


def _kit_page(kit, values: dict, problems: dict, status: int = 200):
    program = current_program()
    launcher = service.may_launch(current_user)
    return render(
        "campaigns/kits/page.html",
        status=status,
        kit=kit,
        coop_program=program,
        values=values,
        problems=problems,
        may_launch=launcher,
        missing=service.missing_profile(current_user, kit) if launcher else [],
        profile_sentence=service.profile_sentence,
        budget=service.budget_of(kit),
        total=service.budget_total(kit),
        share=service.share(kit),
        most=service.most_to_ask(kit),
        sizes=SIZE_LABELS,
        available=proposals.available_for(current_user.organization, program) if launcher else None,
    )


@bp.get("/kits/<int:kit_id>")
@login_required
def kit_page(kit_id: int):
    kit = kit_or_404(kit_id)
    starts, ends = service.default_dates(kit)
    values = {"starts_on": starts.isoformat(), "ends_on": ends.isoformat()}
    return _kit_page(kit, values, {})


@bp.post("/kits/<int:kit_id>/launch")
@login_required
def kit_launch(kit_id: int):
    if not service.may_launch(current_user):
        abort(403)
    kit = kit_or_404(kit_id)
    values = launch_values(request.form)
    try:
        proposal = service.launch(current_user, kit, values)
    except ValidationFailed as exc:
        db.rollback_request()
        return _kit_page(kit_or_404(kit_id), values, exc.problems, status=422)
    db.session.commit()
    count = len(kit.templates)
    flash(
        f"“{proposal.title}” is {STATUS_LABELS[proposal.status].lower()}, with "
        f"{count} co-branded {'asset' if count == 1 else 'assets'} from the kit attached.",
        "success",
    )
    return see_other("campaigns.proposal_page", proposal_id=proposal.id)
