"""Pages of program consultations: the list, opening one (program admin), the
consultation page (summary of the change beside the rule as it stands, signal, comments,
the response), and the OEM's summary by tier and region.

Every route parses, calls the rules (service, summary), renders; a consultation outside
the viewer's audience is a 404, a step the viewer may never take a 403.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from feedback.consultations import service, summary
from feedback.consultations.access import (
    ADMINS_ONLY,
    PARTNERS_ONLY,
    SUMMARY_ONLY,
    can_open,
    can_see_summary,
    can_take_part,
    get_visible,
    shown_name,
    visible_comments,
    visible_consultations,
)
from feedback.consultations.forms import CommentForm, consultation_form, response_form
from feedback.consultations.models import Consultation, ConsultationComment
from feedback.views import bp
from hub import db
from hub.db import today
from hub.errors import ValidationFailed
from hub.models import Tier
from hub.web.forms import flash_problems, refused, submit_status
from hub.web.pages import external_url, render, see_other


@bp.app_template_global("consultation_author")
def _consultation_author(person) -> str:
    return shown_name(current_user, person)


def consultation_or_404(consultation_id: int) -> Consultation:
    consultation = get_visible(current_user, consultation_id)
    if consultation is None:
        abort(404)
    return consultation


def _audience_words(consultation: Consultation) -> str:
    """Who is asked, in words: "Every partner", "Premier and Elite partners in Iowa"."""
    tiers = consultation.audience_tier_ids or []
    names = (
        list(db.session.scalars(sa.select(Tier.name).where(Tier.id.in_(tiers)).order_by(Tier.rank)))
        if tiers
        else []
    )
    words = " and ".join(names) + " partners" if names else "Every partner"
    if consultation.audience_regions:
        words += " in " + ", ".join(consultation.audience_regions)
    return words


@bp.get("/consultations")
@login_required
def consultation_list():
    rows = visible_consultations(current_user)
    return render(
        "feedback/consultations/list.html",
        rows=[(c, service.state(c)) for c in rows],
        can_open=can_open(current_user),
    )


@bp.route("/consultations/new", methods=["GET", "POST"])
@login_required
def consultation_new():
    if not can_open(current_user):
        raise PermissionError(ADMINS_ONLY)
    form = consultation_form()
    if not form.is_submitted():  # a two-week period from today, in effect a month after
        day = today()
        form.opens_on.data = day.isoformat()
        form.closes_on.data = (day + timedelta(days=14)).isoformat()
        form.effective_on.data = (day + timedelta(days=45)).isoformat()
    if form.is_submitted() and form.validate():
        try:
            consultation = service.open_consultation(
                current_user,
                request.form,
                request.form.getlist("tier_ids"),
                request.form.getlist("regions"),
            )
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash("The consultation is open for comment on the days you chose.", "success")
            return see_other("feedback.consultation_page", consultation_id=consultation.id)
    return render(
        "feedback/consultations/new.html",
        form=form,
        rules=service.rule_choices(),
        status=submit_status(form),
    )


def consultation_page_response(
    consultation: Consultation, *, status_code=200, comment_form=None, form_for_response=None
):
    viewer = current_user
    comments = list(
        db.session.scalars(
            visible_comments(viewer, consultation).order_by(
                ConsultationComment.created_at, ConsultationComment.id
            )
        )
    )
    return render(
        "feedback/consultations/page.html",
        status=status_code,
        c=consultation,
        state=service.state(consultation),
        audience=_audience_words(consultation),
        my_signal=service.signal_of(viewer, consultation) if can_take_part(viewer) else None,
        can_take_part=can_take_part(viewer) and service.is_open(consultation),
        can_respond=can_open(viewer) and service.state(consultation) in ("open", "closed"),
        can_see_summary=can_see_summary(viewer),
        comments=comments,
        comment_form=comment_form or CommentForm(formdata=None),
        response_form=form_for_response or response_form(blank=True),
    )


@bp.get("/consultations/<int:consultation_id>")
@login_required
def consultation_page(consultation_id: int):
    return consultation_page_response(consultation_or_404(consultation_id))


@bp.post("/consultations/<int:consultation_id>/signal")
@login_required
def consultation_signal(consultation_id: int):
    consultation = consultation_or_404(consultation_id)
    if not can_take_part(current_user):
        raise PermissionError(PARTNERS_ONLY)
    with flash_problems():
        chosen = service.give_signal(current_user, consultation, request.form.get("signal", ""))
        flash(f"Your signal is recorded: {chosen.label.lower()}.", "success")
    return see_other("feedback.consultation_page", consultation_id=consultation.id)


@bp.post("/consultations/<int:consultation_id>/comments")
@login_required
def consultation_comment(consultation_id: int):
    consultation = consultation_or_404(consultation_id)
    form = CommentForm()
    if form.validate():
        try:
            service.add_comment(current_user, consultation, request.form.get("body", ""))
        except ValidationFailed as exc:
            refused(form, exc)
            return consultation_page_response(
                consultation_or_404(consultation_id), status_code=422, comment_form=form
            )
        flash("Your comment is sent to the program team.", "success")
        return see_other(
            "feedback.consultation_page", consultation_id=consultation.id, _anchor="comments"
        )
    return consultation_page_response(consultation, status_code=422, comment_form=form)


@bp.post("/consultations/<int:consultation_id>/response")
@login_required
def consultation_response(consultation_id: int):
    consultation = consultation_or_404(consultation_id)
    if not can_open(current_user):
        raise PermissionError(ADMINS_ONLY)
    form = response_form()
    if form.validate():
        try:
            told = service.publish_response(
                current_user,
                consultation,
                request.form.get("outcome", ""),
                request.form.get("response", ""),
                link=external_url("feedback.consultation_page", consultation_id=consultation.id),
                path=url_for("feedback.consultation_page", consultation_id=consultation.id),
            )
        except ValidationFailed as exc:
            refused(form, exc)
            return consultation_page_response(
                consultation_or_404(consultation_id), status_code=422, form_for_response=form
            )
        flash(f"Response published; {told} who took part were told.", "success")
        return see_other("feedback.consultation_page", consultation_id=consultation.id)
    return consultation_page_response(consultation, status_code=422, form_for_response=form)


@bp.get("/consultations/<int:consultation_id>/summary")
@login_required
def consultation_summary(consultation_id: int):
    consultation = consultation_or_404(consultation_id)
    if not can_see_summary(current_user):
        raise PermissionError(SUMMARY_ONLY)
    result = summary.summarise(current_user, consultation)
    return render(
        "feedback/consultations/summary.html",
        c=consultation,
        state=service.state(consultation),
        audience=_audience_words(consultation),
        result=result,
        tier_chart=summary.chart(result.tiers),
        region_chart=summary.chart(result.regions),
        notices=service.notices(consultation),
    )
