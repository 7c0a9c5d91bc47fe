"""Access cases for /api/v1/campaigns (merged into access_cases.ACCESS_CASES).

The proposals are the pages' (tests/campaigns/proposals/proposal_access.py): one of the channel's
dealer, seen by its people, its distributor and the OEM once submitted (a draft only by
the dealer), and one of the other dealer, seen only by the OEM. Visible but not yours to
act on is a 403, invisible a 404, no token a 401.
"""

from __future__ import annotations

from tests.access import Case
from tests.campaigns.proposals.proposal_access import _program, _proposal
from tests.campaigns.proposals.proposal_support import fields

BASE = "/api/v1/campaigns"
OEM = ("program_admin", "channel_manager", "product_manager")
REVIEWERS = ("program_admin", "channel_manager")
OWNERS = ("dealer_marketer", "partner_admin")
PARTNERS = ("distributor_admin", "partner_admin", "dealer_marketer", "partner_staff")


def case(method, path, statuses: dict, default: int, **kw) -> Case:
    return Case(method, path, {"anonymous": 401, **statuses}, default=default, json=True, **kw)


def _url(state: str, suffix: str = "", *, other: bool = False):
    def build(c):
        return f"{BASE}/{_proposal(c, state, other=other).id}{suffix}"

    return build


def _list(c):
    _proposal(c, "submitted")
    return BASE


def _create(c):
    _program(c)
    return BASE


def _fields(c):
    return fields(_program(c))


# Approving, declining and asking for changes: the OEM's reviewers on the dealer's submitted
# proposal; everyone else who sees it gets a 403.
_DECIDE = {**{r: 200 for r in REVIEWERS}, "product_manager": 403}

API_CASES = {
    "proposals_api.list_campaigns": [
        case("GET", _list, {}, 200),
        case("GET", lambda c: _list(c) + "?waiting_on=me&status=submitted", {}, 200),
    ],
    "proposals_api.create_campaign": [
        case(
            "POST",
            _create,
            {r: 201 for r in (*OWNERS, "distributor_admin")},
            403,
            data=_fields,
            note="a partner's marketer or admin drafts for its own organisation",
        ),
    ],
    "proposals_api.get_campaign": [
        case("GET", _url("submitted"), {}, 200),
        case("GET", _url("draft"), {r: 200 for r in (*OWNERS, "partner_staff")}, 404),
        case("GET", _url("submitted", other=True), {r: 200 for r in OEM}, 404),
        case("GET", f"{BASE}/999999", {}, 404),
    ],
    # PATCH and PUT take different bodies, so they are two declared operations.
    "proposals_api.update_campaign_patch": [
        case(
            "PATCH",
            _url("draft"),
            {**{r: 200 for r in OWNERS}, "partner_staff": 403},
            404,
            data={"title": "A better title"},
        ),
        case(
            "PATCH",
            _url("submitted"),
            {r: 409 for r in OWNERS},
            403,
            data={"title": "A better title"},
            note="a submitted proposal is not editable; only its owners get that far",
        ),
    ],
    "proposals_api.update_campaign_put": [
        case(
            "PUT",
            _url("draft"),
            {**{r: 200 for r in OWNERS}, "partner_staff": 403},
            404,
            data=_fields,
        ),
    ],
    "proposals_api.submit_campaign": [
        case(
            "POST",
            _url("draft", "/submit"),
            {**{r: 200 for r in OWNERS}, "partner_staff": 403},
            404,
        ),
    ],
    "proposals_api.approve_campaign": [
        case("POST", _url("submitted", "/approve"), _DECIDE, 403),
        case("POST", _url("submitted", "/approve", other=True), _DECIDE, 404),
        case("POST", _url("approved", "/approve"), {r: 409 for r in REVIEWERS}, 403),
    ],
    "proposals_api.decline_campaign": [
        case(
            "POST",
            _url("submitted", "/decline"),
            _DECIDE,
            403,
            data={"reason": "Outside the plan"},
        ),
        case(
            "POST",
            _url("submitted", "/decline", other=True),
            _DECIDE,
            404,
            data={"reason": "Outside the plan"},
        ),
    ],
    "proposals_api.request_changes_campaign": [
        case(
            "POST",
            _url("submitted", "/request-changes"),
            _DECIDE,
            403,
            data={"note": "Name the radio station"},
        ),
    ],
    "proposals_api.claim_campaign": [
        case(
            "POST",
            _url("approved", "/claim"),
            {r: 415 for r in OWNERS},
            403,
            note="the matrix sends JSON: owners get as far as the 415 asking for multipart",
        ),
        case("POST", _url("approved", "/claim", other=True), {r: 403 for r in OEM}, 404),
    ],
    "proposals_api.review_claim_campaign": [
        case(
            "POST",
            _url("claimed", "/claim/review"),
            {r: 200 for r in REVIEWERS},
            403,
            data={"decision": "pay"},
        ),
        case(
            "POST",
            _url("claimed", "/claim/review", other=True),
            {**{r: 200 for r in REVIEWERS}, "product_manager": 403},
            404,
            data={"decision": "pay"},
        ),
    ],
}
