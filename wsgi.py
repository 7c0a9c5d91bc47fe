"""Entry point for servers: `gunicorn wsgi:app` and `flask --app wsgi …`."""

from hub import create_app, settle_process
from hub.extensions import socketio

app = create_app()
settle_process()  # the app's long-lived objects out of the garbage collector's full passes

__all__ = ["app", "socketio"]
