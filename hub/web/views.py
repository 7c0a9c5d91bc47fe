"""The core pages: dashboard, directory, people, notifications, settings, admin, audit."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, flash, redirect, request, send_file, session
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from hub import db, notifications, policy, uploads
from hub.accounts import service as accounts
from hub.directory import service as directory
from hub.directory import tiers
from hub.errors import ValidationFailed
from hub.models import (
    ApiToken,
    AuditEvent,
    LoginSession,
    Organization,
    OrgKind,
    OutboxMail,
    Person,
    ProductLine,
    ProductLineManager,
    Role,
    TerritoryAssignment,
    Tier,
    Track,
)
from hub.registry import NavItem, Panel, registry
from hub.security import token_hash
from hub.web.forms import (
    ChangePasswordForm,
    CodeForm,
    ContactForm,
    EmptyForm,
    InviteForm,
    LogoForm,
    MfaRolesForm,
    OrganizationForm,
    ProfileForm,
    RoleForm,
    TierForm,
    TokenForm,
    apply_problems,
)
from hub.web.pages import external_url, int_arg, paginate, render, see_other

bp = Blueprint("hub", __name__)


@bp.before_request
def _require_login():
    if request.endpoint == "hub.healthz":
        return None
    if not current_user.is_authenticated:
        from hub.extensions import login_manager

        return login_manager.unauthorized()
    return None


@bp.route("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.rollback_request()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


# --- Dashboard ---------------------------------------------------------------------


@bp.route("/")
def dashboard():
    person = current_user
    panels: list[Panel] = []
    for provider in registry().panels:
        panels.extend(provider(person))
    panels.sort(key=lambda p: p.order)
    ctx = {
        "panels": panels,
        "recent_notifications": notifications.recent(person.id, limit=5),
        "org": person.organization,
    }
    if not person.is_oem:
        ctx["channel_managers"] = list(
            db.session.scalars(
                sa.select(Person)
                .join(TerritoryAssignment, TerritoryAssignment.channel_manager_id == Person.id)
                .where(
                    TerritoryAssignment.organization_id == person.organization_id,
                    Person.active.is_(True),
                )
                .order_by(Person.name)
            )
        )
        ctx["team_size"] = db.session.scalar(
            sa.select(sa.func.count()).where(
                Person.organization_id == person.organization_id, Person.active.is_(True)
            )
        )
    if person.role == Role.PARTNER_ADMIN:
        ctx["staff"] = _staff_summary(person.organization)
    if person.organization.kind != OrgKind.DEALER:
        ctx["downstream"] = _downstream_counts(person)
    if person.role == Role.CHANNEL_MANAGER:
        ctx["territory"] = list(
            db.session.scalars(
                sa.select(Organization)
                .join(TerritoryAssignment, TerritoryAssignment.organization_id == Organization.id)
                .where(TerritoryAssignment.channel_manager_id == person.id)
                .order_by(Organization.name)
                .limit(8)
            )
        )
        ctx["territory_count"] = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TerritoryAssignment)
            .where(TerritoryAssignment.channel_manager_id == person.id)
        )
    if person.role == Role.PRODUCT_MANAGER:
        ctx["product_lines"] = list(
            db.session.scalars(
                sa.select(ProductLine)
                .join(ProductLineManager)
                .where(ProductLineManager.person_id == person.id)
                .order_by(ProductLine.name)
            )
        )
    if person.role == Role.PROGRAM_ADMIN:
        ctx["tier_chart"] = _tier_chart()
        ctx["recent_activity"] = list(
            db.session.scalars(policy.audit_events(person).order_by(AuditEvent.id.desc()).limit(6))
        )
    return render("hub/dashboard.html", **ctx)


def _staff_summary(org: Organization) -> dict:
    rows = db.session.execute(
        sa.select(Person.active, Person.password_hash.is_(None), sa.func.count())
        .where(Person.organization_id == org.id)
        .group_by(Person.active, Person.password_hash.is_(None))
    ).all()
    summary = {"active": 0, "invited": 0, "inactive": 0}
    for active, no_password, count in rows:
        key = "inactive" if not active else ("invited" if no_password else "active")
        summary[key] += count
    return summary


def _downstream_counts(person: Person) -> dict[str, int]:
    rows = db.session.execute(
        policy.visible_organizations(person)
        .with_only_columns(Organization.kind, sa.func.count())
        .where(Organization.id != person.organization_id)
        .group_by(Organization.kind)
    ).all()
    return {OrgKind(kind).label: count for kind, count in rows}


def _tier_chart() -> list[dict]:
    rows = db.session.execute(
        sa.select(Tier.name, sa.func.count(Organization.id))
        .select_from(Tier)
        .outerjoin(Organization, Organization.tier_id == Tier.id)
        .group_by(Tier.id, Tier.name, Tier.rank)
        .order_by(Tier.rank)
    ).all()
    top = max([count for _, count in rows] or [0]) or 1
    return [{"label": name, "count": count, "share": count / top} for name, count in rows]


# --- Notifications ---------------------------------------------------------------------


@bp.route("/notifications")
def notification_list():
    items = notifications.recent(current_user.id, limit=50)
    return render(
        "hub/notifications.html", "hub/_notification_list.html", items=items, form=EmptyForm()
    )


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
def notification_read(notification_id: int):
    notifications.mark_read(current_user.id, notification_id)
    target = request.form.get("next")
    if target and target.startswith("/") and not target.startswith("//"):
        return redirect(target, code=303)
    return see_other("hub.notification_list")


@bp.route("/notifications/read-all", methods=["POST"])
def notification_read_all():
    count = notifications.mark_read(current_user.id)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} read.", "success")
    return see_other("hub.notification_list")


# --- Directory -----------------------------------------------------------------------


@bp.route("/organizations")
def organization_list():
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    tier = request.args.get("tier", "")
    stmt = policy.visible_organizations(current_user)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Organization.name).like(like),
                sa.func.lower(Organization.region).like(like),
            )
        )
    if kind in {k.value for k in OrgKind}:
        stmt = stmt.where(Organization.kind == OrgKind(kind))
    if tier.isdigit():
        stmt = stmt.where(Organization.tier_id == int(tier))
    stmt = stmt.options(joinedload(Organization.parent)).order_by(
        Organization.name, Organization.id
    )
    page = paginate(stmt, int_arg("page"), 25)
    staff_counts = _staff_counts([o.id for o in page.items])
    return render(
        "hub/organizations.html",
        "hub/_organization_results.html",
        page=page,
        staff_counts=staff_counts,
        q=q,
        kind=kind,
        tier=tier,
        kinds=list(OrgKind),
        tiers=db.session.scalars(sa.select(Tier).order_by(Tier.rank)).all(),
    )


def _staff_counts(org_ids: list[int]) -> dict[int, int]:
    if not org_ids:
        return {}
    rows = db.session.execute(
        sa.select(Person.organization_id, sa.func.count())
        .where(Person.organization_id.in_(org_ids), Person.active.is_(True))
        .group_by(Person.organization_id)
    ).all()
    return dict(rows)


@bp.route("/organizations/<int:org_id>")
def organization_detail(org_id: int):
    org = policy.get_organization_or_404(current_user, org_id)
    staff = db.session.scalars(
        policy.visible_people(current_user)
        .where(Person.organization_id == org.id)
        .order_by(Person.active.desc(), Person.name)
    ).all()
    children = db.session.scalars(
        policy.visible_organizations(current_user)
        .where(Organization.parent_id == org.id)
        .order_by(Organization.name)
    ).all()
    coverage = db.session.scalars(
        sa.select(Person)
        .join(TerritoryAssignment, TerritoryAssignment.channel_manager_id == Person.id)
        .where(TerritoryAssignment.organization_id == org.id)
    ).all()
    ancestors = _ancestors(org)
    return render(
        "hub/organization.html",
        org=org,
        staff=staff,
        children=children,
        coverage=coverage,
        ancestors=ancestors,
        form=EmptyForm(),
        can_manage=policy.can_manage_staff(current_user, org),
        can_edit=policy.can_edit_organization(current_user, org),
    )


def _ancestors(org: Organization) -> list[Organization]:
    """The organisations above org that the viewer may see, root first (one query)."""
    ids = [int(part) for part in org.path.strip("/").split("/") if part][:-1]
    if not ids:
        return []
    found = {
        o.id: o
        for o in db.session.scalars(
            policy.visible_organizations(current_user).where(Organization.id.in_(ids))
        )
    }
    return [found[i] for i in ids if i in found]


def _organization_form(org: Organization | None) -> OrganizationForm:
    form = OrganizationForm(obj=org) if request.method == "GET" and org else OrganizationForm()
    kinds = (
        [k for k in OrgKind if k != OrgKind.OEM]
        if org is None or org.kind != OrgKind.OEM
        else [OrgKind.OEM]
    )
    form.kind.choices = [(k.value, k.label) for k in kinds]
    parents = db.session.execute(
        sa.select(Organization.id, Organization.name, Organization.kind)
        .where(Organization.kind != OrgKind.DEALER)
        .order_by(Organization.path)
    ).all()
    form.parent_id.choices = (
        [("", "— none (the OEM itself) —")] if org and org.kind == OrgKind.OEM else []
    )
    form.parent_id.choices += [
        (str(pid), f"{name} ({OrgKind(k).label.lower()})")
        for pid, name, k in parents
        if not org or pid != org.id
    ]
    form.tier.choices = [("", "— no tier —")] + [
        (t.name, t.name) for t in db.session.scalars(sa.select(Tier).order_by(Tier.rank))
    ]
    form.tracks.choices = [(t.value, t.label) for t in Track]
    if request.method == "GET" and org:
        form.kind.data = org.kind.value
        form.parent_id.data = str(org.parent_id or "")
        form.tier.data = org.tier.name if org.tier else ""
        form.tracks.data = [t.value for t in org.tracks]
    return form


def _organization_data(form: OrganizationForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "parent_id": int(form.parent_id.data) if form.parent_id.data else None,
        "tier": form.tier.data or None,
        "tracks": form.tracks.data or [],
        "region": form.region.data or "",
        "domain": form.domain.data or "",
        "contact_email": form.contact_email.data or "",
        "phone": form.phone.data or "",
        "website": form.website.data or "",
        "address": form.address.data or "",
    }


@bp.route("/organizations/new", methods=["GET", "POST"])
def organization_new():
    if not policy.can_restructure_organization(current_user):
        abort(403)
    form = _organization_form(None)
    status = 200
    if form.validate_on_submit():
        try:
            org = directory.create_organization(current_user, _organization_data(form))
            flash(f"{org.name} is in the channel now.", "success")
            return see_other("hub.organization_detail", org_id=org.id)
        except ValidationFailed as exc:
            apply_problems(form, exc)
    if form.is_submitted():
        status = 422
    return render("hub/organization_form.html", form=form, org=None, status=status)


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
def organization_edit(org_id: int):
    org = policy.get_organization_or_404(current_user, org_id)
    if not policy.can_edit_organization(current_user, org):
        abort(403)
    full = policy.can_restructure_organization(current_user)
    form = (
        _organization_form(org)
        if full
        else (ContactForm(obj=org) if request.method == "GET" else ContactForm())
    )
    status = 200
    if form.validate_on_submit():
        try:
            if full:
                directory.update_organization(current_user, org, _organization_data(form))
            else:
                directory.update_contact_details(
                    current_user,
                    org,
                    {
                        "contact_email": form.contact_email.data or "",
                        "phone": form.phone.data or "",
                        "website": form.website.data or "",
                        "address": form.address.data or "",
                    },
                )
            flash("Saved.", "success")
            return see_other("hub.organization_detail", org_id=org.id)
        except ValidationFailed as exc:
            apply_problems(form, exc)
    if form.is_submitted():
        status = 422
    return render(
        "hub/organization_form.html",
        form=form,
        org=org,
        full=full,
        status=status,
        logo_form=LogoForm(),
    )


@bp.route("/organizations/<int:org_id>/logo")
def organization_logo(org_id: int):
    """The organisation's logo (re-encoded PNG), for viewers who may see the organisation."""
    org = policy.get_organization_or_404(current_user, org_id)
    if not org.logo_path:
        abort(404)
    try:
        path = uploads.open_stored(org.logo_path)
    except FileNotFoundError:
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=3600, conditional=True)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/organizations/<int:org_id>/logo", methods=["POST"])
def organization_logo_upload(org_id: int):
    org = policy.get_organization_or_404(current_user, org_id)
    if not policy.can_edit_organization(current_user, org):
        abort(403)
    form = LogoForm()
    if form.validate_on_submit():
        try:
            directory.set_logo(current_user, org, form.logo.data.read() if form.logo.data else b"")
            flash("Logo updated.", "success")
        except ValidationFailed as exc:
            flash(str(exc), "error")
    else:
        flash("Choose an image file to upload.", "error")
    return see_other("hub.organization_edit", org_id=org.id)


# --- Staff ---------------------------------------------------------------------------


def _manageable_org(org_id: int) -> Organization:
    org = policy.get_organization_or_404(current_user, org_id)
    if not policy.can_manage_staff(current_user, org):
        abort(403)
    return org


def _invite_link(token: str) -> str:
    return external_url("auth.accept_invitation", token=token)


@bp.route("/organizations/<int:org_id>/invite", methods=["GET", "POST"])
def staff_invite(org_id: int):
    org = _manageable_org(org_id)
    form = InviteForm()
    form.role.choices = [(r.value, r.label) for r in policy.assignable_roles(current_user, org)]
    status = 200
    if form.validate_on_submit():
        try:
            person = accounts.invite(
                current_user,
                org,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                link_for=_invite_link,
            )
            flash(f"Invitation sent to {person.email}.", "success")
            return see_other("hub.organization_detail", org_id=org.id)
        except ValidationFailed as exc:
            apply_problems(form, exc)
    if form.is_submitted():
        status = 422
    return render("hub/invite.html", form=form, org=org, status=status)


@bp.route("/people/<int:person_id>")
def person_detail(person_id: int):
    person = policy.get_person_or_404(current_user, person_id)
    can_manage = (
        policy.can_manage_staff(current_user, person.organization) and person.id != current_user.id
    )
    role_form = RoleForm(role=person.role.value)
    role_form.role.choices = [
        (r.value, r.label) for r in policy.assignable_roles(current_user, person.organization)
    ]
    product_lines = db.session.scalars(
        sa.select(ProductLine)
        .join(ProductLineManager)
        .where(ProductLineManager.person_id == person.id)
    ).all()
    return render(
        "hub/person.html",
        person=person,
        can_manage=can_manage,
        role_form=role_form,
        form=EmptyForm(),
        product_lines=product_lines,
    )


def _managed_person(person_id: int) -> Person:
    """A person the viewer may see (else 404) and manage (else 403)."""
    person = policy.get_person_or_404(current_user, person_id)
    if not policy.can_manage_staff(current_user, person.organization):
        abort(403)
    return person


@bp.route("/people/<int:person_id>/role", methods=["POST"])
def person_role(person_id: int):
    person = _managed_person(person_id)
    form = RoleForm()
    form.role.choices = [
        (r.value, r.label) for r in policy.assignable_roles(current_user, person.organization)
    ]
    if form.validate_on_submit():
        try:
            accounts.change_role(current_user, person, form.role.data)
            flash(f"{person.name} is now {person.role.label.lower()}.", "success")
        except ValidationFailed as exc:
            flash(str(exc), "error")
    else:
        flash("Choose one of the roles offered.", "error")
    return see_other("hub.person_detail", person_id=person.id)


@bp.route("/people/<int:person_id>/deactivate", methods=["POST"])
def person_deactivate(person_id: int):
    person = _managed_person(person_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.deactivate(current_user, person)
            flash(f"{person.name} is deactivated and signed out everywhere.", "success")
        except ValidationFailed as exc:
            flash(str(exc), "error")
    return see_other("hub.person_detail", person_id=person.id)


@bp.route("/people/<int:person_id>/reactivate", methods=["POST"])
def person_reactivate(person_id: int):
    person = _managed_person(person_id)
    if EmptyForm().validate_on_submit():
        accounts.reactivate(current_user, person)
        flash(f"{person.name} can sign in again.", "success")
    return see_other("hub.person_detail", person_id=person.id)


# --- Product lines ------------------------------------------------------------------------


@bp.route("/product-lines")
def product_lines():
    lines = db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name)).all()
    return render("hub/product_lines.html", lines=lines)


# --- Settings --------------------------------------------------------------------------------


def _settings_context(**forms) -> dict:
    me = current_user
    ctx = {
        "profile_form": ProfileForm(obj=me)
        if request.method == "GET"
        else ProfileForm(formdata=None, obj=me),
        "password_form": ChangePasswordForm(formdata=None),
        "token_form": TokenForm(formdata=None),
        "form": EmptyForm(),
        "tokens": db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.person_id == me.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        ).all(),
        "sessions": accounts.live_sessions(me),
        "mfa_required": accounts.mfa_required(me),
        "new_token": session.pop("new_token", None),
        "current_login_hash": token_hash(me.login_token or ""),
    }
    ctx.update(forms)
    return ctx


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = ProfileForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                accounts.update_profile(
                    current_user,
                    name=form.name.data,
                    title=form.title.data or "",
                    phone=form.phone.data or "",
                    timezone=form.timezone.data,
                )
                flash("Profile saved.", "success")
                return see_other("hub.settings")
            except ValidationFailed as exc:
                apply_problems(form, exc)
        return render("hub/settings.html", status=422, **_settings_context(profile_form=form))
    return render("hub/settings.html", **_settings_context())


@bp.route("/settings/password", methods=["POST"])
def settings_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
            flash("Password changed.", "success")
            return see_other("hub.settings")
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render("hub/settings.html", status=422, **_settings_context(password_form=form))


@bp.route("/settings/tokens", methods=["POST"])
def settings_token_create():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            issued = accounts.create_api_token(current_user, form.name.data)
            session["new_token"] = {"name": issued.token.name, "secret": issued.secret}
            return see_other("hub.settings", _anchor="api-tokens")
        except ValidationFailed as exc:
            apply_problems(form, exc)
    return render("hub/settings.html", status=422, **_settings_context(token_form=form))


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
def settings_token_revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.person_id != current_user.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        accounts.revoke_api_token(current_user, token)
        flash(f"Token “{token.name}” revoked; it no longer works.", "success")
    return see_other("hub.settings", _anchor="api-tokens")


@bp.route("/settings/sessions/<int:session_id>/end", methods=["POST"])
def settings_session_end(session_id: int):
    row = db.session.get(LoginSession, session_id)
    if row is None or row.person_id != current_user.id:
        abort(404)
    if EmptyForm().validate_on_submit() and row.ended_at is None:
        accounts.end_other_session(current_user, row)
        flash("That session is signed out.", "success")
    return see_other("hub.settings", _anchor="sessions")


@bp.route("/settings/two-factor", methods=["GET", "POST"])
def totp_setup():
    if current_user.totp_enabled:
        return see_other("hub.settings", _anchor="two-factor")
    secret = session.get("totp_secret") or accounts.new_totp_secret()
    session["totp_secret"] = secret
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.enable_totp(current_user, secret, form.code.data)
            session.pop("totp_secret", None)
            session.pop("mfa_setup_needed", None)
            flash(
                "Two-factor sign-in is on. You'll be asked for a code at each sign-in.", "success"
            )
            return see_other("hub.settings", _anchor="two-factor")
        except ValidationFailed as exc:
            apply_problems(form, exc)
    if form.is_submitted():
        status = 422
    from hub.qr import qr_svg

    uri = accounts.totp_uri(current_user, secret)
    return render(
        "hub/totp_setup.html",
        form=form,
        secret=secret,
        qr=qr_svg(uri),
        status=status,
        required=accounts.mfa_required(current_user),
    )


@bp.route("/settings/two-factor/disable", methods=["POST"])
def totp_disable():
    form = CodeForm()
    if form.validate_on_submit():
        try:
            accounts.disable_totp(current_user, form.code.data)
            flash("Two-factor sign-in is off.", "success")
        except ValidationFailed as exc:
            flash(str(exc), "error")
    else:
        flash("Enter the current code from your app to turn two-factor sign-in off.", "error")
    return see_other("hub.settings", _anchor="two-factor")


# --- Program administration -----------------------------------------------------------------


def _require_program_admin() -> None:
    if not policy.can_configure_program(current_user):
        abort(403)


@bp.route("/admin/program", methods=["GET", "POST"])
def program_admin():
    _require_program_admin()
    settings_row = accounts.program_settings()
    mfa_form = MfaRolesForm(mfa_required_roles=settings_row.mfa_required_roles or [])
    mfa_form.mfa_required_roles.choices = [(r.value, r.label) for r in Role]
    status = 200
    if request.method == "POST":
        mfa_form = MfaRolesForm()
        mfa_form.mfa_required_roles.choices = [(r.value, r.label) for r in Role]
        if mfa_form.validate_on_submit():
            try:
                accounts.set_mfa_required_roles(
                    current_user, mfa_form.mfa_required_roles.data or []
                )
                flash("Two-factor rules saved.", "success")
                return see_other("hub.program_admin")
            except ValidationFailed as exc:
                apply_problems(mfa_form, exc)
        status = 422
    tier_rows = db.session.execute(
        sa.select(Tier, sa.func.count(Organization.id))
        .outerjoin(Organization, Organization.tier_id == Tier.id)
        .group_by(Tier.id)
        .order_by(Tier.rank)
    ).all()
    return render(
        "hub/program_admin.html",
        mfa_form=mfa_form,
        tiers=tier_rows,
        tier_form=TierForm(formdata=None),
        form=EmptyForm(),
        status=status,
    )


@bp.route("/admin/tiers", methods=["POST"])
def tier_create():
    _require_program_admin()
    form = TierForm()
    if form.validate_on_submit():
        try:
            tiers.create_tier(current_user, form.name.data, form.description.data or "")
            flash(f"Tier “{form.name.data.strip()}” added.", "success")
        except ValidationFailed as exc:
            flash(str(exc), "error")
    else:
        flash("Enter a name for the tier.", "error")
    return see_other("hub.program_admin", _anchor="tiers")


@bp.route("/admin/tiers/<int:tier_id>", methods=["POST"])
def tier_update(tier_id: int):
    _require_program_admin()
    tier = db.session.get(Tier, tier_id) or abort(404)
    action = request.form.get("action", "save")
    if EmptyForm().validate_on_submit():
        try:
            if action == "delete":
                tiers.delete_tier(current_user, tier)
                flash(f"Tier “{tier.name}” removed.", "success")
            elif action in ("up", "down"):
                tiers.move_tier(current_user, tier, 1 if action == "up" else -1)
            else:
                tiers.update_tier(
                    current_user,
                    tier,
                    request.form.get("name", ""),
                    request.form.get("description", ""),
                )
                flash("Tier saved.", "success")
        except ValidationFailed as exc:
            flash(str(exc), "error")
    return see_other("hub.program_admin", _anchor="tiers")


@bp.route("/admin/outbox")
def outbox():
    _require_program_admin()
    page = paginate(sa.select(OutboxMail).order_by(OutboxMail.id.desc()), int_arg("page"), 20)
    selected = None
    if request.args.get("mail", "").isdigit():
        selected = db.session.get(OutboxMail, int(request.args["mail"]))
    return render("hub/outbox.html", page=page, selected=selected)


# --- Audit -------------------------------------------------------------------------------------


@bp.route("/audit")
def audit_log():
    if not policy.can_view_audit(current_user):
        abort(403)
    stmt = policy.audit_events(current_user).options(selectinload(AuditEvent.actor))
    action = request.args.get("action", "").strip()
    actor = request.args.get("actor", "").strip().lower()
    org_id = request.args.get("organization", "")
    start, end = request.args.get("from", ""), request.args.get("to", "")
    problems = []
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.join(Person, Person.id == AuditEvent.actor_id).where(
            sa.func.lower(Person.email).contains(actor, autoescape=True)
        )
    if org_id and policy.is_program_admin(current_user):
        if org_id.isdigit():
            stmt = stmt.where(AuditEvent.organization_id == int(org_id))
        else:
            stmt = stmt.where(
                AuditEvent.organization_id.in_(
                    sa.select(Organization.id).where(
                        sa.func.lower(Organization.name).contains(org_id.lower(), autoescape=True)
                    )
                )
            )
    for label, value, op in (("From", start, "ge"), ("To", end, "lt")):
        if not value:
            continue
        try:
            day = datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            problems.append(f"{label} date must look like 2026-03-31.")
            continue
        stmt = stmt.where(
            AuditEvent.at >= day if op == "ge" else AuditEvent.at < day + timedelta(days=1)
        )
    page = paginate(stmt.order_by(AuditEvent.id.desc()), int_arg("page"), 50)
    actions = db.session.scalars(
        policy.audit_events(current_user)
        .with_only_columns(AuditEvent.action)
        .distinct()
        .order_by(AuditEvent.action)
    ).all()
    return render(
        "hub/audit.html",
        "hub/_audit_results.html",
        page=page,
        problems=problems,
        actions=actions,
        filters={
            "action": action,
            "actor": actor,
            "organization": org_id,
            "from": start,
            "to": end,
        },
    )


# --- Wiring ---------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    reg = registry(app)
    reg.nav.extend(
        [
            NavItem("Dashboard", "hub.dashboard", order=0),
            NavItem("Organisations", "hub.organization_list", order=80),
            NavItem("Product lines", "hub.product_lines", order=85),
            NavItem(
                "Audit log",
                "hub.audit_log",
                frozenset({"program_admin", "partner_admin"}),
                order=90,
            ),
            NavItem("Program", "hub.program_admin", frozenset({"program_admin"}), order=95),
        ]
    )
    _ = login_required  # pages of this blueprint are guarded by _require_login above
