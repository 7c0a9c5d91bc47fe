"""The learning pages' blueprint ("learning.*" endpoints, under /learning): every
capability's views module adds its routes to it; learning's init_app registers it once.
Every page needs a signed-in person (the public verification page is on its own
blueprint, in learning.certifications.views)."""

from flask import Blueprint
from flask_login import current_user

from hub.extensions import login_manager

bp = Blueprint("learning", __name__, url_prefix="/learning")


@bp.before_request
def _require_login():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
