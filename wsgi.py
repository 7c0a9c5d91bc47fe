"""Entry point for servers: `gunicorn wsgi:app` and `flask --app wsgi …`."""

from hub import create_app
from hub.extensions import socketio

app = create_app()

__all__ = ["app", "socketio"]
