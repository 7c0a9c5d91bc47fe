"""Flask extensions, created unbound here and bound to the app in the factory."""

from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

login_manager = LoginManager()
socketio = SocketIO()
csrf = CSRFProtect()
htmx = Htmx()
