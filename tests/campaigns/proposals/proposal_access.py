"""Access cases for the proposal pages (merged into access_cases.ACCESS_CASES).

A proposal of the channel's dealer is visible to the dealer's people, its distributor and
the OEM once submitted (a draft only to the dealer); one of the other dealer only to the
OEM. Visible but not yours to act on is a 403; invisible is a 404.
"""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.coop.models import CoopProgram
from campaigns.proposals import service as proposals
from campaigns.proposals.models import Proposal, ProposalAsset
from hub import db
from tests.access import ROLES, Case
from tests.campaigns.proposals.proposal_support import (
    claim_lines,
    fields,
    funded_program,
    stored_image,
)

LOGIN = 302
OEM = ("program_admin", "channel_manager", "product_manager")
REVIEWERS = ("program_admin", "channel_manager")
OWNERS = ("dealer_marketer", "partner_admin")
SEES_DEALER = tuple(r for r in ROLES if r != "anonymous")


def _program(c) -> CoopProgram:
    program = db.session.scalar(sa.select(CoopProgram).where(CoopProgram.name == "Proposal Co-op"))
    return program or funded_program(c)


def _proposal(c, state: str, *, other: bool = False) -> Proposal:
    program = _program(c)
    marketer = c.people["other_marketer" if other else "dealer_marketer"]
    p = proposals.create(marketer, program, fields(program, title=f"{state} {other}"))
    if state == "draft":
        return p
    proposals.submit(marketer, p)
    if state == "submitted":
        return p
    if state == "suggested":
        proposals.suggest(c.people["channel_manager"], p, "title", "Better title")
        return p
    proposals.approve(c.people["channel_manager"], p)
    if state == "approved":
        return p
    proposals.submit_claim(marketer, p, claim_lines(p, marketer))
    if state == "claimed":
        return p
    proposals.review_claim(c.people["channel_manager"], p, {})
    if state == "paid":
        return p
    proposals.report_results(
        marketer, p, {"result_leads": "3", "result_opportunities": "1", "result_revenue": "900"}
    )
    return p


def _url(state: str, suffix: str = "", *, other: bool = False):
    def build(c):
        return f"/campaigns/proposals/{_proposal(c, state, other=other).id}{suffix}"

    return build


def _suggestion_url(c):
    p = _proposal(c, "suggested")
    suggestion = proposals.open_suggestions(p)[0]
    return f"/campaigns/proposals/{p.id}/suggestions/{suggestion.id}"


def _file_url(other: bool):
    def build(c):
        p = _proposal(c, "submitted", other=other)
        person = c.people["other_marketer" if other else "dealer_marketer"]
        stored = stored_image(p.organization_id, person.id)
        db.session.add(ProposalAsset(proposal_id=p.id, title="Ad", file_id=stored.id))
        db.session.flush()
        return f"/campaigns/files/{stored.id}"

    return build


def _new(c):
    _program(c)
    return "/campaigns/new"


def _fields(c):
    data = fields(_program(c))
    form = {k: v for k, v in data.items() if k != "lines"}
    for i, line in enumerate(data["lines"]):
        form[f"line-{i}-description"] = line["description"]
        form[f"line-{i}-amount"] = line["amount"]
    return form


def case(method, path, statuses: dict, default: int, **kw) -> Case:
    return Case(method, path, {"anonymous": LOGIN, **statuses}, default=default, **kw)


PROPOSAL_CASES = {
    "campaigns.proposal_list": [
        case("GET", "/campaigns/", {}, 200),
        case("GET", lambda c: (_program(c), "/campaigns/?tab=all")[1], {}, 200),
    ],
    "campaigns.proposal_new": [
        case("GET", _new, {r: 200 for r in (*OWNERS, "distributor_admin")}, 403),
        case(
            "POST",
            _new,
            {r: 303 for r in (*OWNERS, "distributor_admin")},
            403,
            data=_fields,
            note="a complete form saves a draft",
        ),
        case(
            "POST",
            _new,
            {r: 422 for r in (*OWNERS, "distributor_admin")},
            403,
            data={"title": ""},
            note="bad input re-renders with sentences",
        ),
    ],
    "campaigns.proposal_check": [
        case(
            "POST",
            lambda c: (_program(c), "/campaigns/check")[1],
            {},
            200,
            data={"requested_amount": "100"},
        ),
    ],
    "campaigns.proposal_page": [
        case("GET", _url("submitted"), {}, 200, note="the dealer's, its distributor and OEM"),
        case("GET", _url("submitted", other=True), {r: 200 for r in OEM}, 404),
        case(
            "GET",
            _url("draft"),
            {"dealer_marketer": 200, "partner_admin": 200, "partner_staff": 200},
            404,
            note="drafts are the dealer's",
        ),
        case("GET", "/campaigns/proposals/999999", {}, 404),
    ],
    "campaigns.proposal_edit": [
        case(
            "GET", _url("draft", "/edit"), {"partner_staff": 403, **{r: 200 for r in OWNERS}}, 404
        ),
        case("GET", _url("submitted", "/edit", other=True), {r: 403 for r in OEM}, 404),
    ],
    "campaigns.proposal_submit": [
        case(
            "POST",
            _url("draft", "/submit"),
            {"partner_staff": 403, **{r: 303 for r in OWNERS}},
            404,
        ),
    ],
    "campaigns.proposal_withdraw": [
        case("POST", _url("submitted", "/withdraw"), {r: 303 for r in OWNERS}, 403),
        case("POST", _url("submitted", "/withdraw", other=True), {r: 403 for r in OEM}, 404),
    ],
    "campaigns.proposal_approve": [
        case("POST", _url("submitted", "/approve"), {r: 303 for r in REVIEWERS}, 403),
        case(
            "POST",
            _url("submitted", "/approve", other=True),
            {r: 303 for r in REVIEWERS} | {"product_manager": 403},
            404,
        ),
    ],
    "campaigns.proposal_request_changes": [
        case(
            "POST",
            _url("submitted", "/request-changes"),
            {r: 303 for r in REVIEWERS},
            403,
            data={"note": "Name the radio station"},
        ),
    ],
    "campaigns.proposal_decline": [
        case(
            "POST",
            _url("submitted", "/decline"),
            {r: 303 for r in REVIEWERS},
            403,
            data={"note": "Outside the territory"},
        ),
        case(
            "POST",
            _url("submitted", "/decline"),
            {r: 422 for r in REVIEWERS},
            403,
            data={"note": ""},
            note="a decline needs a reason",
        ),
    ],
    "campaigns.proposal_comment": [
        case(
            "POST",
            _url("submitted", "/comments"),
            {r: 303 for r in (*OWNERS, *REVIEWERS, "distributor_admin")},
            403,
            data={"body": "Looks good"},
        ),
        case(
            "POST",
            _url("submitted", "/comments", other=True),
            {r: 303 for r in REVIEWERS} | {"product_manager": 403},
            404,
            data={"body": "Hi"},
        ),
    ],
    "campaigns.proposal_suggest": [
        case(
            "POST",
            _url("submitted", "/suggestions"),
            {r: 303 for r in (*REVIEWERS, "distributor_admin")},
            403,
            data={"field": "title", "value": "Spring open house"},
        ),
    ],
    "campaigns.proposal_suggestion_decide": [
        case("POST", _suggestion_url, {r: 303 for r in OWNERS}, 403, data={"decision": "accept"}),
    ],
    "campaigns.proposal_suggestion_withdraw": [
        case(
            "POST",
            lambda c: _suggestion_url(c) + "/withdraw",
            {r: 303 for r in (*REVIEWERS, "distributor_admin")},
            403,
        ),
    ],
    "campaigns.proposal_asset": [
        case(
            "POST",
            _url("submitted", "/assets"),
            {r: 303 for r in OWNERS},
            403,
            data={"title": "Half-page ad"},
        ),
    ],
    "campaigns.proposal_claim": [
        case(
            "POST",
            _url("approved", "/claim"),
            {r: 422 for r in OWNERS},
            403,
            data={"claim-0-description": "Ads", "claim-0-amount": "100"},
            note="a claim without proof files is refused with a sentence",
        ),
    ],
    "campaigns.proposal_claim_review": [
        case(
            "POST",
            _url("claimed", "/claim/review"),
            {r: 303 for r in REVIEWERS},
            403,
            data={"action": "pay"},
        ),
    ],
    "campaigns.proposal_results": [
        case(
            "POST",
            _url("paid", "/results"),
            {r: 303 for r in OWNERS},
            403,
            data={"result_leads": "5", "result_opportunities": "2", "result_revenue": "1000"},
        ),
    ],
    "campaigns.proposal_close": [
        case("POST", _url("reported", "/close"), {r: 303 for r in REVIEWERS}, 403),
    ],
    "campaigns.proposal_rules": [
        case(
            "GET",
            lambda c: (_program(c), "/campaigns/coop/program/campaigns")[1],
            {"program_admin": 200},
            403,
        ),
    ],
    "campaigns.proposal_rules_approvals": [
        case(
            "POST",
            lambda c: (_program(c), "/campaigns/coop/program/campaigns/approvals")[1],
            {"program_admin": 303},
            403,
            data={
                "rung-0-role": "channel_manager",
                "rung-0-above": "0",
                "rung-0-active": "on",
                "fast_lane_limit": "750",
            },
        ),
    ],
    "campaigns.proposal_category_save": [
        case(
            "POST",
            lambda c: (_program(c), "/campaigns/coop/program/categories")[1],
            {"program_admin": 303},
            403,
            data={
                "name": "Field demo",
                "share": "60",
                "required_proofs": "invoice",
                "active": "on",
            },
        ),
        case(
            "POST",
            lambda c: (_program(c), "/campaigns/coop/program/categories/999999")[1],
            {"program_admin": 404},
            403,
        ),
    ],
    "campaigns.proposal_file": [
        case("GET", _file_url(False), {}, 200),
        case("GET", _file_url(True), {r: 200 for r in OEM}, 404),
        case("GET", "/campaigns/files/999999", {}, 404),
    ],
}
