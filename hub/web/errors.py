"""Error pages and problem JSON: every failure gets a clear answer and rolls back whole."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import Forbidden, HTTPException, InternalServerError, RequestEntityTooLarge

from hub import db
from hub.web.pages import too_large_page

log = logging.getLogger(__name__)

PROBLEM_TYPE = "about:blank"
# A refusal that gives no reason of its own still says what happened and where to go.
FORBIDDEN_SENTENCE = (
    "Your account may not open this page or do this here. "
    "Your dashboard shows what your role can do."
)


def wants_problem_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
        and not request.headers.get("HX-Request")
    )


def problem(status: int, title: str, detail: str = "", **extra):
    """An RFC 9457 problem response."""
    body = {
        "type": extra.pop("type", PROBLEM_TYPE),
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
        "request_id": g.get("request_id", ""),
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _sentence(exc: HTTPException) -> str:
    """The sentence under an error page's heading: the abort's own reason, or ours in place
    of the framework's default text for a refusal."""
    if isinstance(exc, Forbidden) and exc.description in ("", Forbidden.description):
        return FORBIDDEN_SENTENCE
    return exc.description or ""


def init_app(app: Flask) -> None:
    @app.errorhandler(PermissionError)
    def _refused(exc: PermissionError):
        """A rule refused this account: a 403 with the rule's sentence."""
        return _http_error(Forbidden(str(exc) or FORBIDDEN_SENTENCE))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        db.rollback_request()
        if request_ctx.url_adapter is None:  # a Host outside HUB_TRUSTED_HOSTS: no URLs to build
            return app.response_class(
                "This host name is not served here (see HUB_TRUSTED_HOSTS).\n",
                status=exc.code or 400,
                mimetype="text/plain",
            )
        if isinstance(exc, RequestEntityTooLarge) and not wants_problem_json():
            page = too_large_page()  # the form again, with the product's sentence
            if page is not None:
                return page
        if wants_problem_json():
            response = problem(exc.code or 500, exc.name, _sentence(exc))
        else:
            page = render_template("hub/web/error.html", error=exc, sentence=_sentence(exc))
            response = app.make_response((page, exc.code or 500))
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.rollback_request()
        log.exception("unhandled error rid=%s", g.get("request_id", "-"))
        error = InternalServerError(
            "Something went wrong on our side and nothing was saved. "
            "If it keeps happening, quote the reference below to support."
        )
        if wants_problem_json():
            return problem(500, error.name, error.description)
        page = render_template("hub/web/error.html", error=error, sentence=error.description)
        return page, 500
