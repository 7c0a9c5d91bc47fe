"""Partner Hub's core: the app factory and everything the feature packages stand on."""

from __future__ import annotations

import gc
import importlib
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hub import cli, config, db, logs, registry
from hub.accounts import settings_views  # noqa: F401 — its routes join the hub blueprint
from hub.accounts import views as auth
from hub.admin import views as admin_views
from hub.calls import events as call_events
from hub.config import FEATURES, ROOT
from hub.conversations import api as conversations_api
from hub.conversations import events as chat_events
from hub.conversations import views as conversations_web
from hub.directory import api
from hub.directory import views as directory_views
from hub.extensions import csrf, htmx, login_manager, socketio
from hub.realtime import events as realtime_events
from hub.standing import views as _standing_views  # noqa: F401 — its routes join the hub blueprint
from hub.web import blueprint, pages
from hub.web import csrf as web_csrf
from hub.web import errors as errors_web
from hub.web import views as web_views
from hub.web.sessions import KeptSerializerSessions
from hub.web.urls import HubFlask

__all__ = ["FEATURES", "ROOT", "create_app", "settle_process"]


def create_app(overrides: dict | None = None, *, bind=None) -> Flask:
    """Build the app: config, database, extensions, blueprints, features. No side effects."""
    app = HubFlask(
        __name__,
        instance_path=str(
            (overrides or {}).get("INSTANCE_PATH")
            or os.environ.get("HUB_INSTANCE_PATH")
            or ROOT / "instance"
        ),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load_config(app, overrides)
    app.session_interface = KeptSerializerSessions()
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    logs.configure()
    logs.request_lines(app)  # registered first, so its after_request runs after the commit
    db.init_app(app, bind=bind)
    registry.init_app(app)

    login_manager.init_app(app)
    app.before_request(pages.upload_limit)  # before the CSRF check reads the form
    csrf.init_app(app)
    web_csrf.protect_writes(app, csrf)  # the check itself (Flask-WTF's hook is off: see there)
    htmx.init_app(app)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"),
        max_http_buffer_size=1_000_000,
        logger=False,
        engineio_logger=False,
    )

    realtime_events.init_app(app)
    conversations_web.init_app(app)
    conversations_api.init_app(app)
    chat_events.init_app(app)
    call_events.init_app(app)

    pages.init_app(app)
    auth.init_app(app)
    # The pages of the `hub` blueprint come from four capabilities; each adds its
    # navigation, then the blueprint (with all their routes) is registered once.
    web_views.init_app(app)
    directory_views.init_app(app)
    admin_views.init_app(app)
    blueprint.init_app(app)
    api.init_app(app)
    errors_web.init_app(app)
    cli.init_app(app)

    for name in FEATURES:
        importlib.import_module(name).init_app(app)
    return app


def settle_process() -> None:
    """In a process that will serve the app for its lifetime (wsgi.py; the benchmarks that
    measure in process), once the app is built: what exists now — the modules, the app,
    its models' metadata and mappers, some 300,000 objects, all living as long as the
    process — is frozen out of the cyclic garbage collector's view (`gc.freeze`). Its
    full passes then walk only what requests made: one such pass over the whole heap
    took ~150 ms on a 2-core VM, once every few hundred requests, with every thread of the
    process waiting on it (docs/performance.md, "The garbage collector"). Garbage made
    before is collected first, so nothing that was already garbage is kept."""
    gc.collect()
    gc.freeze()
