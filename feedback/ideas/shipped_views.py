"""“What we shipped from your ideas”: the page per organisation (feedback.ideas.shipped).
A partner sees its own organisation's by default, and may open those beneath it; OEM
staff choose any partner. An organisation outside the viewer's scope is a 404."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user, login_required

from feedback.ideas import shipped
from feedback.views import bp
from hub import db, policy
from hub.models import Organization, OrgKind
from hub.web.pages import render


@bp.get("/shipped")
@login_required
def idea_shipped():
    raw = request.args.get("org", "")
    if raw:
        if not raw.isdigit() or len(raw) > 12:
            abort(404)
        org = policy.get_organization_or_404(current_user, int(raw))
    elif current_user.is_oem:
        org = None
    else:
        org = current_user.organization
    choices = []
    if current_user.is_oem or current_user.organization.kind != OrgKind.DEALER:
        choices = list(
            db.session.scalars(
                policy.visible_organizations(current_user)
                .where(Organization.kind != OrgKind.OEM)
                .order_by(Organization.name)
                .limit(500)
            )
        )
    return render(
        "feedback/ideas/shipped.html",
        org=org,
        rows=shipped.shipped_for(org) if org is not None and org.kind != OrgKind.OEM else [],
        choices=choices,
    )
