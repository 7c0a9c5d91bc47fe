"""Pages of the campaigns package."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
