"""The learning API's organisation standing (`/api/v1/learning/standing/<org id>`): the
page's rules, scoped the same way (outside your scope 404; partner staff 403)."""

from __future__ import annotations

from flask import Flask

from hub.api import api_blueprint, current_person, operation
from learning.standing import overview
from learning.standing.schemas import Standing

bp = api_blueprint("learning_standing_api", __name__, url_prefix="/api/v1/learning")
TAG = "learning"


@bp.get("/standing/<int:org_id>")
@operation(
    "An organisation's standing",
    description="Tier requirements met or lacking with the date each would lapse, "
    "specialisations, and certification coverage of the organisation and those beneath "
    "it. OEM staff: any organisation; a partner admin: its own and those beneath it.",
    responses={200: (Standing, "The organisation's standing today.")},
    problems=(403,),
    tags=[TAG],
)
def get_standing(org_id: int):
    viewer = current_person()
    org = overview.get_organization_or_404(viewer, org_id)
    return Standing.of(overview.organization_standing(viewer, org), viewer)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
