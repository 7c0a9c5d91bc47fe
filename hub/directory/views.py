"""The directory pages: organisations (list, page, form, logo), inviting and managing
staff, people and product lines. Routes on the shared `hub` blueprint."""

from __future__ import annotations

from flask import Flask, abort, flash, request, send_file
from flask_login import current_user

from hub import policy
from hub.accounts import passwords
from hub.accounts import service as accounts
from hub.directory import queries, tiers
from hub.directory import service as directory
from hub.directory.forms import (
    InviteForm,
    LogoForm,
    RoleForm,
    contact_form,
    organization_form,
)
from hub.errors import ValidationFailed
from hub.models import OrgKind, Role
from hub.registry import NavItem, registry
from hub.standing import service as standing
from hub.web.blueprint import bp
from hub.web.forms import EmptyForm, apply_problems, flash_problems, submit_status
from hub.web.pages import (
    external_url,
    int_arg,
    paginate_rows,
    render,
    see_other,
    stored_path_or_404,
)

# --- Organisations -------------------------------------------------------------------


@bp.route("/organizations")
def organization_list():
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    tier = request.args.get("tier", "")
    page = paginate_rows(
        queries.organization_search(current_user, q=q, kind=kind, tier=tier),
        int_arg("page"),
        25,
        queries.ListedOrganization.of,
    )
    return render(
        "hub/directory/organizations.html",
        "hub/directory/_organization_results.html",
        page=page,
        staff_counts=queries.active_staff_counts([o.id for o in page.items]),
        q=q,
        kind=kind,
        tier=tier,
        kinds=list(OrgKind),
        tiers=tiers.choices(),
    )


@bp.route("/organizations/<int:org_id>")
def organization_detail(org_id: int):
    org = policy.get_organization_or_404(current_user, org_id)
    return render(
        "hub/directory/organization.html",
        org=org,
        tracks=org.tracks,  # loaded here, not lazily from inside the template
        staff=queries.staff(current_user, org),
        children=queries.children(current_user, org),
        coverage=queries.channel_managers(org.id),
        ancestors=queries.ancestors(current_user, org),
        form=EmptyForm(),
        can_manage=policy.can_manage_staff(current_user, org),
        can_edit=policy.can_edit_organization(current_user, org),
        tier_standing=standing.current_tier_standing(org)
        if standing.can_view(current_user)
        else None,
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
def organization_new():
    if not policy.can_restructure_organization(current_user):
        abort(403)
    form = organization_form(None)
    if form.validate_on_submit():
        try:
            org = directory.create_organization(current_user, form.values())
            flash(f"{org.name} is in the channel now.", "success")
            return see_other("hub.organization_detail", org_id=org.id)
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render(
        "hub/directory/organization_form.html", form=form, org=None, status=submit_status(form)
    )


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
def organization_edit(org_id: int):
    org = policy.get_organization_or_404(current_user, org_id, may=policy.can_edit_organization)
    full = policy.can_restructure_organization(current_user)
    form = organization_form(org) if full else contact_form(org)
    if form.validate_on_submit():
        try:
            directory.edit_organization(current_user, org, form.values())
            flash("Saved.", "success")
            return see_other("hub.organization_detail", org_id=org.id)
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render(
        "hub/directory/organization_form.html",
        form=form,
        org=org,
        full=full,
        status=submit_status(form),
        logo_form=LogoForm(),
    )


@bp.route("/organizations/<int:org_id>/logo")
def organization_logo(org_id: int):
    """The organisation's logo (re-encoded PNG), for viewers who may see the organisation."""
    org = policy.get_organization_or_404(current_user, org_id)
    path = stored_path_or_404(org.logo_path)
    response = send_file(path, mimetype="image/png", max_age=3600, conditional=True)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/organizations/<int:org_id>/logo", methods=["POST"])
def organization_logo_upload(org_id: int):
    org = policy.get_organization_or_404(current_user, org_id, may=policy.can_edit_organization)
    form = LogoForm()
    if form.validate_on_submit():
        with flash_problems():
            directory.set_logo(current_user, org, form.logo.data.read() if form.logo.data else b"")
            flash("Logo updated.", "success")
    else:
        flash("Choose an image file to upload.", "error")
    return see_other("hub.organization_edit", org_id=org.id)


# --- Staff ---------------------------------------------------------------------------


@bp.route("/organizations/<int:org_id>/invite", methods=["GET", "POST"])
def staff_invite(org_id: int):
    org = policy.get_organization_or_404(current_user, org_id, may=policy.can_manage_staff)
    form = InviteForm().offer_roles(current_user, org)
    if form.validate_on_submit():
        try:
            person = passwords.invite(
                current_user,
                org,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                link_for=lambda token: external_url("auth.accept_invitation", token=token),
            )
            flash(f"Invitation sent to {person.email}.", "success")
            return see_other("hub.organization_detail", org_id=org.id)
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render("hub/directory/invite.html", form=form, org=org, status=submit_status(form))


@bp.route("/people/<int:person_id>")
def person_detail(person_id: int):
    person = policy.get_person_or_404(current_user, person_id)
    public = policy.sees_public_profile_only(current_user, person)
    can_manage = (
        not public
        and policy.can_manage_staff(current_user, person.organization)
        and person.id != current_user.id
    )
    return render(
        "hub/directory/person.html",
        person=person,
        public=public,
        can_manage=can_manage,
        role_form=RoleForm(role=person.role.value).offer_roles(current_user, person.organization),
        form=EmptyForm(),
        product_lines=queries.product_lines_managed_by(person.id),
        territory=queries.territory_seen_by(current_user, person)
        if person.role == Role.CHANNEL_MANAGER
        else [],
        sections=registry().person_panels(current_user, person),
    )


@bp.route("/people/<int:person_id>/role", methods=["POST"])
def person_role(person_id: int):
    person = policy.get_person_or_404(current_user, person_id, may=policy.can_manage_staff)
    form = RoleForm().offer_roles(current_user, person.organization)
    if form.validate_on_submit():
        with flash_problems():
            accounts.change_role(current_user, person, form.role.data)
            flash(f"{person.name} is now {person.role.label.lower()}.", "success")
    else:
        flash("Choose one of the roles offered.", "error")
    return see_other("hub.person_detail", person_id=person.id)


@bp.route("/people/<int:person_id>/deactivate", methods=["POST"])
def person_deactivate(person_id: int):
    person = policy.get_person_or_404(current_user, person_id, may=policy.can_manage_staff)
    if EmptyForm().validate_on_submit():
        with flash_problems():
            accounts.deactivate(current_user, person)
            flash(f"{person.name} is deactivated and signed out everywhere.", "success")
    return see_other("hub.person_detail", person_id=person.id)


@bp.route("/people/<int:person_id>/reactivate", methods=["POST"])
def person_reactivate(person_id: int):
    person = policy.get_person_or_404(current_user, person_id, may=policy.can_manage_staff)
    if EmptyForm().validate_on_submit():
        accounts.reactivate(current_user, person)
        flash(f"{person.name} can sign in again.", "success")
    return see_other("hub.person_detail", person_id=person.id)


# --- Product lines ------------------------------------------------------------------------


@bp.route("/product-lines")
def product_lines():
    return render("hub/directory/product_lines.html", lines=queries.product_lines())


def init_app(app: Flask) -> None:
    registry(app).program_rules.append(tiers.rule_summaries)
    registry(app).nav.extend(
        [
            NavItem("Organisations", "hub.organization_list", order=80, more=True),
            NavItem("Product lines", "hub.product_lines", order=85, more=True),
        ]
    )
