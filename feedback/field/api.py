"""The field intelligence API (`/api/v1/field-observations`): list (filters), file one
(partner users; the photo is the page's), read one. Scoped by feedback.field.access: an
observation outside the caller's scope is a 404, and never in a list."""

from __future__ import annotations

from flask import Flask, abort, url_for

from feedback.field import service
from feedback.field.access import FILERS_ONLY, can_file, get_visible
from feedback.field.models import FieldObservation
from feedback.field.schemas import ObservationInput, ObservationOut, ObservationQuery
from feedback.ideas import service as ideas
from hub.api import Page, allow_only, api_blueprint, context, current_person, operation, paginate

bp = api_blueprint("field_api", __name__, url_prefix="/api/v1/field-observations")
TAGS = ["field intelligence"]
LOCATION = {"Location": {"description": "Its URL.", "schema": {"type": "string"}}}


def _out(row: FieldObservation) -> ObservationOut:
    return ObservationOut.of(row, service.tags_of([row.id]).get(row.id, []))


@bp.get("")
@operation(
    "Market observations",
    description=(
        "The observations you may see (the OEM: all; a partner: its own organisation's and "
        "those beneath it), in id order, filtered."
    ),
    tags=TAGS,
    query=ObservationQuery,
    responses={200: (Page[ObservationOut], "One page of observations.")},
)
def list_observations():
    args: ObservationQuery = context().query
    filters = service.Filters(
        q=args.q or "",
        region=args.region or "",
        tag=ideas.normalise_tag(args.tag or "") or None,
        product_line_id=args.product_line_id,
    )
    stmt = service.listing(current_person(), filters).order_by(None)
    page_tags: dict[int, list[str]] = {}

    def prepare(rows: list) -> None:
        page_tags.update(service.tags_of([r.id for r in rows]))

    return paginate(
        stmt,
        FieldObservation.id,
        lambda row: ObservationOut.of(row, page_tags.get(row.id, [])),
        args,
        prepare=prepare,
    )


@bp.post("")
@operation(
    "File a market observation (partner users)",
    description="For your organisation; the price as text with its currency, or neither.",
    tags=TAGS,
    json=ObservationInput,
    responses={201: (ObservationOut, "The observation.")},
    response_headers={201: LOCATION},
    problems=(403,),
    before=allow_only(can_file, FILERS_ONLY),
)
def create_observation():
    body: ObservationInput = context().json
    row = service.file_observation(current_person(), body.model_dump())
    location = url_for("field_api.get_observation", observation_id=row.id)
    return _out(row), 201, {"Location": location}


@bp.get("/<int:observation_id>")
@operation(
    "One market observation",
    tags=TAGS,
    responses={200: (ObservationOut, "The observation.")},
)
def get_observation(observation_id: int):
    row = get_visible(current_person(), observation_id)
    if row is None:
        abort(404)
    return _out(row)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
