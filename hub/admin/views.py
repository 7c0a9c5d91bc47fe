"""The program admin's pages (program settings, tiers, the development outbox) and the
audit log. Routes on the shared `hub` blueprint."""

from __future__ import annotations

from flask import Flask, abort, flash, request
from flask_login import current_user

from hub import policy
from hub.accounts import service as accounts
from hub.admin import service as admin
from hub.admin.forms import MfaRolesForm, TierForm
from hub.directory import tiers
from hub.errors import ValidationFailed
from hub.registry import NavItem, registry
from hub.standing import service as standing
from hub.web.blueprint import bp
from hub.web.forms import EmptyForm, apply_problems, flash_problems, submit_status
from hub.web.pages import int_arg, paginate, render, see_other


def require_program_admin() -> None:
    if not policy.can_configure_program(current_user):
        abort(403)


@bp.route("/admin/program", methods=["GET", "POST"])
def program_admin():
    require_program_admin()
    if request.method == "POST":
        mfa_form = MfaRolesForm()
        if mfa_form.validate_on_submit():
            try:
                accounts.set_mfa_required_roles(
                    current_user, mfa_form.mfa_required_roles.data or []
                )
                flash("Two-factor rules saved.", "success")
                return see_other("hub.program_admin")
            except ValidationFailed as exc:
                apply_problems(mfa_form, exc)
    else:
        mfa_form = MfaRolesForm(
            mfa_required_roles=accounts.program_facts().mfa_required_roles or []
        )
    return render(
        "hub/admin/program_admin.html",
        mfa_form=mfa_form,
        tiers=tiers.holder_counts(),
        tier_form=TierForm(formdata=None),
        requirements=standing.requirements_by_tier(),
        measures=standing.measures(),
        measure_label=standing.label_of,
        form=EmptyForm(),
        status=submit_status(mfa_form),
    )


@bp.route("/admin/tiers", methods=["POST"])
def tier_create():
    require_program_admin()
    form = TierForm()
    if form.validate_on_submit():
        with flash_problems():
            tiers.create_tier(current_user, form.name.data, form.description.data or "")
            flash(f"Tier “{form.name.data.strip()}” added.", "success")
    else:
        flash("Enter a name for the tier.", "error")
    return see_other("hub.program_admin", _anchor="tiers")


@bp.route("/admin/tiers/<int:tier_id>", methods=["POST"])
def tier_update(tier_id: int):
    require_program_admin()
    tier = tiers.find(tier_id) or abort(404)
    action = request.form.get("action", "save")
    if EmptyForm().validate_on_submit():
        with flash_problems():
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
    return see_other("hub.program_admin", _anchor="tiers")


@bp.route("/admin/outbox")
def outbox():
    require_program_admin()
    mail_id = request.args.get("mail", "")
    return render(
        "hub/admin/outbox.html",
        page=paginate(admin.outbox(), int_arg("page"), 20),
        selected=admin.outbox_mail(int(mail_id)) if mail_id.isdigit() else None,
    )


@bp.route("/audit")
def audit_log():
    if not policy.can_view_audit(current_user):
        abort(403)
    filters = admin.AuditFilters(
        action=request.args.get("action", "").strip(),
        actor=request.args.get("actor", "").strip().lower(),
        organization=request.args.get("organization", ""),
        start=request.args.get("from", ""),
        end=request.args.get("to", ""),
    )
    page = paginate(admin.audit_search(current_user, filters), int_arg("page"), 50)
    return render(
        "hub/admin/audit.html",
        "hub/admin/_audit_results.html",
        page=page,
        wording=registry().worded(current_user, page.items),
        problems=filters.problems,
        actions=admin.audit_actions(current_user),
        filters={
            "action": filters.action,
            "actor": filters.actor,
            "organization": filters.organization,
            "from": filters.start,
            "to": filters.end,
        },
    )


def init_app(app: Flask) -> None:
    registry(app).nav.extend(
        [
            NavItem(
                "Audit log",
                "hub.audit_log",
                frozenset({"program_admin", "partner_admin"}),
                order=90,
                more=True,
            ),
            NavItem(
                "Program", "hub.program_admin", frozenset({"program_admin"}), order=95, more=True
            ),
        ]
    )
