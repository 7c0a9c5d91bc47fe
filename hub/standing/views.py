"""The program admin's tier requirements, edited on the program settings page (the
`hub` blueprint): add or change a minimum, remove one."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user

from hub import policy
from hub.directory import tiers
from hub.standing import service as standing
from hub.web.blueprint import bp
from hub.web.forms import EmptyForm, flash_problems
from hub.web.pages import see_other


def _require_program_admin() -> None:
    if not policy.can_configure_program(current_user):
        abort(403)


@bp.route("/admin/tiers/<int:tier_id>/requirements", methods=["POST"])
def tier_requirement_set(tier_id: int):
    _require_program_admin()
    tier = tiers.find(tier_id) or abort(404)
    if EmptyForm().validate_on_submit():
        with flash_problems():
            req = standing.set_requirement(
                current_user,
                tier,
                request.form.get("measure_key", ""),
                request.form.get("minimum", ""),
            )
            flash(f"{tier.name} now requires at least {req.minimum}.", "success")
    return see_other("hub.program_admin", _anchor=f"tier-{tier.id}-requirements")


@bp.route("/admin/tier-requirements/<int:req_id>/delete", methods=["POST"])
def tier_requirement_remove(req_id: int):
    _require_program_admin()
    req = standing.find_requirement(req_id) or abort(404)
    tier_id = req.tier_id
    if EmptyForm().validate_on_submit():
        standing.remove_requirement(current_user, req)
        flash("Requirement removed.", "success")
    return see_other("hub.program_admin", _anchor=f"tier-{tier_id}-requirements")
