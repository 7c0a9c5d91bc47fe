"""Campaigns — see ARCHITECTURE.md. This package registers itself with hub through init_app."""

from datetime import timedelta

from flask import Flask

from campaigns.cli import campaigns_cli, close_period_job, proposals_job
from campaigns.coop import api, providers
from campaigns.coop import data_views as _coop_data_views  # noqa: F401  (its routes join bp on import)
from campaigns.coop.data_api import init_app as init_coop_data_api
from campaigns.coop.views import bp
from campaigns.demo import proposals as proposal_demo
from campaigns.proposals import api as proposal_api
from campaigns.proposals import events as proposal_events
from campaigns.proposals import panels as proposal_panels
from campaigns.proposals import views as _proposal_views  # noqa: F401  (its routes join bp on import)
from hub.registry import Job, NavItem, registry


def init_app(app: Flask) -> None:
    """Register the blueprint, CLI commands, socket handlers, jobs and hub providers."""
    app.register_blueprint(bp)
    api.init_app(app)
    init_coop_data_api(app)
    proposal_api.init_app(app)
    app.cli.add_command(campaigns_cli)
    proposal_events.init_app(app)
    reg = registry(app)
    reg.add_job(Job("campaigns.close-period", timedelta(days=1), close_period_job))
    reg.add_job(Job("campaigns.proposals", timedelta(hours=6), proposals_job))
    reg.nav.append(NavItem("Campaigns", "campaigns.proposal_list", order=25))
    reg.nav.append(NavItem("Co-op funds", "campaigns.coop", order=30))
    reg.panels.append(providers.coop_panel)
    reg.panels.append(proposal_panels.proposal_panels)
    reg.context.append(providers.coop_facts)
    reg.link_kinds.append("campaign")
    reg.demo.append(providers.seed_demo)
    reg.demo.append(proposal_demo.seed_demo)
