"""The campaigns blueprint ("campaigns.*" endpoints). The co-op pages (views, import_views,
export_views) and the proposal pages register their routes on it; campaigns' init_app
registers it once, after importing them."""

from flask import Blueprint

from campaigns.coop.program import NoProgram
from hub.web.pages import render

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.errorhandler(NoProgram)
def no_program(_exc: NoProgram):
    """A campaigns page asked for the co-op program before one is set up."""
    return render("campaigns/coop/none.html")
