"""The dashboard, the health check and notifications. Routes on the shared `hub`
blueprint, beside those of hub/directory, hub/accounts and hub/admin."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, flash, redirect, request
from flask_login import current_user

from hub import db, notifications
from hub.admin import service as admin
from hub.directory import queries, tiers
from hub.models import Role
from hub.registry import NavItem, registry
from hub.web.blueprint import bp
from hub.web.pages import render, see_other

# How many of the newest audit events the program admin's dashboard shows.
RECENT_ACTIVITY = 6


@bp.route("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.rollback_request()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/")
def dashboard():
    # The person, not Flask-Login's proxy: every panel reads them dozens of times.
    person = current_user._get_current_object()
    ctx = {
        "panels": registry().panels_for(person),
        "recent_notifications": notifications.latest(person.id, limit=5),
        "org": person.organization,
        **queries.dashboard_facts(person),
    }
    if person.role == Role.PROGRAM_ADMIN:
        ctx["tier_chart"] = tiers.chart()
        ctx["recent_activity"] = admin.recent_audit_events(person, RECENT_ACTIVITY)
        ctx["activity_wording"] = registry().worded(person, ctx["recent_activity"])
    return render("hub/web/dashboard.html", **ctx)


# --- Notifications ---------------------------------------------------------------------


@bp.route("/notifications")
def notification_list():
    items = notifications.recent(current_user.id, limit=50)
    return render(
        "hub/web/notifications.html",
        "hub/web/_notification_list.html",
        items=items,
        unread=notifications.unread_count(current_user.id),
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


def init_app(app: Flask) -> None:
    registry(app).nav.append(NavItem("Dashboard", "hub.dashboard", order=0))
