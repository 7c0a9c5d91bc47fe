"""Access cases for the beta programs pages and API (see tests/access.py).

The world (tests/feedback/betas/support.tester_world): a published program taking
applications; the dealer's marketer is a tester who signed the NDA, its partner staff an
accepted tester who has not; the distributor's and the dealer's admins are not in it.
The OEM sees every program and space; product managers and program admins run them."""

import sqlalchemy as sa

from feedback.betas import service as betas
from feedback.betas.models import BetaSurvey
from hub import db
from tests.access import ROLES, Case
from tests.feedback.betas.support import answers, make_program, png_bytes, survey_of, tester_world

LOGIN = 302
SIGNED_IN = {r: 200 for r in ROLES if r != "anonymous"}
OEM = ("program_admin", "channel_manager", "product_manager")
MANAGERS = ("program_admin", "product_manager")
OUTSIDERS = ("distributor_admin", "partner_admin")  # partner users not in the program
BASE = "/api/v1/beta-programs"


def _only(roles, yes, no):
    return {
        "anonymous": LOGIN,
        **{r: (yes if r in roles else no) for r in ROLES if r != "anonymous"},
    }


def _api_only(roles, yes, no):
    return {"anonymous": 401, **{r: (yes if r in roles else no) for r in ROLES if r != "anonymous"}}


def _space(signed, unsigned, oem, outsiders=404, anonymous=LOGIN):
    """Statuses for a space URL: the signed tester, the unsigned one, the OEM, others."""
    return {
        "anonymous": anonymous,
        "dealer_marketer": signed,
        "partner_staff": unsigned,
        **{r: oem for r in OEM},
        **{r: outsiders for r in OUTSIDERS},
    }


def _page(suffix=""):
    return lambda c: f"/feedback/betas/{tester_world(c).id}{suffix}"


def _api(suffix=""):
    return lambda c: f"{BASE}/{tester_world(c).id}{suffix}"


def _draft(suffix=""):
    def path(c):
        program = make_program(c.people["product_manager"], c.product_line, publish=False)
        return f"/feedback/betas/{program.id}{suffix}"

    return path


def _document(c):
    program = tester_world(c)
    doc = betas.add_document(
        c.people["product_manager"], program, "Guide", png_bytes(), "guide.png", "image/png"
    )
    return f"/feedback/betas/{program.id}/documents/{doc.id}"


def _photo(c):
    program = tester_world(c)
    marketer = c.people["dealer_marketer"]
    photo = betas.keep_photo(marketer, png_bytes(), "button.png")
    betas.file_report(
        marketer, program, {"kind": "praise", "title": "Nice", "details": "It works."}, [photo]
    )
    return f"/feedback/betas/report-photos/{photo.id}"


def _survey(suffix=""):
    def path(c):
        program = tester_world(c)
        survey = survey_of(c.people["product_manager"], program)
        return f"/feedback/betas/{program.id}/surveys/{survey.id}{suffix}"

    return path


def _survey_answers(_c):
    """Answers to the survey the case made (the latest one)."""
    survey = db.session.scalar(sa.select(BetaSurvey).order_by(BetaSurvey.id.desc()).limit(1))
    return answers(survey)


def _decide(c):
    program = tester_world(c)
    application = betas.apply(c.people["partner_admin"], program, "We'd like to.")
    return f"/feedback/betas/{program.id}/applications/{application.id}"


REPORT = {"kind": "praise", "title": "Grapple work is one-handed now", "details": "Love it."}

ACCESS_CASES = {
    "feedback.beta_list": [Case("GET", "/feedback/betas", {"anonymous": LOGIN, **SIGNED_IN})],
    "feedback.beta_program": [
        Case("GET", _page(), {"anonymous": LOGIN, **SIGNED_IN}),
        Case("GET", _draft(), _only(OEM, 200, 404), note="a draft is the OEM's alone"),
        Case("GET", "/feedback/betas/999999", {"anonymous": LOGIN}, default=404),
    ],
    "feedback.beta_apply": [
        Case(
            "POST",
            _page("/apply"),
            {
                "anonymous": LOGIN,
                **{r: 403 for r in OEM},
                **{r: 303 for r in OUTSIDERS},
                "dealer_marketer": 422,
                "partner_staff": 422,
            },
            data={"motivation": "Our customers run grapples daily."},
            note="testers applied already (refused with a sentence); the OEM doesn't apply",
        )
    ],
    "feedback.beta_nda": [
        Case("GET", _page("/nda"), _space(200, 200, 200)),
        Case("POST", _page("/nda"), _space(303, 303, 403), note="the OEM doesn't sign"),
    ],
    "feedback.beta_space": [
        Case("GET", _page("/space"), _space(200, 303, 200), note="unsigned: to the NDA"),
        Case("GET", _draft("/space"), _only(OEM, 200, 404)),
    ],
    "feedback.beta_document": [Case("GET", _document, _space(200, 303, 200))],
    "feedback.beta_report_new": [
        Case("GET", _page("/reports/new"), _space(200, 303, 403)),
        Case("POST", _page("/reports/new"), _space(303, 303, 403), data=REPORT),
    ],
    "feedback.beta_report_photo": [
        Case("GET", _photo, _space(200, 404, 200), note="the OEM and the tester who filed it"),
        Case("GET", "/feedback/betas/report-photos/999999", {"anonymous": LOGIN}, default=404),
    ],
    "feedback.beta_survey": [
        Case("GET", _survey(), _space(200, 303, 200)),
        Case(
            "POST",
            _survey(),
            _space(303, 303, 403),
            data=_survey_answers,
            note="the tester's answers are in (303); the unsigned tester goes to the NDA",
        ),
    ],
    "feedback.beta_new": [
        Case("GET", "/feedback/betas/new", _only(MANAGERS, 200, 403)),
        Case("POST", "/feedback/betas/new", _only(MANAGERS, 422, 403), data={"title": ""}),
    ],
    "feedback.beta_edit": [Case("GET", _page("/edit"), _only(MANAGERS, 200, 403))],
    "feedback.beta_manage": [Case("GET", _page("/manage"), _only(MANAGERS, 200, 403))],
    "feedback.beta_publish": [Case("POST", _draft("/publish"), _only(MANAGERS, 303, 403))],
    "feedback.beta_decide": [
        Case("POST", _decide, _only(MANAGERS, 303, 403), data={"decision": "waitlisted"})
    ],
    "feedback.beta_document_upload": [
        Case("POST", _page("/documents"), _only(MANAGERS, 422, 403), data={"title": "Guide"})
    ],
    "feedback.beta_survey_new": [Case("GET", _page("/surveys/new"), _only(MANAGERS, 200, 403))],
    "feedback.beta_survey_results": [Case("GET", _survey("/results"), _only(MANAGERS, 200, 403))],
    "feedback.beta_outcome": [
        Case(
            "POST",
            _page("/outcome"),
            _only(MANAGERS, 422, 403),
            data={"outcome": "It ships."},
            note="the program hasn't ended: refused with a sentence",
        )
    ],
    "betas_api.list_programs": [Case("GET", BASE, {"anonymous": 401}, default=200, json=True)],
    "betas_api.get_program": [
        Case("GET", _api(), {"anonymous": 401}, default=200, json=True),
        Case(
            "GET",
            lambda c: (
                f"{BASE}/{make_program(c.people['product_manager'], c.product_line, publish=False).id}"
            ),
            _api_only(OEM, 200, 404),
            json=True,
        ),
    ],
    "betas_api.apply_program": [
        Case(
            "POST",
            _api("/applications"),
            {
                "anonymous": 401,
                **{r: 403 for r in OEM},
                **{r: 201 for r in OUTSIDERS},
                "dealer_marketer": 409,
                "partner_staff": 409,
            },
            json=True,
            data={"motivation": "Our customers run grapples daily."},
        )
    ],
    "betas_api.sign_nda": [
        Case("POST", _api("/nda"), _space(200, 200, 403, anonymous=401), json=True)
    ],
    "betas_api.report_program": [
        Case(
            "POST",
            _api("/reports"),
            _space(201, 409, 403, anonymous=401),
            json=True,
            data=REPORT,
            note="before the NDA: 409; not in the program: 404",
        )
    ],
}
