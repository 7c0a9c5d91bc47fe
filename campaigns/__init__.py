"""Campaigns — see ARCHITECTURE.md. This package registers itself with hub through init_app."""

from datetime import timedelta

from flask import Flask

from campaigns import api, providers
from campaigns.cli import campaigns_cli, close_period_job
from campaigns.views import bp
from hub.registry import Job, NavItem, registry


def init_app(app: Flask) -> None:
    """Register the blueprint, CLI commands, socket handlers, jobs and hub providers."""
    app.register_blueprint(bp)
    api.init_app(app)
    app.cli.add_command(campaigns_cli)
    reg = registry(app)
    reg.add_job(Job("campaigns.close-period", timedelta(days=1), close_period_job))
    reg.nav.append(NavItem("Co-op funds", "campaigns.coop", order=30))
    reg.panels.append(providers.coop_panel)
    reg.context.append(providers.coop_facts)
    reg.demo.append(providers.seed_demo)
