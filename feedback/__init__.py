"""Feedback — see ARCHITECTURE.md. This package registers itself with hub through init_app."""

from flask import Flask

from feedback.consultations import api as consultations_api
from feedback.consultations import panels as consultation_panels
from feedback.consultations import views as _consultation_views  # noqa: F401  (routes join bp)
from feedback.demo import consultations as consultations_demo
from feedback.demo import ideas as ideas_demo
from feedback.ideas import api as ideas_api
from feedback.ideas import triage_views as _triage_views  # noqa: F401  (its routes join bp)
from feedback.ideas import views as _idea_views  # noqa: F401  (its routes join bp on import)
from feedback.views import bp
from hub.models import Role
from hub.registry import NavItem, registry


def init_app(app: Flask) -> None:
    """Register the blueprint, CLI commands, socket handlers, jobs and hub providers."""
    app.register_blueprint(bp)
    ideas_api.init_app(app)
    reg = registry(app)
    reg.nav.append(NavItem("Ideas", "feedback.idea_board", order=40))
    reg.nav.append(
        NavItem(
            "Triage",
            "feedback.idea_triage",
            roles=frozenset({Role.PRODUCT_MANAGER.value, Role.PROGRAM_ADMIN.value}),
            order=41,
            more=True,
        )
    )
    reg.demo.append(ideas_demo.seed_demo)
    consultations_api.init_app(app)
    reg.nav.append(NavItem("Consultations", "feedback.consultation_list", order=42, more=True))
    reg.panels.append(consultation_panels.consultation_panel)
    reg.demo.append(consultations_demo.seed_demo)
