"""Access cases for the learning pages, the public verification page and the learning
API (see tests/access.py). Someone else's attempt is its taker's alone; another
partner's person's progress and certifications are 404 for a partner."""

from learning.quizzes import attempts
from tests.access import ROLES, Case
from tests.learning.factories import certify, make_learning

LOGIN = 302
OEM = ("program_admin", "channel_manager", "product_manager")
SIGNED_IN = {r: 200 for r in ROLES if r != "anonymous"}
API_UNAUTHORIZED = {"anonymous": 401}
# The dealer's people and the OEM see the dealer's staff; the other dealer's only the OEM.
OWN_DEALER = {"anonymous": LOGIN}
OTHER_DEALER = {"anonymous": LOGIN, **{r: 200 for r in OEM}}


def _path(c):
    return f"/learning/paths/{make_learning().path.id}"


def _module(c):
    return f"/learning/modules/{make_learning().module.id}"


def _staff_cert(c):
    return certify(c.people["partner_staff"], make_learning().foundation)


def _other_cert(c):
    return certify(c.people["other_marketer"], make_learning().foundation)


def _attempt(c):
    learning = make_learning()
    return attempts.start(c.people["partner_staff"], learning.quiz)


ACCESS_CASES = {
    "learning.dashboard": [Case("GET", "/learning/", {"anonymous": LOGIN}, default=200)],
    "learning.path_page": [Case("GET", _path, {"anonymous": LOGIN}, default=200)],
    "learning.module_page": [Case("GET", _module, {"anonymous": LOGIN}, default=200)],
    "learning.module_complete": [
        Case("POST", lambda c: _module(c) + "/complete", {"anonymous": LOGIN}, default=303)
    ],
    "learning.quiz_start": [
        Case("POST", lambda c: _module(c) + "/quiz", {"anonymous": LOGIN}, default=303)
    ],
    "learning.attempt_page": [
        Case(
            "GET",
            lambda c: f"/learning/attempts/{_attempt(c).id}",
            {"anonymous": LOGIN, "partner_staff": 200},
            default=404,
            note="an attempt is its taker's alone",
        )
    ],
    "learning.attempt_submit": [
        Case(
            "POST",
            lambda c: f"/learning/attempts/{_attempt(c).id}",
            {"anonymous": LOGIN, "partner_staff": 422},
            default=404,
            note="no answers: the taker gets the form back, anyone else a 404",
        )
    ],
    "learning.person_page": [
        Case(
            "GET",
            lambda c: f"/learning/people/{c.people['partner_staff'].id}",
            OWN_DEALER,
            default=200,
        ),
        Case(
            "GET",
            lambda c: f"/learning/people/{c.people['other_marketer'].id}",
            OTHER_DEALER,
            default=404,
        ),
        Case(
            "GET",
            lambda c: f"/learning/people/{c.people['channel_manager'].id}",
            OTHER_DEALER,
            default=404,
            note="a partner sees the OEM staff who serve it, never their learning record",
        ),
    ],
    "learning.wallet": [Case("GET", "/learning/certifications", {"anonymous": LOGIN}, default=200)],
    "learning.certification_page": [
        Case(
            "GET",
            lambda c: f"/learning/certifications/{_staff_cert(c).id}",
            OWN_DEALER,
            default=200,
        ),
        Case(
            "GET",
            lambda c: f"/learning/certifications/{_other_cert(c).id}",
            OTHER_DEALER,
            default=404,
        ),
    ],
    "learning.certification_revoke": [
        Case(
            "POST",
            lambda c: f"/learning/certifications/{_staff_cert(c).id}/revoke",
            {"anonymous": LOGIN, "program_admin": 303},
            default=403,
            data={"reason": "Taken on a shared login."},
        ),
        Case(
            "POST",
            lambda c: f"/learning/certifications/{_other_cert(c).id}/revoke",
            {
                "anonymous": LOGIN,
                "program_admin": 303,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=404,
            data={"reason": "Taken on a shared login."},
            note="out of scope is 404 before the role is looked at",
        ),
    ],
    "learning.certificate_png": [
        Case(
            "GET",
            lambda c: f"/learning/certifications/{_staff_cert(c).id}/certificate.png",
            OWN_DEALER,
            default=200,
        ),
        Case(
            "GET",
            lambda c: f"/learning/certifications/{_other_cert(c).id}/certificate.png",
            OTHER_DEALER,
            default=404,
        ),
    ],
    "learning.certificate_pdf": [
        Case(
            "GET",
            lambda c: f"/learning/certifications/{_other_cert(c).id}/certificate.pdf",
            OTHER_DEALER,
            default=404,
        ),
    ],
    "learning.certification_renew": [
        Case(
            "POST",
            lambda c: f"/learning/certifications/{_staff_cert(c).id}/renew",
            {"anonymous": LOGIN, "partner_staff": 303},
            default=403,
            note="the holder only (refused with a sentence when not ready: a redirect)",
        ),
        Case(
            "POST",
            lambda c: f"/learning/certifications/{_other_cert(c).id}/renew",
            {
                "anonymous": LOGIN,
                "program_admin": 403,
                "channel_manager": 403,
                "product_manager": 403,
            },
            default=404,
            note="out of scope is 404 before the holder is looked at",
        ),
    ],
    "verify.credential_jwt": [
        Case("GET", lambda c: f"/verify/{_other_cert(c).credential_id}.jwt", {}, default=200),
        Case("GET", "/verify/forged-credential-id.jwt", {}, default=404),
    ],
    "verify.issuer": [Case("GET", "/verify/issuer", {}, default=200)],
    "wellknown.jwks": [Case("GET", "/.well-known/jwks.json", {}, default=200)],
    "learning_certifications_api.certification_chain": [
        Case(
            "GET",
            lambda c: f"/api/v1/learning/certifications/{_staff_cert(c).id}/chain",
            API_UNAUTHORIZED,
            default=200,
            json=True,
        ),
        Case(
            "GET",
            lambda c: f"/api/v1/learning/certifications/{_other_cert(c).id}/chain",
            {**API_UNAUTHORIZED, **{r: 200 for r in OEM}},
            default=404,
            json=True,
        ),
    ],
    "verify.credential": [
        Case("GET", lambda c: f"/verify/{_other_cert(c).credential_id}", {}, default=200),
        Case("GET", "/verify/forged-credential-id", {}, default=404),
    ],
    "learning_paths_api.list_paths": [
        Case("GET", "/api/v1/learning/paths", API_UNAUTHORIZED, default=200, json=True)
    ],
    "learning_paths_api.get_path": [
        Case(
            "GET",
            lambda c: f"/api/v1/learning/paths/{make_learning().path.id}",
            API_UNAUTHORIZED,
            default=200,
            json=True,
        )
    ],
    "learning_paths_api.my_progress": [
        Case("GET", "/api/v1/learning/progress", API_UNAUTHORIZED, default=200, json=True)
    ],
    "learning_paths_api.person_progress": [
        Case(
            "GET",
            lambda c: f"/api/v1/learning/people/{c.people['partner_staff'].id}/progress",
            API_UNAUTHORIZED,
            default=200,
            json=True,
        ),
        Case(
            "GET",
            lambda c: f"/api/v1/learning/people/{c.people['other_marketer'].id}/progress",
            {**API_UNAUTHORIZED, **{r: 200 for r in OEM}},
            default=404,
            json=True,
        ),
    ],
    "learning_certifications_api.list_certifications": [
        Case("GET", "/api/v1/learning/certifications", API_UNAUTHORIZED, default=200, json=True)
    ],
    "learning_certifications_api.get_certification": [
        Case(
            "GET",
            lambda c: f"/api/v1/learning/certifications/{_staff_cert(c).id}",
            API_UNAUTHORIZED,
            default=200,
            json=True,
        ),
        Case(
            "GET",
            lambda c: f"/api/v1/learning/certifications/{_other_cert(c).id}",
            {**API_UNAUTHORIZED, **{r: 200 for r in OEM}},
            default=404,
            json=True,
        ),
    ],
    "learning_certifications_api.revoke_certification": [
        Case(
            "POST",
            lambda c: f"/api/v1/learning/certifications/{_staff_cert(c).id}/revoke",
            {**API_UNAUTHORIZED, "program_admin": 200},
            default=403,
            json=True,
            data={"reason": "Taken on a shared login."},
        ),
        Case(
            "POST",
            lambda c: f"/api/v1/learning/certifications/{_other_cert(c).id}/revoke",
            {**API_UNAUTHORIZED, "program_admin": 200},
            default=403,
            json=True,
            data={"reason": "Taken on a shared login."},
            note="a role that may never revoke gets its 403 before anything is looked up",
        ),
    ],
}
