"""The kits JSON API (`/api/v1/kits`): the published campaign kits, and launching one
into a submitted proposal — the same `service.launch` the kit page calls. A kit that is
not published (or not there) is a 404; a person who may not launch a 403 before the body
is read; bad dates or amount, or a brand profile missing what a template needs, a 422
with a sentence per problem. The answer to a launch is the proposal, as
`/api/v1/campaigns/<id>` answers it."""

from __future__ import annotations

from flask import Flask, abort, url_for

from campaigns.coop.program import current_program
from campaigns.kits import service
from campaigns.kits.schemas import KitLaunch, KitSummary
from campaigns.proposals.schemas import Campaign
from hub import db
from hub.api import Page, allow_only, api_blueprint, context, current_person, openapi, operation

bp = api_blueprint("kits_api", __name__, url_prefix="/api/v1/kits")
TAG = "kits"
TAGS = [TAG]
LOCATION = {"Location": {"description": "The proposal's URL.", "schema": {"type": "string"}}}


@bp.get("")
@operation(
    "Published campaign kits",
    description=(
        "The co-op program's published kits, by name: the proposal each one prefills, its "
        "budget, the share co-op pays on it (built on OEM templates), the most to ask for, "
        "the default dates and the studio templates attached at launch. All on one page."
    ),
    tags=TAGS,
    responses={200: (Page[KitSummary], "Every published kit.")},
)
def list_kits():
    kits = service.kits(current_program())
    return Page[KitSummary](data=[KitSummary.of(kit) for kit in kits], next_cursor=None)


@bp.post("/<int:kit_id>/launch")
@operation(
    "Launch a kit into a submitted proposal (dealer marketer or partner admin)",
    description=(
        "Makes a proposal for your organisation prefilled from the kit, personalises the "
        "kit's studio templates with your brand profile and attaches them, and submits it "
        "(a request within the fast-lane limit is approved at once). Send the co-op "
        "amount as text; the dates default to the kit's. A brand profile missing a field "
        "a template needs is a 422 naming it (field `profile`); nothing is kept then."
    ),
    tags=TAGS,
    json=KitLaunch,
    responses={201: (Campaign, "The submitted proposal.")},
    response_headers={201: LOCATION},
    problems=(403, 404),
    before=allow_only(service.may_launch, service.LAUNCHERS_ONLY),
)
def launch_kit(kit_id: int):
    person = current_person()
    kit = service.get_kit(person, current_program(), kit_id)
    if kit is None or not kit.published:
        abort(404)
    body: KitLaunch = context().json
    proposal = service.launch(person, kit, body.data(kit))
    db.session.flush()
    location = url_for("proposals_api.get_campaign", proposal_id=proposal.id)
    return Campaign.of(proposal, person), 201, {"Location": location}


def init_app(app: Flask) -> None:
    """Register the kits API."""
    openapi.register_tag(TAG, "Campaign kits: ready campaigns a dealer launches.", app=app)
    app.register_blueprint(bp)
