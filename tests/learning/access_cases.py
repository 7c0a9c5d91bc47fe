"""Access cases for the learning pages, the public verification page and the learning
API (see tests/access.py). Someone else's attempt is its taker's alone; another
partner's person's progress and certifications are 404 for a partner."""

from datetime import date, timedelta

from learning.attachments import service as attachments
from learning.quizzes import attempts
from learning.standing import specialisations
from tests.access import ROLES, Case
from tests.learning.factories import (
    assign,
    certify,
    make_learning,
    pdf_bytes,
    submit_evidence,
    with_practical,
)

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

# --- Standing and recognition --------------------------------------------------------
# Standing: OEM staff and partner admins (a distributor's admin also its dealers');
# other partner roles may not (403 in scope, 404 outside it, as always).
STANDING_OWN = {
    "anonymous": LOGIN,
    "distributor_admin": 200,
    "partner_admin": 200,
    "dealer_marketer": 403,
    "partner_staff": 403,
    **{r: 200 for r in OEM},
}
STANDING_OTHER = {"anonymous": LOGIN, **{r: 200 for r in OEM}}
GIVERS = {r: 303 for r in (*OEM, "distributor_admin", "partner_admin")}


def _specialisation(c):
    return specialisations.create(
        c.people["program_admin"],
        "Access Spec",
        make_learning().path.product_line_id,
        "technical",
        1,
        1,
    )


def _kudos_to(who):
    return lambda c: {
        "recipient_id": str(c.people[who].id),
        "category": "learning",
        "message": "Thanks",
    }


ACCESS_CASES.update(
    {
        "learning.standing_index": [
            Case(
                "GET",
                "/learning/standing",
                {
                    "anonymous": LOGIN,
                    "dealer_marketer": 403,
                    "partner_staff": 403,
                },
                default=200,
                note="a partner admin sees its own organisation's standing here",
            )
        ],
        "learning.standing_page": [
            Case("GET", lambda c: f"/learning/standing/{c.dealer.id}", STANDING_OWN),
            Case(
                "GET",
                lambda c: f"/learning/standing/{c.other_dealer.id}",
                STANDING_OTHER,
                default=404,
            ),
        ],
        "learning.specialisation_admin": [
            Case(
                "GET",
                "/learning/standing/specialisations",
                {"anonymous": LOGIN, "program_admin": 200},
                default=403,
            ),
            Case(
                "POST",
                "/learning/standing/specialisations",
                {"anonymous": LOGIN, "program_admin": 422},
                default=403,
                data={"name": ""},
                note="an empty name: the form comes back with a sentence",
            ),
        ],
        "learning.specialisation_delete": [
            Case(
                "POST",
                lambda c: f"/learning/standing/specialisations/{_specialisation(c).id}/delete",
                {"anonymous": LOGIN, "program_admin": 303},
                default=403,
            )
        ],
        "learning.recognition_wall": [
            Case("GET", "/learning/recognition", {"anonymous": LOGIN}, default=200)
        ],
        "learning.kudos_give": [
            Case(
                "POST",
                "/learning/recognition/kudos",
                {"anonymous": LOGIN, **GIVERS},
                default=403,
                data=_kudos_to("partner_staff"),
            ),
            Case(
                "POST",
                "/learning/recognition/kudos",
                {
                    "anonymous": LOGIN,
                    "distributor_admin": 422,
                    "partner_admin": 422,
                    **{r: 303 for r in OEM},
                },
                default=403,
                data=_kudos_to("other_marketer"),
                note="someone outside a partner admin's scope is not among the people offered",
            ),
        ],
        "learning.leaderboard_page": [
            Case("GET", "/learning/recognition/leaderboard", {"anonymous": LOGIN}, default=200)
        ],
        "learning.recognition_settings": [
            Case(
                "POST",
                "/learning/recognition/settings",
                {"anonymous": LOGIN},
                default=303,
                data={"opted_out": "y"},
            )
        ],
        "learning_standing_api.get_standing": [
            Case(
                "GET",
                lambda c: f"/api/v1/learning/standing/{c.dealer.id}",
                {**API_UNAUTHORIZED, "dealer_marketer": 403, "partner_staff": 403},
                default=200,
                json=True,
            ),
            Case(
                "GET",
                lambda c: f"/api/v1/learning/standing/{c.other_dealer.id}",
                {**API_UNAUTHORIZED, **{r: 200 for r in OEM}},
                default=404,
                json=True,
            ),
        ],
        "learning_recognition_api.list_kudos": [
            Case("GET", "/api/v1/learning/kudos", API_UNAUTHORIZED, default=200, json=True)
        ],
        "learning_recognition_api.give_kudos": [
            Case(
                "POST",
                "/api/v1/learning/kudos",
                {
                    **API_UNAUTHORIZED,
                    **{r: 201 for r in (*OEM, "distributor_admin", "partner_admin")},
                },
                default=403,
                json=True,
                data=lambda c: {
                    "recipient_id": c.people["partner_staff"].id,
                    "category": "learning",
                    "message": "Thanks",
                },
            )
        ],
    }
)

# --- Practical assessments, assignments, attachments --------------------------------------
# A submission is seen by its learner, the partner admins of their organisation and of those
# above it, and the reviewers (product managers, program admins); 404 for anyone else.
SUBMISSION_SEEN = {
    "anonymous": LOGIN,
    "partner_staff": 200,
    "partner_admin": 200,
    "distributor_admin": 200,
    "program_admin": 200,
    "product_manager": 200,
}
REVIEWERS = {"program_admin", "product_manager"}
# Deciding: reviewers only (303); the learner and their admins see it but may not (403).
DECIDE = {
    "anonymous": LOGIN,
    "partner_staff": 403,
    "partner_admin": 403,
    "distributor_admin": 403,
    **{r: 303 for r in REVIEWERS},
}


def _submission(c):
    return submit_evidence(c.people["partner_staff"], make_learning().foundation)


def _open_level(c):
    learning = make_learning()
    with_practical(learning.foundation)
    return f"/learning/levels/{learning.foundation.id}/assessment"


def _assignment(c):
    return assign(c.people["partner_admin"], c.people["partner_staff"], make_learning().foundation)


def _attachment(c):
    module = make_learning().module
    row = attachments.attach(c.people["program_admin"], module, pdf_bytes(), "checklist.pdf")
    return f"/learning/modules/{module.id}/attachments/{row.id}"


def _new_assignment(c):
    due = (date.today() + timedelta(days=20)).isoformat()
    return {
        "person_id": str(c.people["partner_staff"].id),
        "target": f"level:{make_learning('Assign Line').foundation.id}",
        "due_on": due,
    }


def _new_assignment_json(c):
    due = (date.today() + timedelta(days=20)).isoformat()
    return {
        "person_id": c.people["partner_staff"].id,
        "level_id": make_learning("Assign Line").foundation.id,
        "due_on": due,
    }


ACCESS_CASES.update(
    {
        "learning.assessment_page": [
            Case("GET", _open_level, {"anonymous": LOGIN}, default=200),
        ],
        "learning.assessment_submit": [
            Case(
                "POST",
                _open_level,
                {"anonymous": LOGIN},
                default=422,
                note="no file: the form again with a sentence, for anyone who may learn",
            )
        ],
        "learning.assessment_queue": [
            Case(
                "GET",
                "/learning/assessments",
                {"anonymous": LOGIN, **{r: 200 for r in REVIEWERS}},
                default=403,
            )
        ],
        "learning.submission_page": [
            Case(
                "GET",
                lambda c: f"/learning/assessments/{_submission(c).id}",
                SUBMISSION_SEEN,
                default=404,
            )
        ],
        "learning.submission_sign_off": [
            Case(
                "POST",
                lambda c: f"/learning/assessments/{_submission(c).id}/sign-off",
                DECIDE,
                default=404,
                note="the learner and their admins see it (403: not reviewers), others 404",
            )
        ],
        "learning.submission_more": [
            Case(
                "POST",
                lambda c: f"/learning/assessments/{_submission(c).id}/more",
                DECIDE,
                default=404,
                data={"message": "Add the signed checklist."},
            )
        ],
        "learning.evidence_file": [
            Case(
                "GET",
                lambda c: (
                    f"/learning/assessments/{(s := _submission(c)).id}/evidence/{s.evidence[0].id}"
                ),
                SUBMISSION_SEEN,
                default=404,
            )
        ],
        "learning.assignments_page": [
            Case(
                "GET",
                "/learning/assignments",
                {
                    "anonymous": LOGIN,
                    "partner_admin": 200,
                    "distributor_admin": 200,
                    "program_admin": 200,
                },
                default=403,
            )
        ],
        "learning.assignment_create": [
            Case(
                "POST",
                "/learning/assignments",
                {"anonymous": LOGIN, "partner_admin": 303, "distributor_admin": 422},
                default=403,
                data=_new_assignment,
                note="a distributor's admin assigns only to their own staff",
            )
        ],
        "learning.assignment_cancel": [
            Case(
                "POST",
                lambda c: f"/learning/assignments/{_assignment(c).id}/cancel",
                {
                    "anonymous": LOGIN,
                    "partner_admin": 303,
                    "distributor_admin": 403,
                    "program_admin": 403,
                    "partner_staff": 403,
                },
                default=404,
                note="seen in scope; only the learner's own admin cancels",
            )
        ],
        "learning.module_attachment": [
            Case("GET", _attachment, {"anonymous": LOGIN}, default=200),
        ],
        "learning_assessments_api.get_submission": [
            Case(
                "GET",
                lambda c: f"/api/v1/learning/assessments/{_submission(c).id}",
                {**SUBMISSION_SEEN, "anonymous": 401},
                default=404,
                json=True,
            )
        ],
        "learning_assignments_api.list_assignments": [
            Case("GET", "/api/v1/learning/assignments", API_UNAUTHORIZED, default=200, json=True)
        ],
        "learning_assignments_api.get_assignment": [
            Case(
                "GET",
                lambda c: f"/api/v1/learning/assignments/{_assignment(c).id}",
                {
                    "anonymous": 401,
                    "partner_staff": 200,
                    "partner_admin": 200,
                    "distributor_admin": 200,
                    "program_admin": 200,
                },
                default=404,
                json=True,
            )
        ],
        "learning_assignments_api.create_assignment": [
            Case(
                "POST",
                "/api/v1/learning/assignments",
                {"anonymous": 401, "partner_admin": 201, "distributor_admin": 422},
                default=403,
                data=_new_assignment_json,
                json=True,
            )
        ],
    }
)


# --- Authoring: the program admin's alone (403 for everyone else, whatever the object) ----
ADMIN_ONLY_GET = {"anonymous": LOGIN, "program_admin": 200}
# An empty form: the program admin gets it back with sentences (422).
ADMIN_ONLY_POST = {"anonymous": LOGIN, "program_admin": 422}


def _authoring(tail):
    def build(c):
        learning = make_learning()
        ids = {
            "path": learning.path.id,
            "level": learning.foundation.id,
            "module": learning.module.id,
            "question": learning.quiz.questions[0].id,
        }
        return "/learning/authoring" + tail.format(**ids)

    return build


def _authoring_attachment(c):
    module = make_learning().module
    row = attachments.attach(c.people["program_admin"], module, pdf_bytes(), "checklist.pdf")
    return f"/learning/authoring/modules/{module.id}/attachments/{row.id}/remove"


ACCESS_CASES.update(
    {
        "learning.authoring_home": [
            Case("GET", "/learning/authoring", ADMIN_ONLY_GET, default=403)
        ],
        "learning.authoring_path_create": [
            Case("POST", "/learning/authoring/paths", ADMIN_ONLY_POST, default=403)
        ],
        "learning.authoring_path": [
            Case("GET", _authoring("/paths/{path}"), ADMIN_ONLY_GET, default=403),
            Case("POST", _authoring("/paths/{path}"), ADMIN_ONLY_POST, default=403),
        ],
        "learning.authoring_level_create": [
            Case("POST", _authoring("/paths/{path}/levels"), ADMIN_ONLY_POST, default=403)
        ],
        "learning.authoring_level": [
            Case("GET", _authoring("/levels/{level}"), ADMIN_ONLY_GET, default=403),
            Case("POST", _authoring("/levels/{level}"), ADMIN_ONLY_POST, default=403),
        ],
        "learning.authoring_module_create": [
            Case("POST", _authoring("/levels/{level}/modules"), ADMIN_ONLY_POST, default=403)
        ],
        "learning.authoring_module": [
            Case("GET", _authoring("/modules/{module}"), ADMIN_ONLY_GET, default=403),
            Case("POST", _authoring("/modules/{module}"), ADMIN_ONLY_POST, default=403),
        ],
        "learning.authoring_attachment_add": [
            Case("POST", _authoring("/modules/{module}/attachments"), ADMIN_ONLY_POST, default=403)
        ],
        "learning.authoring_attachment_remove": [
            Case(
                "POST",
                _authoring_attachment,
                {"anonymous": LOGIN, "program_admin": 303},
                default=403,
            )
        ],
        "learning.authoring_quiz": [
            Case("POST", _authoring("/modules/{module}/quiz"), ADMIN_ONLY_POST, default=403)
        ],
        "learning.authoring_question_new": [
            Case("GET", _authoring("/modules/{module}/questions/new"), ADMIN_ONLY_GET, default=403),
            Case(
                "POST", _authoring("/modules/{module}/questions/new"), ADMIN_ONLY_POST, default=403
            ),
        ],
        "learning.authoring_question": [
            Case("GET", _authoring("/questions/{question}"), ADMIN_ONLY_GET, default=403),
            Case("POST", _authoring("/questions/{question}"), ADMIN_ONLY_POST, default=403),
        ],
    }
)
