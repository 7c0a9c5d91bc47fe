"""The studio's pages: the template list, the dealer's brand profile, and personalising
a template with a live preview (htmx), downloads and "Attach to a campaign". Each route
parses, calls the rules (`service`, `profiles`), and renders; the studio is for a
partner's marketers and admins (others 403), and a logo of another organisation is 404.
"""

from __future__ import annotations

import io

from flask import abort, flash, request, send_file, url_for
from flask_login import current_user, login_required

from campaigns.coop.blueprint import bp
from campaigns.studio import service, usage
from campaigns.studio.artwork import SIZE_LABELS
from campaigns.studio.models import UsageAction
from campaigns.studio.profiles import FIELDS, may_brand, profile_of, save_profile
from campaigns.studio.render import PROFILE_FIELDS, editable_slots, missing_fields
from hub import db
from hub.errors import ValidationFailed
from hub.models import Organization
from hub.web.pages import render, see_other, stored_path_or_404


def _studio_person():
    if not may_brand(current_user):
        abort(403)
    return current_user


def _template_or_404(template_id: int):
    template = service.get_template(template_id)
    if template is None:
        abort(404)
    return template


def _missing(template) -> list[str]:
    profile = profile_of(current_user.organization_id)
    have = {f: bool(getattr(profile, f, "")) for f in FIELDS}
    have["logo"] = profile is not None and profile.logo_file_id is not None
    return missing_fields(template.layout, _Have(have))


class _Have:
    """Which profile fields are filled, for render.missing_fields without opening the logo."""

    def __init__(self, have: dict):
        self.__dict__.update(have)


@bp.get("/studio")
@login_required
def studio_home():
    person = _studio_person()
    organization = db.session.get(Organization, person.organization_id)
    templates = service.templates()
    return render(
        "campaigns/studio/home.html",
        templates=templates,
        missing={t.id: _missing(t) for t in templates},
        profile=profile_of(organization.id),
        organization=organization,
        sizes=SIZE_LABELS,
        field_names=PROFILE_FIELDS,
        decks=service.decks(),
    )


@bp.route("/studio/profile", methods=["GET", "POST"])
@login_required
def studio_profile():
    person = _studio_person()
    organization = db.session.get(Organization, person.organization_id)
    profile = profile_of(organization.id)
    values = {f: getattr(profile, f, "") or "" for f in FIELDS}
    problems: dict = {}
    if request.method == "POST":
        values = {f: request.form.get(f, "") for f in FIELDS}
        upload = request.files.get("logo")
        logo = None
        if upload is not None and upload.filename:
            logo = (upload.read(), upload.filename, upload.mimetype)
        try:
            save_profile(person, organization, values, logo)
        except ValidationFailed as exc:
            problems = exc.problems
        else:
            db.session.commit()
            flash("Brand profile saved.", "success")
            return see_other("campaigns.studio_profile")
    return render(
        "campaigns/studio/profile.html",
        organization=organization,
        profile=profile,
        values=values,
        problems=problems,
        status=422 if problems else 200,
    )


@bp.get("/studio/logo/<int:organization_id>")
@login_required
def studio_logo(organization_id: int):
    if not may_brand(current_user) or current_user.organization_id != organization_id:
        abort(404)
    profile = profile_of(organization_id)
    if profile is None or profile.logo is None:
        abort(404)
    path = stored_path_or_404(profile.logo.path)
    return send_file(path, mimetype=profile.logo.content_type, max_age=0)


def _page_context(template, values, problems):
    copy = service.approved_copy()
    return {
        "tmpl": template,
        "slots": editable_slots(template.layout),
        "values": values,
        "problems": problems,
        "missing": _missing(template),
        "field_names": PROFILE_FIELDS,
        "copy": copy,
        "formats": service.FORMAT_LABELS,
        "proposals": service.attachable_proposals(current_user),
        "size_label": SIZE_LABELS[template.size],
        "disclaimer": template.layout["disclaimer"],
    }


def _preview(template, values):
    """The preview's state: the problems, or the render (its notes, code and URL)."""
    problems = {}
    output = None
    if not _missing(template):
        try:
            output = service.personalise(current_user, template, values, "preview")
        except ValidationFailed as exc:
            problems = exc.problems
    return problems, output


@bp.get("/studio/t/<int:template_id>")
@login_required
def studio_personalise(template_id: int):
    _studio_person()
    template = _template_or_404(template_id)
    values = service.slot_values(template, request.args)
    problems, output = _preview(template, values)
    context = _page_context(template, values, problems)
    return render(
        "campaigns/studio/personalise.html",
        "campaigns/studio/_preview.html",
        output=output,
        status=422 if problems and request.args else 200,
        **context,
    )


@bp.get("/studio/t/<int:template_id>/render.<fmt>")
@login_required
def studio_render(template_id: int, fmt: str):
    person = _studio_person()
    template = _template_or_404(template_id)
    if fmt not in (*service.FORMATS, "preview"):
        abort(404)
    values = service.slot_values(template, request.args)
    try:
        output = service.personalise(person, template, values, fmt)
    except ValidationFailed as exc:
        return " ".join(m for ms in exc.problems.values() for m in ms), 422
    if fmt != "preview":
        usage.record(person, usage.IMAGE, template.key, UsageAction.DOWNLOAD, fmt)
        db.session.commit()  # the use, and the asset's record
    return send_file(
        io.BytesIO(output.data),
        mimetype=output.content_type,
        as_attachment=fmt != "preview",
        download_name=output.filename(template),
        max_age=0,
    )


@bp.post("/studio/t/<int:template_id>/attach")
@login_required
def studio_attach(template_id: int):
    person = _studio_person()
    template = _template_or_404(template_id)
    values = service.slot_values(template, request.form)
    fmt = request.form.get("fmt", "png")
    try:
        asset = service.attach(person, template, values, fmt, request.form.get("proposal_id"))
    except ValidationFailed as exc:
        problems, output = _preview(template, values)
        problems = {**problems, **exc.problems}
        return render(
            "campaigns/studio/personalise.html",
            output=output,
            status=422,
            **_page_context(template, values, problems),
        )
    db.session.commit()
    flash(f"“{template.name}” is attached to the campaign as an asset.", "success")
    return see_other("campaigns.proposal_page", proposal_id=asset.proposal_id)


def render_url(template, values: dict, fmt: str) -> str:
    return url_for("campaigns.studio_render", template_id=template.id, fmt=fmt, **values)


bp.add_app_template_global(render_url, "studio_render_url")


@bp.get("/studio/decks/<key>")
@login_required
def studio_deck(key: str):
    person = _studio_person()
    decks = service.decks()
    if key not in decks:
        abort(404)
    offer = request.args.get("offer", "")
    problems = {}
    made, slides = None, 0
    if "offer" in request.args:
        try:
            made = service.personalise_deck(person, key, offer, keep=False)
            slides = service.deck_slides(person, key, offer)
        except ValidationFailed as exc:
            problems = exc.problems
    return render(
        "campaigns/studio/deck.html",
        key=key,
        name=decks[key],
        offer=offer,
        problems=problems,
        made=made,
        slides=slides,
        copy=service.approved_copy(),
        field_names=PROFILE_FIELDS,
        status=422 if problems else 200,
    )


@bp.get("/studio/decks/<key>/slide-<int:number>.png")
@login_required
def studio_deck_slide(key: str, number: int):
    person = _studio_person()
    if key not in service.decks():
        abort(404)
    try:
        data = service.deck_slide(person, key, request.args.get("offer", ""), number)
    except ValidationFailed as exc:
        return " ".join(str(m) for ms in exc.problems.values() for m in ms), 422
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype="image/png", max_age=0)


@bp.get("/studio/decks/<key>.pptx")
@login_required
def studio_deck_file(key: str):
    person = _studio_person()
    if key not in service.decks():
        abort(404)
    try:
        made = service.personalise_deck(person, key, request.args.get("offer", ""))
    except ValidationFailed as exc:
        return " ".join(str(m) for ms in exc.problems.values() for m in ms), 422
    usage.record(person, usage.DECK, key, UsageAction.DOWNLOAD, "pptx")
    db.session.commit()  # the use, and the asset's record
    return send_file(
        io.BytesIO(made.data),
        mimetype=service.PPTX,
        as_attachment=True,
        download_name=f"{key}-{made.code}.pptx",
        max_age=0,
    )


@bp.get("/studio/assets/<code>")
@login_required
def studio_asset(code: str):
    """A verification code looked up: OEM staff and the owning organisation; else 404."""
    asset = service.lookup_asset(current_user, code)
    if asset is None:
        abort(404)
    return render("campaigns/studio/asset.html", asset=asset)
