"""Feedback — see ARCHITECTURE.md. This package registers itself with hub through init_app."""

from flask import Flask

from feedback.views import bp


def init_app(app: Flask) -> None:
    """Register the blueprint, CLI commands, socket handlers, jobs and hub providers."""
    app.register_blueprint(bp)
