"""Access cases for the kit pages and /api/v1/kits (merged into access_cases.ACCESS_CASES).

Every signed-in person sees a published kit; an unpublished one is the program admin's
(404 to others). A partner's marketer or admin launches one (the distributor's admin may
too, but has no brand profile: 422 naming what is missing); everyone else gets a 403.
The program admin alone manages kits (403 to the rest).
"""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.coop.models import CoopProgram
from campaigns.demo import kits as kits_demo
from campaigns.demo import studio as studio_demo
from campaigns.kits.models import CampaignKit
from campaigns.proposals import service as proposals
from campaigns.studio.models import StudioTemplate
from campaigns.studio.profiles import save_profile
from hub import db
from hub.db import today
from tests.access import ROLES, Case
from tests.campaigns.proposals.proposal_access import _program

LOGIN = 302
ADMIN_ONLY = {"anonymous": LOGIN, "program_admin": 200}
SIGNED_IN = {r: 200 for r in ROLES if r != "anonymous"}
PROFILE = {"phone": "555 0100", "website": "dealer.example", "brand_colour": "#1f5c3a",
           "address": "1 Main Street"}  # fmt: skip


def _kit(c, *, published: bool = True) -> CampaignKit:
    """The social kit (published or not) of the pages' program, and the dealer's full
    brand profile with a logo."""
    program = db.session.scalar(
        sa.select(CoopProgram).where(CoopProgram.active.is_(True)).order_by(CoopProgram.id)
    ) or _program(c)
    proposals.install_defaults(program)
    if db.session.scalar(sa.select(StudioTemplate).limit(1)) is None:
        studio_demo.install()
    logo = (studio_demo.prairie_logo(), "logo.png", "image/png")
    save_profile(c.people["dealer_marketer"], c.dealer, PROFILE, logo)
    name = "Harvest service social kit" + ("" if published else " (draft)")
    kit = db.session.scalar(sa.select(CampaignKit).where(CampaignKit.name == name))
    if kit is None:
        spec = {**kits_demo.KITS[0], "name": name}
        kit = kits_demo.install(c.people["program_admin"], [spec], program=program,
                                publish=published)[0]  # fmt: skip
    return kit


def _path(suffix: str = "", *, published: bool = True):
    def build(c):
        return f"/campaigns/kits/{_kit(c, published=published).id}{suffix}"

    return build


def _launch(c):
    return {"starts_on": today().isoformat(), "ends_on": today().isoformat(),
            "requested_amount": "10.00"}  # fmt: skip


def _kit_form(c):
    kit = _kit(c)
    return {"name": "Matrix kit", "title": "Matrix campaign", "category_id": str(kit.category_id),
            "lead_days": "0", "duration_days": "10", "line-0-description": "Ads",
            "line-0-amount": "100", "template_ids": str(kit.templates[0].template_id)}  # fmt: skip


LAUNCHED = {"anonymous": LOGIN, "dealer_marketer": 303, "partner_admin": 303,
            "distributor_admin": 422}  # fmt: skip
ADMIN_CHANGES = {"anonymous": LOGIN, "program_admin": 303}

KIT_CASES = {
    "campaigns.kit_list": [
        Case("GET", lambda c: _kit(c) and "/campaigns/kits", {"anonymous": LOGIN}, default=200)
    ],
    "campaigns.kit_page": [
        Case("GET", _path(), {"anonymous": LOGIN}, default=200),
        Case(
            "GET",
            _path(published=False),
            {"anonymous": LOGIN, "program_admin": 200},
            default=404,
            note="an unpublished kit is the program admin's preview",
        ),
    ],
    "campaigns.kit_launch": [
        Case(
            "POST",
            _path("/launch"),
            LAUNCHED,
            default=403,
            data=_launch,
            note="the distributor has no brand profile: a sentence naming what is missing",
        ),
        Case(
            "POST",
            _path("/launch", published=False),
            {
                "anonymous": LOGIN,
                "dealer_marketer": 404,
                "partner_admin": 404,
                "distributor_admin": 404,
            },
            default=403,
            data=_launch,
        ),
    ],
    "campaigns.kit_admin": [
        Case("GET", lambda c: _kit(c) and "/campaigns/kits/manage", ADMIN_ONLY, default=403)
    ],
    "campaigns.kit_new": [
        Case("GET", "/campaigns/kits/new", ADMIN_ONLY, default=403),
        Case(
            "POST",
            lambda c: _kit(c) and "/campaigns/kits/new",
            ADMIN_CHANGES,
            default=403,
            data=_kit_form,
        ),
    ],
    "campaigns.kit_edit": [
        Case("GET", _path("/edit"), ADMIN_ONLY, default=403),
        Case("POST", _path("/edit"), ADMIN_CHANGES, default=403, data=_kit_form),
    ],
    "campaigns.kit_publish": [
        Case(
            "POST",
            _path("/publish", published=False),
            ADMIN_CHANGES,
            default=403,
            data={"published": "1"},
        ),
    ],
    "kits_api.list_kits": [
        Case(
            "GET", lambda c: _kit(c) and "/api/v1/kits", {"anonymous": 401}, default=200, json=True
        ),
    ],
    "kits_api.launch_kit": [
        Case(
            "POST",
            lambda c: f"/api/v1/kits/{_kit(c).id}/launch",
            {
                "anonymous": 401,
                "dealer_marketer": 201,
                "partner_admin": 201,
                "distributor_admin": 422,
            },
            default=403,
            json=True,
            data={"requested_amount": "10.00"},
        ),
        Case(
            "POST",
            lambda c: f"/api/v1/kits/{_kit(c, published=False).id}/launch",
            {
                "anonymous": 401,
                "dealer_marketer": 404,
                "partner_admin": 404,
                "distributor_admin": 404,
            },
            default=403,
            json=True,
            data={"requested_amount": "10.00"},
        ),
    ],
}
