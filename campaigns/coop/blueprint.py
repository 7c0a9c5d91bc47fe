"""The campaigns blueprint ("campaigns.*" endpoints). The co-op pages (views, import_views,
export_views) and the proposal pages register their routes on it; campaigns' init_app
registers it once, after importing them."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
