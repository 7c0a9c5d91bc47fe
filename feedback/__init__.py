"""Feedback — see ARCHITECTURE.md. This package registers itself with hub through init_app."""

from datetime import timedelta

from flask import Flask

from feedback.betas import api as betas_api
from feedback.betas import manage_views as _beta_manage_views  # noqa: F401  (routes join bp)
from feedback.betas import space_views as _beta_space_views  # noqa: F401  (routes join bp)
from feedback.betas import views as beta_views
from feedback.betas.pages import idea_status_listener
from feedback.consultations import api as consultations_api
from feedback.consultations import panels as consultation_panels
from feedback.consultations import views as _consultation_views  # noqa: F401  (routes join bp)
from feedback.demo import betas as betas_demo
from feedback.demo import consultations as consultations_demo
from feedback.demo import ideas as ideas_demo
from feedback.demo import ideas_more as ideas_more_demo
from feedback.field import api as field_api
from feedback.field import views as field_views
from feedback.ideas import api as ideas_api
from feedback.ideas import evidence_views as _evidence_views
from feedback.ideas import fanout as idea_fanout
from feedback.ideas import merge_views as _merge_views  # noqa: F401  (its routes join bp)
from feedback.ideas import shipped_views as _shipped_views  # noqa: F401  (its routes join bp)
from feedback.ideas import triage_views as _triage_views  # noqa: F401  (its routes join bp)
from feedback.ideas import views as _idea_views  # noqa: F401  (its routes join bp on import)
from feedback.ideas.moves import LISTENERS as IDEA_STATUS_LISTENERS
from feedback.ideas.views import IDEA_SECTIONS
from feedback.views import bp
from hub.models import Role
from hub.registry import Job, NavItem, registry


def init_app(app: Flask) -> None:
    """Register the blueprint, CLI commands, socket handlers, jobs and hub providers."""
    app.register_blueprint(bp)
    ideas_api.init_app(app)
    betas_api.init_app(app)
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
    # Status changes told after the request whose process died mid-way (fanout.py).
    reg.add_job(Job("feedback.ideas-fanout", timedelta(minutes=1), idea_fanout.finish_pending))
    reg.nav.append(NavItem("Betas", "feedback.beta_list", order=42, more=True))
    reg.demo.append(betas_demo.seed_demo)
    # Moving an idea to "in beta" invites its voters to the programs linked to it.
    app.extensions.setdefault(IDEA_STATUS_LISTENERS, []).append(idea_status_listener)
    app.extensions.setdefault(IDEA_SECTIONS, []).append(beta_views.idea_section)
    reg.nav.append(NavItem("Shipped from your ideas", "feedback.idea_shipped", order=43, more=True))
    reg.nav.append(NavItem("Field intelligence", "feedback.field_list", order=44, more=True))
    reg.message_actions.append(_evidence_views.message_actions)
    field_views.init_app(app)
    field_api.init_app(app)
    reg.demo.append(ideas_more_demo.seed_demo)
    consultations_api.init_app(app)
    reg.nav.append(NavItem("Consultations", "feedback.consultation_list", order=45, more=True))
    reg.panels.append(consultation_panels.consultation_panel)
    reg.demo.append(consultations_demo.seed_demo)
