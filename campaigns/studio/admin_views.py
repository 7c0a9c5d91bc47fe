"""The program admin's brand-kit pages: image templates (a structured form for the
artwork and layout, a preview with the sample dealer, publishing), uploaded deck
templates (the token report and slides), the approved-copy library and forbidden words,
and which partners use which templates. Each route parses, calls the rules and renders;
others get a 403, an unknown template or deck a 404."""

from __future__ import annotations

import io

from flask import abort, flash, request, send_file
from flask_login import current_user, login_required

from campaigns.coop.blueprint import bp
from campaigns.studio import authoring, deck_uploads, layouts, library, service, usage
from campaigns.studio import render as draw
from campaigns.studio.admin_forms import padded_slots, template_values, upload_of
from campaigns.studio.artwork import ARTWORKS, SIZE_LABELS
from campaigns.studio.deck import KNOWN_TOKENS
from campaigns.studio.models import ApprovedCopy, CopyKind, ForbiddenWord, StudioTemplate
from hub import db
from hub.errors import ValidationFailed
from hub.web.pages import render, see_other


def _admin():
    if not library.may_author(current_user):
        abort(403)
    return current_user


def _template_or_404(template_id: int) -> StudioTemplate:
    template = db.session.get(StudioTemplate, template_id)
    if template is None:
        abort(404)
    return template


def _sentences(exc: ValidationFailed) -> str:
    return " ".join(m for ms in exc.problems.values() for m in ms)


@bp.get("/studio/manage")
@login_required
def studio_admin():
    _admin()
    return render(
        "campaigns/studio/admin/home.html",
        templates=authoring.all_templates(),
        decks=deck_uploads.all_decks(),
        built_in=service.DECKS,
        sizes=SIZE_LABELS,
        totals=usage.totals(),
    )


def _form(template, values, problems, status=200):
    return render(
        "campaigns/studio/admin/template_form.html",
        status=status,
        tmpl=template,
        values=values,
        slots=padded_slots(values),
        problems=problems,
        sizes=SIZE_LABELS,
        artworks=list(ARTWORKS),
        modes=layouts.MODES,
        aligns=layouts.ALIGNS,
        copy_kinds=layouts.COPY_KINDS,
    )


def _save(template):
    values = template_values(request.form)
    try:
        template = authoring.save_template(
            current_user, values, upload_of(request.files, "artwork_file"), template
        )
    except ValidationFailed as exc:
        db.rollback_request()
        return _form(template, values, exc.problems, status=422)
    db.session.commit()
    flash(f"Template “{template.name}” saved. Check its preview before publishing.", "success")
    return see_other("campaigns.studio_template_preview", template_id=template.id)


@bp.route("/studio/manage/templates/new", methods=["GET", "POST"])
@login_required
def studio_template_new():
    _admin()
    if request.method == "POST":
        return _save(None)
    return _form(None, layouts.form_values(None), {})


@bp.route("/studio/manage/templates/<int:template_id>/edit", methods=["GET", "POST"])
@login_required
def studio_template_edit(template_id: int):
    _admin()
    template = _template_or_404(template_id)
    if request.method == "POST":
        return _save(template)
    return _form(template, layouts.form_values(template), {})


@bp.get("/studio/manage/templates/<int:template_id>")
@login_required
def studio_template_preview(template_id: int):
    _admin()
    template = _template_or_404(template_id)
    problems, notes = {}, []
    try:
        notes = authoring.sample_render(template, service.forbidden_words()).notes
    except ValidationFailed as exc:
        problems = exc.problems
    return render(
        "campaigns/studio/admin/template_preview.html",
        tmpl=template,
        problems=problems,
        notes=notes,
        size_label=SIZE_LABELS.get(template.size, template.size),
        modes=layouts.MODES,
        uses=usage.uses(usage.IMAGE, template.key),
    )


@bp.get("/studio/manage/templates/<int:template_id>/sample.png")
@login_required
def studio_template_sample(template_id: int):
    _admin()
    template = _template_or_404(template_id)
    try:
        result = authoring.sample_render(template, service.forbidden_words())
    except ValidationFailed as exc:
        return _sentences(exc), 422
    data = draw.encode(result.image, "preview")
    return send_file(io.BytesIO(data), mimetype="image/png", max_age=0)


@bp.post("/studio/manage/templates/<int:template_id>/publish")
@login_required
def studio_template_publish(template_id: int):
    _admin()
    template = _template_or_404(template_id)
    publish = request.form.get("published") == "1"
    try:
        authoring.set_published(current_user, template, publish, service.forbidden_words())
    except ValidationFailed as exc:
        db.rollback_request()
        flash(_sentences(exc), "error")
        return see_other("campaigns.studio_template_preview", template_id=template_id)
    db.session.commit()
    flash(f"Template “{template.name}” {'published' if publish else 'unpublished'}.", "success")
    return see_other("campaigns.studio_admin")


@bp.route("/studio/manage/decks/new", methods=["GET", "POST"])
@login_required
def studio_deck_new():
    actor = _admin()
    name, problems = "", {}
    if request.method == "POST":
        name = request.form.get("name", "")
        try:
            row = deck_uploads.save_deck(actor, name, upload_of(request.files, "deck"))
        except ValidationFailed as exc:
            db.rollback_request()
            problems = exc.problems
        else:
            db.session.commit()
            flash(f"Deck “{row.name}” uploaded. Check its tokens before publishing.", "success")
            return see_other("campaigns.studio_deck_report", deck_id=row.id)
    return render(
        "campaigns/studio/admin/deck_form.html",
        name=name,
        problems=problems,
        known=KNOWN_TOKENS,
        status=422 if problems else 200,
    )


@bp.get("/studio/manage/decks/<int:deck_id>")
@login_required
def studio_deck_report(deck_id: int):
    _admin()
    row = deck_uploads.get_deck(deck_id)
    if row is None:
        abort(404)
    return render(
        "campaigns/studio/admin/deck_report.html",
        deck=row,
        known=KNOWN_TOKENS,
        uses=usage.uses(usage.DECK, row.key),
    )


@bp.get("/studio/manage/decks/<int:deck_id>/slide-<int:number>.png")
@login_required
def studio_deck_report_slide(deck_id: int, number: int):
    """One slide of an uploaded deck as the admin checks it (tokens unfilled)."""
    _admin()
    row = deck_uploads.get_deck(deck_id)
    data = deck_uploads.slide_png(row, number) if row is not None else None
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype="image/png", max_age=0)


@bp.post("/studio/manage/decks/<int:deck_id>/publish")
@login_required
def studio_deck_publish(deck_id: int):
    actor = _admin()
    row = deck_uploads.get_deck(deck_id)
    if row is None:
        abort(404)
    publish = request.form.get("published") == "1"
    try:
        deck_uploads.set_published(actor, row, publish)
    except ValidationFailed as exc:
        db.rollback_request()
        flash(_sentences(exc), "error")
        return see_other("campaigns.studio_deck_report", deck_id=deck_id)
    db.session.commit()
    flash(f"Deck “{row.name}” {'published' if publish else 'unpublished'}.", "success")
    return see_other("campaigns.studio_admin")


def _library(problems=None, values=None, status=200):
    return render(
        "campaigns/studio/admin/library.html",
        status=status,
        copy=library.copy_rows(),
        words=library.word_rows(),
        kinds=list(CopyKind),
        problems=problems or {},
        values=values or {},
    )


@bp.route("/studio/manage/library", methods=["GET", "POST"])
@login_required
def studio_library():
    actor = _admin()
    if request.method == "GET":
        return _library()
    values = {k: request.form.get(k, "") for k in ("kind", "text", "word")}
    try:
        if request.form.get("add") == "word":
            library.add_word(actor, values["word"])
        else:
            library.save_copy(actor, values["kind"], values["text"])
    except ValidationFailed as exc:
        db.rollback_request()
        return _library(exc.problems, values, status=422)
    db.session.commit()
    flash("Brand library saved.", "success")
    return see_other("campaigns.studio_library")


@bp.post("/studio/manage/library/copy/<int:copy_id>")
@login_required
def studio_copy_change(copy_id: int):
    actor = _admin()
    row = db.session.get(ApprovedCopy, copy_id)
    if row is None:
        abort(404)
    try:
        if request.form.get("action") == "remove":
            library.remove_copy(actor, row)
        else:
            library.save_copy(
                actor, request.form.get("kind", ""), request.form.get("text", ""), row
            )
    except ValidationFailed as exc:
        db.rollback_request()
        flash(_sentences(exc), "error")
        return see_other("campaigns.studio_library")
    db.session.commit()
    flash(
        "Approved copy saved."
        if request.form.get("action") != "remove"
        else "Approved copy removed.",
        "success",
    )
    return see_other("campaigns.studio_library")


@bp.post("/studio/manage/library/words/<int:word_id>/remove")
@login_required
def studio_word_remove(word_id: int):
    actor = _admin()
    row = db.session.get(ForbiddenWord, word_id)
    if row is None:
        abort(404)
    library.remove_word(actor, row)
    db.session.commit()
    flash(f"“{row.word}” is no longer forbidden.", "success")
    return see_other("campaigns.studio_library")


@bp.get("/studio/manage/usage")
@login_required
def studio_usage():
    _admin()
    images = [(t, usage.uses(usage.IMAGE, t.key)) for t in authoring.all_templates()]
    decks = [(key, name, usage.uses(usage.DECK, key)) for key, name in service.DECKS.items()]
    decks += [(d.key, d.name, usage.uses(usage.DECK, d.key)) for d in deck_uploads.all_decks()]
    return render("campaigns/studio/admin/usage.html", images=images, decks=decks)
