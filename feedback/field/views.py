"""Field intelligence pages: the list (filters), filing an observation, one observation
(with the product managers' tags and links to ideas), its photo, and the section the
idea page shows for OEM staff. An observation outside the viewer's scope is a 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, abort, flash, render_template, request, send_file
from flask_login import current_user, login_required
from markupsafe import Markup

from feedback.field import service
from feedback.field.access import FILERS_ONLY, can_curate, can_file, get_visible
from feedback.field.forms import LinkForm, TagsForm, observation_form
from feedback.field.models import FieldObservation
from feedback.ideas import service as ideas
from feedback.ideas.views import IDEA_SECTIONS
from feedback.views import bp
from hub import db
from hub.errors import ValidationFailed
from hub.web.forms import flash_problems, refused
from hub.web.pages import accepts_files, int_arg, render, see_other, stored_path_or_404

PER_PAGE = 25


def observation_or_404(observation_id: int) -> FieldObservation:
    row = get_visible(current_user, observation_id)
    if row is None:
        abort(404)
    return row


@bp.get("/field")
@login_required
def field_list():
    lines = ideas.product_lines()
    line_id = int_arg("line", 0)
    filters = service.Filters(
        q=request.args.get("q", "").strip()[:100],
        region=request.args.get("region", "").strip()[:80],
        tag=ideas.normalise_tag(request.args.get("tag", "")) or None,
        product_line_id=line_id if any(ln.id == line_id for ln in lines) else None,
    )
    page = max(int_arg("page"), 1)
    stmt = service.listing(current_user, filters)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    rows = list(db.session.scalars(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    return render(
        "feedback/field/list.html",
        rows=rows,
        tags=service.tags_of([r.id for r in rows]),
        filters=filters,
        lines=lines,
        all_tags=service.all_tags(current_user),
        page=page,
        more=more,
        total=total,
        can_file=can_file(current_user),
    )


def _too_large(sentence: str):
    form = observation_form()
    form.photo.errors = [sentence]
    return render("feedback/field/new.html", form=form, status=413)


@bp.route("/field/new", methods=["GET", "POST"])
@login_required
@accepts_files(1, _too_large)
def field_new():
    if not can_file(current_user):
        raise PermissionError(FILERS_ONLY)
    form = observation_form()
    if not form.is_submitted():
        return render("feedback/field/new.html", form=form)
    form.validate()
    if form.csrf_token.errors:
        return render("feedback/field/new.html", form=form, status=422)
    for f in form:  # the rule below words every other problem
        f.errors = []
    upload = request.files.get("photo")
    photo = (upload.read(), upload.filename) if upload and upload.filename else None
    try:
        row = service.file_observation(current_user, request.form, photo)
    except ValidationFailed as exc:
        refused(form, exc)
        return render("feedback/field/new.html", form=form, status=422)
    flash("Thank you: the observation is filed for the product team.", "success")
    return see_other("feedback.field_page", observation_id=row.id)


def _page(row, status=200, tags_form=None, link_form=None):
    curator = can_curate(current_user)
    current = service.tags_of([row.id]).get(row.id, [])
    return render(
        "feedback/field/observation.html",
        row=row,
        status=status,
        tags=current,
        ideas_linked=service.linked_ideas(row),
        can_curate=curator,
        tags_form=tags_form or TagsForm(formdata=None, data={"tags": ", ".join(current)}),
        link_form=link_form or LinkForm(formdata=None),
    )


@bp.get("/field/<int:observation_id>")
@login_required
def field_page(observation_id: int):
    return _page(observation_or_404(observation_id))


@bp.post("/field/<int:observation_id>/tags")
@login_required
def field_tags(observation_id: int):
    row = observation_or_404(observation_id)
    if not can_curate(current_user):
        raise PermissionError(service.CURATORS_ONLY)
    form = TagsForm()
    if form.validate():
        try:
            saved = service.set_tags(current_user, row, request.form.get("tags", ""))
        except ValidationFailed as exc:
            refused(form, exc)
            return _page(observation_or_404(observation_id), 422, tags_form=form)
        flash(f"Tags saved: {', '.join(saved) or 'none'}.", "success")
        return see_other("feedback.field_page", observation_id=row.id)
    return _page(row, 422, tags_form=form)


@bp.post("/field/<int:observation_id>/links")
@login_required
def field_link(observation_id: int):
    row = observation_or_404(observation_id)
    if not can_curate(current_user):
        raise PermissionError(service.CURATORS_ONLY)
    form = LinkForm()
    if form.validate():
        if request.form.get("unlink"):
            with flash_problems():
                raw = request.form["unlink"]
                if raw.isdigit() and service.unlink_idea(current_user, row, int(raw)):
                    flash("The link to the idea is removed.", "success")
            return see_other("feedback.field_page", observation_id=row.id)
        try:
            idea = service.link_idea(current_user, row, request.form.get("idea", ""))
        except ValidationFailed as exc:
            refused(form, exc)
            return _page(observation_or_404(observation_id), 422, link_form=form)
        flash(f"Linked to “{idea.title}”; its page shows the observation.", "success")
        return see_other("feedback.field_page", observation_id=row.id)
    return _page(row, 422, link_form=form)


@bp.get("/field/photos/<int:observation_id>")
@login_required
def field_photo(observation_id: int):
    row = observation_or_404(observation_id)
    if row.photo is None:
        abort(404)
    response = send_file(
        stored_path_or_404(row.photo.path), mimetype=row.photo.content_type, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def idea_section(viewer, idea) -> str:
    """The idea page's section of linked observations, for OEM staff (partners don't
    see other dealers' market intelligence through an idea)."""
    if not viewer.is_oem:
        return ""
    rows = service.observations_of_idea(viewer, idea)
    if not rows:
        return ""
    html = render_template("feedback/field/_idea_section.html", rows=rows)
    return Markup(html)  # noqa: S704 — autoescaped template


def init_app(app: Flask) -> None:
    app.extensions.setdefault(IDEA_SECTIONS, []).append(idea_section)
