"""Campaigns — see ARCHITECTURE.md. This package registers itself with hub through init_app."""

from datetime import timedelta

from flask import Flask

from campaigns.cli import campaigns_cli, close_period_job
from campaigns.views import bp
from hub.registry import Job, registry


def init_app(app: Flask) -> None:
    """Register the blueprint, CLI commands, socket handlers, jobs and hub providers."""
    app.register_blueprint(bp)
    app.cli.add_command(campaigns_cli)
    registry(app).add_job(Job("campaigns.close-period", timedelta(days=1), close_period_job))
