"""The baseline: a bare Flask app with one route, served exactly like the hub.

Every page figure is reported as a ratio against this app measured in the same run, so
the numbers say how much the hub costs on top of Flask + gunicorn on this machine.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
