"""The learning API's kudos (`/api/v1/learning/kudos`): read those in your scope, give
one (OEM staff and partner admins) — the wall's rules."""

from __future__ import annotations

from flask import Flask

from hub.api import Page, allow_only, api_blueprint, context, current_person, operation, paginate
from learning.recognition import kudos
from learning.recognition.models import Kudos as KudosRow
from learning.recognition.schemas import Kudos, KudosInput, KudosQuery

bp = api_blueprint("learning_recognition_api", __name__, url_prefix="/api/v1/learning")
TAG = "learning"


@bp.get("/kudos")
@operation(
    "Kudos you can see",
    description="OEM staff: all; a partner: kudos to people of its organisation and those "
    "beneath it. Ordered by id.",
    query=KudosQuery,
    responses={200: (Page[Kudos], "One page of kudos.")},
    tags=[TAG],
)
def list_kudos():
    args: KudosQuery = context().query
    stmt = kudos.visible_kudos(current_person()).order_by(None)
    if args.person_id is not None:
        stmt = stmt.where(KudosRow.recipient_id == args.person_id)
    return paginate(stmt, KudosRow.id, Kudos.of, args)


@bp.post("/kudos")
@operation(
    "Give kudos (OEM staff and partner admins)",
    description="Recognise someone in your scope with a short message; they are notified. "
    "Kudos for mentoring earns the Mentor badge.",
    json=KudosInput,
    responses={201: (Kudos, "The kudos given.")},
    problems=(403,),
    before=allow_only(kudos.may_give, "Only OEM staff and partner admins give kudos."),
    tags=[TAG],
)
def give_kudos():
    body: KudosInput = context().json
    given = kudos.give(current_person(), body.recipient_id, body.category, body.message)
    return Kudos.of(given), 201


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
