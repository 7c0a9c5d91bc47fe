"""Beta program pages for everyone: the list (open programs a partner user may apply to,
and their own), the program page with the application form — or the sentence saying
what they lack — and the NDA to sign once accepted.

Every route parses, calls the rules, renders; a program a viewer may not see is a 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from feedback.betas import applications, eligibility, nda, programs
from feedback.betas.access import (
    PARTNERS_ONLY,
    application_of,
    can_manage,
    is_partner,
    may_enter_space,
    visible_programs,
)
from feedback.betas.forms import ApplyForm
from feedback.betas.models import BetaApplication, BetaProgram
from feedback.betas.pages import client_ip, program_or_404
from feedback.betas.schedule import Phase, phase
from feedback.ideas.models import Idea
from feedback.views import bp
from hub import db
from hub.errors import ValidationFailed
from hub.web.forms import EmptyForm, refused
from hub.web.pages import render, see_other

LISTED = (Phase.UPCOMING, Phase.APPLICATIONS_OPEN)


@bp.get("/betas")
@login_required
def beta_list():
    viewer = current_user
    rows = list(
        db.session.scalars(
            visible_programs(viewer).order_by(BetaProgram.starts_on.desc(), BetaProgram.id)
        )
    )
    mine = {
        a.program_id: a
        for a in db.session.scalars(
            sa.select(BetaApplication).where(BetaApplication.person_id == viewer.id)
        )
    }
    if viewer.is_oem:
        shown, open_ = rows, []
    else:
        shown = [p for p in rows if p.id in mine]
        open_ = [
            p
            for p in rows
            if p.id not in mine and phase(p) in LISTED and eligibility.is_eligible(viewer, p)
        ]
    return render(
        "feedback/betas/list.html",
        programs=shown,
        open_programs=open_,
        mine=mine,
        phase=phase,
        can_manage=can_manage(viewer),
    )


def program_page_response(program: BetaProgram, *, form=None, status_code=200):
    viewer = current_user
    application = application_of(viewer, program)
    return render(
        "feedback/betas/program.html",
        status=status_code,
        program=program,
        phase=phase(program),
        rules=eligibility.rules_in_words(program),
        lacks=eligibility.missing(viewer, program) if is_partner(viewer) else [],
        application=application,
        invited=programs.invited(viewer, program),
        linked_idea=db.session.get(Idea, program.idea_id) if program.idea_id else None,
        accepted=applications.accepted_count(program),
        form=form or ApplyForm(formdata=None),
        can_apply=is_partner(viewer)
        and application is None
        and phase(program) == Phase.APPLICATIONS_OPEN,
        may_enter=may_enter_space(viewer, program),
        must_sign=may_enter_space(viewer, program) and nda.needs_signature(viewer, program),
        can_manage=can_manage(viewer),
    )


@bp.get("/betas/<int:program_id>")
@login_required
def beta_program(program_id: int):
    return program_page_response(program_or_404(program_id))


@bp.post("/betas/<int:program_id>/apply")
@login_required
def beta_apply(program_id: int):
    program = program_or_404(program_id)
    if not is_partner(current_user):
        raise PermissionError(PARTNERS_ONLY)
    form = ApplyForm()
    if form.validate():
        try:
            applications.apply(current_user, program, form.motivation.data or "")
        except ValidationFailed as exc:
            refused(form, exc)
            return program_page_response(program_or_404(program_id), form=form, status_code=422)
        flash("Your application is in. You'll hear when the product manager decides.", "success")
        return see_other("feedback.beta_program", program_id=program.id)
    return program_page_response(program, form=form, status_code=422)


@bp.route("/betas/<int:program_id>/nda", methods=["GET", "POST"])
@login_required
def beta_nda(program_id: int):
    """The NDA of a program the viewer is an accepted tester of (404 for anyone else)."""
    program = program_or_404(program_id)
    if not may_enter_space(current_user, program):
        abort(404)
    form = EmptyForm()
    if request.method == "POST" and form.validate():
        nda.sign(current_user, program, ip=client_ip())
        flash(
            f"You signed the NDA (version {program.nda_version}). Welcome to the program.",
            "success",
        )
        return see_other("feedback.beta_space", program_id=program.id)
    return render(
        "feedback/betas/nda.html",
        status=422 if form.is_submitted() else 200,
        program=program,
        signature=None if current_user.is_oem else nda.signature(current_user, program),
        form=form,
        space_url=url_for("feedback.beta_space", program_id=program.id),
    )


def idea_section(viewer, idea) -> str:
    """The idea page's section of the beta programs linked to the idea that the viewer may
    see (partner users: published ones), so a voter finds where to apply."""
    rows = db.session.scalars(
        visible_programs(viewer).where(BetaProgram.idea_id == idea.id).order_by(BetaProgram.id)
    ).all()
    if not rows:
        return ""
    html = render_template("feedback/betas/_idea_section.html", rows=[(p, phase(p)) for p in rows])
    return Markup(html)  # noqa: S704 — autoescaped template
