"""The program admin's campaign-kit pages: every kit with its state, a form to create or
edit one (category, defaults, budget lines, the studio templates that go with it), and
publishing or unpublishing it. Every change goes through `service` and is audited; other
roles get a 403."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user, login_required

from campaigns.coop.blueprint import bp
from campaigns.coop.program import require_program
from campaigns.kits import service
from campaigns.kits.forms import KIT_LINES, kit_form_values, kit_values
from campaigns.proposals import service as proposals
from campaigns.studio import service as studio
from hub import db
from hub.errors import ValidationFailed
from hub.web.pages import render, see_other


def _admin_program():
    if not service.may_manage(current_user):
        abort(403)
    return require_program()


def _kit_or_404(program, kit_id: int):
    kit = service.get_kit(current_user, program, kit_id)
    if kit is None:
        abort(404)
    return kit


@bp.get("/kits/manage")
@login_required
def kit_admin():
    program = _admin_program()
    return render(
        "campaigns/kits/admin.html",
        coop_program=program,
        kits=service.kits(program, published_only=False),
    )


def _form(program, kit, values: dict, problems: dict, status: int = 200):
    lines = list(values.get("lines") or [])
    lines += [{"description": "", "amount": ""}] * (KIT_LINES - len(lines))
    return render(
        "campaigns/kits/form.html",
        status=status,
        coop_program=program,
        kit=kit,
        values=values,
        lines=lines[:KIT_LINES],
        problems=problems,
        categories=proposals.categories(program),
        templates=studio.templates(),
    )


def _save(program, kit):
    values = kit_values(request.form)
    try:
        kit = service.save_kit(current_user, program, values, kit)
    except ValidationFailed as exc:
        db.rollback_request()
        return _form(program, kit, values, exc.problems, status=422)
    db.session.commit()
    flash(f"Kit “{kit.name}” saved.", "success")
    return see_other("campaigns.kit_admin")


@bp.route("/kits/new", methods=["GET", "POST"])
@login_required
def kit_new():
    program = _admin_program()
    if request.method == "POST":
        return _save(program, None)
    defaults = {"lead_days": "7", "duration_days": "30", "lines": []}
    return _form(program, None, defaults, {})


@bp.route("/kits/<int:kit_id>/edit", methods=["GET", "POST"])
@login_required
def kit_edit(kit_id: int):
    program = _admin_program()
    kit = _kit_or_404(program, kit_id)
    if request.method == "POST":
        return _save(program, kit)
    return _form(program, kit, kit_form_values(kit), {})


@bp.post("/kits/<int:kit_id>/publish")
@login_required
def kit_publish(kit_id: int):
    program = _admin_program()
    kit = _kit_or_404(program, kit_id)
    publish = request.form.get("published") == "1"
    try:
        service.set_published(current_user, kit, publish)
    except ValidationFailed as exc:
        db.rollback_request()
        flash(" ".join(m for ms in exc.problems.values() for m in ms), "error")
        return see_other("campaigns.kit_admin")
    db.session.commit()
    flash(f"Kit “{kit.name}” {'published' if publish else 'unpublished'}.", "success")
    return see_other("campaigns.kit_admin")
