"""Learning — see ARCHITECTURE.md. This package registers itself with hub through init_app."""

from flask import Flask

from hub.models import OEM_ROLES, PARTNER_ROLES
from hub.registry import NavItem, registry
from learning.assessments import api as assessment_api
from learning.assessments import views as _assessment_views  # noqa: F401  (routes join bp)
from learning.assignments import api as assignment_api
from learning.assignments import jobs as assignment_jobs
from learning.assignments import views as _assignment_views  # noqa: F401  (routes join bp)
from learning.attachments import views as _attachment_views  # noqa: F401  (routes join bp)
from learning.authoring import views as _authoring_views  # noqa: F401  (routes join bp)
from learning.blueprint import bp
from learning.certifications import api as certification_api
from learning.certifications import views as certification_views
from learning.demo import seed_demo
from learning.demo.renewals import seed_renewals
from learning.demo.standing import seed_standing_demo
from learning.paths import api as path_api
from learning.paths import panels as path_panels
from learning.paths import views as _path_views  # noqa: F401  (its routes join bp on import)
from learning.quizzes import views as _quiz_views  # noqa: F401  (its routes join bp on import)
from learning.recognition import api as recognition_api
from learning.recognition import panels as recognition_panels
from learning.recognition import views as _recognition_views  # noqa: F401  (routes join bp)
from learning.standing import api as standing_api
from learning.standing import measures as standing_measures
from learning.standing import views as _standing_views  # noqa: F401  (routes join bp)

LEARNERS = frozenset(r.value for r in (*PARTNER_ROLES, *OEM_ROLES))


def init_app(app: Flask) -> None:
    """Register the blueprint, CLI commands, socket handlers, jobs and hub providers."""
    app.register_blueprint(bp)
    app.register_blueprint(certification_views.verify_bp)
    certification_views.init_app(app)
    path_api.init_app(app)
    certification_api.init_app(app)
    assessment_api.init_app(app)
    assignment_api.init_app(app)
    reg = registry(app)
    reg.nav.append(NavItem("Learning", "learning.dashboard", roles=LEARNERS, order=35))
    reg.panels.append(path_panels.learning_panel)
    reg.demo.append(seed_demo)
    reg.demo.append(seed_renewals)  # after seed_demo: it renews what that one certified
    reg.demo.append(seed_standing_demo)
    standing_api.init_app(app)
    recognition_api.init_app(app)
    reg.standing_measures.append(standing_measures.standing_measures)
    reg.qualifications.append(standing_measures.LearningQualifications())
    reg.person_sections.append(recognition_panels.person_section)
    reg.nav.append(
        NavItem(
            "Standing",
            "learning.standing_index",
            roles=frozenset({"partner_admin", *(r.value for r in OEM_ROLES)}),
            order=36,
            more=True,
        )
    )
    reg.nav.append(
        NavItem("Recognition", "learning.recognition_wall", roles=LEARNERS, order=37, more=True)
    )
    reg.add_job(assignment_jobs.REMINDERS)
