"""Access cases for the feedback pages and API (see tests/access.py).

Ideas are the program's shared board: everyone signed in sees every idea; partner users
post and vote; everyone comments and follows; product managers and program admins change
statuses and see the triage view; program admins set the tier weights."""

from feedback.ideas import posting
from hub import db
from hub.models import Tier
from tests.access import ROLES, Case
from tests.feedback.consultations.support import open_one
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

# --- Program consultations ------------------------------------------------------------------
# Open to every partner (the channel's dealer and distributor), so partners see it; the
# program admin opens and responds; the program admin and channel managers see the summary.

ADMIN_ONLY = ("program_admin",)
SUMMARY = ("program_admin", "channel_manager")
CBASE = "/api/v1/consultations"


def _consultation(c):
    return open_one(c.people["program_admin"])


def _cpage(suffix=""):
    return lambda c: f"/feedback/consultations/{_consultation(c).id}{suffix}"


def _capi(suffix=""):
    return lambda c: f"{CBASE}/{_consultation(c).id}{suffix}"


def _elite_only(c):
    """A consultation asking only a tier the channel's partners don't hold: 404 for them."""
    elite = Tier(name="Elite only", rank=9)
    db.session.add(elite)
    db.session.flush()
    return open_one(c.people["program_admin"], tiers=[elite.id])


ACCESS_CASES.update(
    {
        "feedback.consultation_list": [
            Case("GET", "/feedback/consultations", {"anonymous": LOGIN, **SIGNED_IN})
        ],
        "feedback.consultation_new": [
            Case("GET", "/feedback/consultations/new", _only(ADMIN_ONLY, 200, 403)),
            Case(
                "POST",
                "/feedback/consultations/new",
                _only(ADMIN_ONLY, 422, 403),
                data={"title": "", "summary": ""},
                note="an empty form is refused with sentences; only the program admin opens one",
            ),
        ],
        "feedback.consultation_page": [
            Case("GET", _cpage(), {"anonymous": LOGIN, **SIGNED_IN}),
            Case(
                "GET",
                lambda c: f"/feedback/consultations/{_elite_only(c).id}",
                {"anonymous": LOGIN, **{r: 200 for r in OEM}},
                default=404,
                note="outside the partner's audience: not found",
            ),
            Case("GET", "/feedback/consultations/999999", {"anonymous": LOGIN}, default=404),
        ],
        "feedback.consultation_signal": [
            Case(
                "POST",
                _cpage("/signal"),
                _only(PARTNERS, 303, 403),
                data={"signal": "concerned"},
            )
        ],
        "feedback.consultation_comment": [
            Case(
                "POST",
                _cpage("/comments"),
                _only(PARTNERS, 303, 403),
                data={"body": "We'd need more notice."},
            )
        ],
        "feedback.consultation_response": [
            Case(
                "POST",
                _cpage("/response"),
                _only(ADMIN_ONLY, 303, 403),
                data={"outcome": "confirmed", "response": "Going ahead as proposed."},
            )
        ],
        "feedback.consultation_summary": [
            Case("GET", _cpage("/summary"), _only(SUMMARY, 200, 403)),
        ],
        "consultations_api.list_consultations": [
            Case("GET", CBASE, {"anonymous": 401}, default=200, json=True)
        ],
        "consultations_api.get_consultation": [
            Case("GET", _capi(), {"anonymous": 401}, default=200, json=True),
            Case(
                "GET",
                lambda c: f"{CBASE}/{_elite_only(c).id}",
                {"anonymous": 401, **{r: 200 for r in OEM}},
                default=404,
                json=True,
            ),
        ],
        "consultations_api.signal_consultation": [
            Case(
                "POST",
                _capi("/signal"),
                _api_only(PARTNERS, 200, 403),
                json=True,
                data={"signal": "agree"},
            )
        ],
        "consultations_api.comment_consultation": [
            Case(
                "POST",
                _capi("/comments"),
                _api_only(PARTNERS, 201, 403),
                json=True,
                data={"body": "Fine by us."},
            )
        ],
    }
)
