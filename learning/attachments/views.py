"""A module's attachment, served to signed-in people (the learning blueprint requires a
sign-in); a file id of another module is a 404."""

from __future__ import annotations

from flask import request, send_file

from hub.web.pages import stored_path_or_404
from learning.attachments import service
from learning.blueprint import bp


@bp.get("/modules/<int:module_id>/attachments/<int:attachment_id>")
def module_attachment(module_id: int, attachment_id: int):
    stored = service.get_or_404(module_id, attachment_id).file
    response = send_file(
        stored_path_or_404(stored.path),
        mimetype=stored.content_type,
        download_name=stored.filename,
        as_attachment=request.args.get("download") == "1",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
