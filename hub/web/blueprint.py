"""The `hub` blueprint: one object that each capability's views.py registers its pages on,
so endpoint names (hub.dashboard, hub.organization_detail, hub.settings …) stay as they are."""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_login import current_user

from hub.extensions import login_manager

bp = Blueprint("hub", __name__)

# Endpoints of the blueprint that answer without a sign-in.
PUBLIC_ENDPOINTS = {"hub.healthz"}


@bp.before_request
def require_login():
    """Every page of the blueprint needs a signed-in person, except the health check."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def init_app(app: Flask) -> None:
    """Register the blueprint once every capability's views module has added its routes."""
    app.register_blueprint(bp)
