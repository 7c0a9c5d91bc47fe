"""Pages of the feedback package."""

from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
