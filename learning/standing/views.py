"""Standing pages: an organisation's standing (tier requirements, specialisations,
coverage), the index that leads there, and the program admin's specialisations."""

from __future__ import annotations

from flask import abort, flash
from flask_login import current_user

from hub import db
from hub.directory import queries
from hub.errors import ValidationFailed
from hub.models import Role
from hub.web.forms import EmptyForm, apply_problems, submit_status
from hub.web.pages import render, see_other
from learning.blueprint import bp
from learning.standing import overview, specialisations
from learning.standing.forms import SpecialisationForm


@bp.get("/standing")
def standing_index():
    """A partner admin's own organisation's standing (here, so the navigation marks its
    link as the page you are on); OEM staff choose an organisation."""
    if current_user.is_oem:
        return render(
            "learning/standing/index.html",
            organizations=overview.organizations_for_index(current_user),
        )
    if current_user.role == Role.PARTNER_ADMIN:
        return standing_page(current_user.organization_id)
    abort(403)


@bp.get("/standing/<int:org_id>")
def standing_page(org_id: int):
    org = overview.get_organization_or_404(current_user, org_id)
    view = overview.organization_standing(current_user, org)
    return render(
        "learning/standing/page.html",
        view=view,
        titles=overview.level_titles({h.level_id for h in view.counted}),
    )


def _form() -> SpecialisationForm:
    return SpecialisationForm().offer(queries.product_lines(), specialisations.level_ranks())


@bp.route("/standing/specialisations", methods=["GET", "POST"])
def specialisation_admin():
    if not specialisations.can_configure(current_user):
        abort(403)
    form = _form()
    if form.is_submitted():
        try:
            if not form.validate():
                raise ValidationFailed({"": ["The form expired; send it again."]})
            spec = specialisations.create(
                current_user,
                form.name.data,
                form.product_line_id.data,
                form.track.data,
                form.min_rank.data,
                form.min_people.data,
            )
            flash(f"Specialisation “{spec.name}” defined.", "success")
            return see_other("learning.specialisation_admin")
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render(
        "learning/standing/specialisations.html",
        status=submit_status(form),
        form=form,
        specs=specialisations.all_specialisations(),
        empty=EmptyForm(),
    )


@bp.post("/standing/specialisations/<int:spec_id>/delete")
def specialisation_delete(spec_id: int):
    if not specialisations.can_configure(current_user):
        abort(403)
    spec = db.session.get(specialisations.Specialisation, spec_id) or abort(404)
    if EmptyForm().validate_on_submit():
        specialisations.delete(current_user, spec)
        flash(f"Specialisation “{spec.name}” removed.", "success")
    return see_other("learning.specialisation_admin")
