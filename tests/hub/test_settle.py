"""The served process (wsgi.py) settles once its app is built (hub.settle_process): what
exists then is frozen out of the garbage collector's full passes, so a full pass walks what
requests made, not the whole program — and the app still serves. In a fresh interpreter,
as gunicorn imports wsgi.py."""

from __future__ import annotations

import os
import subprocess
import sys

from hub.config import ROOT

_PROBE = """
import gc, wsgi
frozen, tracked = gc.get_freeze_count(), len(gc.get_objects())
client = wsgi.app.test_client()
print(frozen, tracked, client.get("/healthz").status_code)
"""


def test_the_served_process_freezes_what_its_app_built(tmp_path):
    env = {**os.environ, "HUB_INSTANCE_PATH": str(tmp_path)}
    env.pop("HUB_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    frozen, tracked, status = map(int, out.stdout.split()[-3:])
    assert frozen > 50_000  # the modules, the app, its metadata and mappers
    assert tracked < frozen / 10  # what a full pass still walks: next to nothing yet
    assert status == 200  # and it serves
