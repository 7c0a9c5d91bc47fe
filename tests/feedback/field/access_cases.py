"""Access cases for field intelligence (see tests/access.py).

An observation is visible to OEM staff, the filing organisation and the organisations
above it (its distributor), never to another dealer — not even a sibling under the same
distributor: 404. Partner users file; product managers and program admins tag and link.
"""

from hub import db
from tests.access import ROLES, Case
from tests.conftest import person_factory
from tests.feedback.field.support import observe
from tests.feedback.ideas.support import png_bytes, post

LOGIN = 302
PARTNERS = ("distributor_admin", "partner_admin", "dealer_marketer", "partner_staff")
OEM = ("program_admin", "channel_manager", "product_manager")
CURATORS = ("program_admin", "product_manager")


def _only(roles, yes, no):
    return {
        "anonymous": LOGIN,
        **{r: (yes if r in roles else no) for r in ROLES if r != "anonymous"},
    }


def _dealers(c, photo=False):
    """An observation the dealer's marketer filed: the dealer's people, its distributor
    and the OEM see it."""
    return observe(c.people["dealer_marketer"], (png_bytes(), "lot.jpg") if photo else None)


def _siblings(c):
    """One a sibling dealer (same distributor) filed: the distributor and the OEM see it,
    the dealer's people don't."""
    person = person_factory(db.session)("dealer_marketer", c.sibling_dealer)
    return observe(person)


def _others(c):
    """One another distributor's dealer filed: only the OEM sees it."""
    return observe(c.people["other_marketer"])


API = "/api/v1/field-observations"


def _api_only(roles, yes, no):
    return {"anonymous": 401, **{r: (yes if r in roles else no) for r in ROLES if r != "anonymous"}}


SEE_DEALERS = _only(OEM + PARTNERS, 200, 404)
SEE_SIBLINGS = _only((*OEM, "distributor_admin"), 200, 404)
SEE_OTHERS = _only(OEM, 200, 404)

ACCESS_CASES = {
    "feedback.field_list": [Case("GET", "/feedback/field", _only(ROLES, 200, 200))],
    "feedback.field_new": [
        Case("GET", "/feedback/field/new", _only(PARTNERS, 200, 403)),
        Case(
            "POST",
            "/feedback/field/new",
            _only(PARTNERS, 422, 403),
            data={"competitor": "", "product": "", "region": ""},
            note="an empty observation is refused with sentences; the OEM doesn't file",
        ),
    ],
    "feedback.field_page": [
        Case("GET", lambda c: f"/feedback/field/{_dealers(c).id}", SEE_DEALERS),
        Case("GET", lambda c: f"/feedback/field/{_siblings(c).id}", SEE_SIBLINGS),
        Case("GET", lambda c: f"/feedback/field/{_others(c).id}", SEE_OTHERS),
        Case("GET", "/feedback/field/999999", {"anonymous": LOGIN}, default=404),
    ],
    "feedback.field_photo": [
        Case("GET", lambda c: f"/feedback/field/photos/{_dealers(c, True).id}", SEE_DEALERS),
        Case(
            "GET",
            lambda c: f"/feedback/field/photos/{_dealers(c).id}",
            {"anonymous": LOGIN},
            default=404,
            note="an observation without a photo",
        ),
    ],
    "feedback.field_tags": [
        Case(
            "POST",
            lambda c: f"/feedback/field/{_dealers(c).id}/tags",
            {**_only(CURATORS, 303, 403)},
            data={"tags": "Pricing, compact"},
        ),
        Case(
            "POST",
            lambda c: f"/feedback/field/{_others(c).id}/tags",
            {**_only(CURATORS, 303, 403), **dict.fromkeys(PARTNERS, 404)},
            data={"tags": "pricing"},
            note="out of a partner's scope: 404 before anything else",
        ),
    ],
    "feedback.field_link": [
        Case(
            "POST",
            lambda c: f"/feedback/field/{_dealers(c).id}/links",
            _only(CURATORS, 303, 403),
            data=lambda c: {"idea": str(post(c.people["dealer_marketer"], c.product_line).id)},
        ),
        Case(
            "POST",
            lambda c: f"/feedback/field/{_others(c).id}/links",
            {**_only(CURATORS, 422, 403), **dict.fromkeys(PARTNERS, 404)},
            data={"idea": "abc"},
        ),
    ],
    "field_api.list_observations": [
        Case("GET", API, {"anonymous": 401}, default=200, json=True),
    ],
    "field_api.create_observation": [
        Case(
            "POST",
            API,
            _api_only(PARTNERS, 201, 403),
            json=True,
            data={"competitor": "Kubota", "product": "BX23S", "region": "Iowa"},
        ),
    ],
    "field_api.get_observation": [
        Case(
            "GET",
            lambda c: f"{API}/{_dealers(c).id}",
            _api_only(OEM + PARTNERS, 200, 404),
            json=True,
        ),
        Case(
            "GET",
            lambda c: f"{API}/{_siblings(c).id}",
            _api_only((*OEM, "distributor_admin"), 200, 404),
            json=True,
        ),
        Case("GET", lambda c: f"{API}/{_others(c).id}", _api_only(OEM, 200, 404), json=True),
    ],
}
