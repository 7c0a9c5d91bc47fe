"""Files over HTTP: the blueprint that serves a conversation's files (to a signed-in
browser or an API token). The size limits of the requests that upload them are
hub.web.pages' (`allow_files`, `accepts_files`, `too_large_sentence`).
"""

from __future__ import annotations

from flask import Blueprint, abort, g, request, send_file
from flask_login import current_user

from hub.accounts import service as accounts
from hub.api import AUTH_INVALID_DETAIL
from hub.conversations import attachments
from hub.extensions import login_manager
from hub.web.errors import problem
from hub.web.pages import stored_path_or_404

# Their own blueprint: a file is fetched by a signed-in browser (the page's <img>, a link)
# or by an integration with its API token, so one URL serves both.
files_bp = Blueprint("conversation_files", __name__)
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@files_bp.before_request
def _file_viewer():
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        # A token decides alone when it is sent, as on sockets: the cookie is ignored.
        person = accounts.person_for_api_token(secret.strip())
        if person is None:
            response = problem(401, "Unauthorized", AUTH_INVALID_DETAIL)
            response.headers["WWW-Authenticate"] = (
                'Bearer realm="Partner Hub", error="invalid_token"'
            )
            return response
        g._login_user = person
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@files_bp.get("/conversations/<int:conversation_id>/files/<int:file_id>")
def attachment(conversation_id: int, file_id: int):
    """A conversation's file: images inline, PDFs as a download; 404 outside your scope."""
    file = attachments.find_attachment(current_user, conversation_id, file_id)
    if file is None:
        abort(404)
    path = stored_path_or_404(file.path)
    if not path.exists():
        abort(404)
    is_image = file.content_type.startswith("image/")
    response = send_file(
        path,
        mimetype=file.content_type,
        as_attachment=not is_image,  # images show inline (still named for "Save as…")
        download_name=file.filename,
        conditional=True,
        etag=file.sha256[:32],
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    # Behind the access check: browsers may keep it, shared caches must not.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
