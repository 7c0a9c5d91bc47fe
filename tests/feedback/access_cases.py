"""Access cases for the feedback pages and API (see tests/access.py).

Ideas are the program's shared board: everyone signed in sees every idea; partner users
post and vote; everyone comments and follows; product managers and program admins change
statuses and see the triage view; program admins set the tier weights."""

from feedback.ideas import posting
from tests.access import ROLES, Case
from tests.feedback.ideas.support import png_bytes, post

LOGIN = 302
SIGNED_IN = {r: 200 for r in ROLES if r != "anonymous"}
PARTNERS = ("distributor_admin", "partner_admin", "dealer_marketer", "partner_staff")
OEM = ("program_admin", "channel_manager", "product_manager")
TRIAGERS = ("program_admin", "product_manager")
BASE = "/api/v1/ideas"


def _idea(c):
    return post(c.people["dealer_marketer"], c.product_line)


def _page(suffix=""):
    return lambda c: f"/feedback/ideas/{_idea(c).id}{suffix}"


def _api(suffix=""):
    return lambda c: f"{BASE}/{_idea(c).id}{suffix}"


def _photo(c):
    marketer = c.people["dealer_marketer"]
    photo = posting.keep_photo(marketer, png_bytes(), "deck.png")
    posting.post_idea(
        marketer,
        {"product_line_id": c.product_line.id, "title": "Deck with a photo", "problem": "See it."},
        [photo],
    )
    return f"/feedback/ideas/photos/{photo.id}"


def _only(roles, yes, no):
    return {
        "anonymous": LOGIN,
        **{r: (yes if r in roles else no) for r in ROLES if r != "anonymous"},
    }


def _api_only(roles, yes, no):
    return {"anonymous": 401, **{r: (yes if r in roles else no) for r in ROLES if r != "anonymous"}}


ACCESS_CASES = {
    "feedback.idea_board": [Case("GET", "/feedback/ideas", {"anonymous": LOGIN, **SIGNED_IN})],
    "feedback.idea_new": [
        Case("GET", "/feedback/ideas/new", _only(PARTNERS, 200, 403)),
        Case(
            "POST",
            "/feedback/ideas/new",
            _only(PARTNERS, 422, 403),
            data={"title": "", "problem": ""},
            note="an empty post is refused with sentences; the OEM doesn't post",
        ),
    ],
    "feedback.idea_similar": [
        Case("GET", "/feedback/ideas/similar?title=mower", {"anonymous": LOGIN, **SIGNED_IN})
    ],
    "feedback.idea_page": [
        Case("GET", _page(), {"anonymous": LOGIN, **SIGNED_IN}),
        Case("GET", "/feedback/ideas/999999", {"anonymous": LOGIN}, default=404),
    ],
    "feedback.idea_vote": [Case("POST", _page("/vote"), _only(PARTNERS, 303, 403))],
    "feedback.idea_subscription": [
        Case(
            "POST", _page("/subscription"), {"anonymous": LOGIN}, default=303, data={"active": "0"}
        )
    ],
    "feedback.idea_comment": [
        Case(
            "POST",
            _page("/comments"),
            {"anonymous": LOGIN},
            default=303,
            data={"body": "Same here."},
        )
    ],
    "feedback.idea_status": [
        Case(
            "POST",
            _page("/status"),
            _only(TRIAGERS, 303, 403),
            data={"status": "planned", "message": "Planned for next year."},
        )
    ],
    "feedback.idea_photo": [
        Case("GET", _photo, {"anonymous": LOGIN, **SIGNED_IN}),
        Case("GET", "/feedback/ideas/photos/999999", {"anonymous": LOGIN}, default=404),
    ],
    "feedback.idea_triage": [Case("GET", "/feedback/triage", _only(TRIAGERS, 200, 403))],
    "feedback.idea_weights": [
        Case("GET", "/feedback/triage/weights", _only(("program_admin",), 200, 403))
    ],
    "ideas_api.list_ideas": [
        Case("GET", BASE, {"anonymous": 401}, default=200, json=True),
    ],
    "ideas_api.create_idea": [
        Case(
            "POST",
            BASE,
            _api_only(PARTNERS, 201, 403),
            json=True,
            data=lambda c: {
                "product_line_id": c.product_line.id,
                "title": "Fold-away loader step",
                "problem": "Short operators can't reach the cab.",
            },
        )
    ],
    "ideas_api.get_idea": [
        Case("GET", _api(), {"anonymous": 401}, default=200, json=True),
        Case("GET", f"{BASE}/999999", {"anonymous": 401}, default=404, json=True),
    ],
    "ideas_api.vote_idea": [Case("POST", _api("/vote"), _api_only(PARTNERS, 200, 403), json=True)],
    "ideas_api.withdraw_vote": [
        Case("DELETE", _api("/vote"), {"anonymous": 401}, default=200, json=True)
    ],
    "ideas_api.comment_idea": [
        Case(
            "POST",
            _api("/comments"),
            {"anonymous": 401},
            default=201,
            json=True,
            data={"body": "Same here."},
        )
    ],
    "ideas_api.change_idea_status": [
        Case(
            "POST",
            _api("/status"),
            _api_only(TRIAGERS, 200, 403),
            json=True,
            data={"status": "planned", "message": "Planned for next year."},
        )
    ],
}
