"""The campaigns blueprint ("campaigns.*" endpoints). The co-op pages (views, import_views,
export_views) and the proposal pages register their routes on it; campaigns' init_app
registers it once, after importing them.

The co-op pages and panels offer “Start a campaign” to whoever may propose one. That rule
belongs to the proposals workflow, which depends on co-op (never the reverse), so it plugs
in here: `offer_campaigns(app, may_propose)` from campaigns' init_app.
"""

from collections.abc import Callable

from flask import Blueprint, Flask, current_app

from campaigns.coop.program import NoProgram
from hub.models import Person
from hub.web.pages import render

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
_MAY_PROPOSE = "campaigns.coop.may_propose"
_NAME_REFERENCES = "campaigns.coop.name_references"


def offer_campaigns(app: Flask, may_propose: Callable[[Person], bool]) -> None:
    """Let co-op's pages and panels offer “Start a campaign” to whom `may_propose` allows."""
    app.extensions[_MAY_PROPOSE] = may_propose


def may_propose(person: Person) -> bool:
    """Whether to offer this person “Start a campaign” (the proposals workflow's answer)."""
    check = current_app.extensions.get(_MAY_PROPOSE)
    return bool(check and check(person))


@bp.errorhandler(NoProgram)
def no_program(_exc: NoProgram):
    """A campaigns page asked for the co-op program before one is set up."""
    return render("campaigns/coop/none.html")


def name_references(app: Flask, namer: Callable[[Person, set[str]], dict]) -> None:
    """Let the ledger name what a hold is for: `namer(viewer, references)` answers
    {reference: (name, url or "")} for the references it knows."""
    app.extensions[_NAME_REFERENCES] = namer


def reference_names(viewer: Person, references: set[str]) -> dict[str, tuple[str, str]]:
    """Hold references named for the viewer (those no namer knows are left out)."""
    namer = current_app.extensions.get(_NAME_REFERENCES)
    return namer(viewer, references) if namer and references else {}
