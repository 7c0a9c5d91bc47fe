"""Problem JSON (RFC 9457) for the API: the exception to raise, the error handlers a JSON
blueprint gets, and the sentences pydantic's validation errors are answered with."""

from __future__ import annotations

from flask import Blueprint
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from hub import db
from hub.errors import Conflict, ValidationFailed
from hub.web.errors import problem

NOT_FOUND_DETAIL = "Nothing here: the id is unknown, or it is outside what your account may see."


class ApiProblem(Exception):
    """An API error with its own status and sentence (answered as problem JSON).

    errors (for 409 and 422) are [{"field": name or None, "detail": sentence}].
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        headers: dict | None = None,
        errors: list[dict] | None = None,
    ):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}
        self.errors = errors


def bad_request(detail: str) -> ApiProblem:
    return ApiProblem(400, "Bad Request", detail)


def sentence(text: str) -> str:
    """text as a sentence: capital first letter, closing full stop."""
    text = (text or "").strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def field_errors(exc: ValidationFailed) -> list[dict]:
    """ValidationFailed.problems as [{"field": name or None, "detail": sentence}]."""
    return [
        {"field": field or None, "detail": sentence}
        for field, sentences in exc.problems.items()
        for sentence in sentences
    ]


def summary(errors: list[dict]) -> str:
    return " ".join(sentence(e["detail"]) for e in errors) or "The request can't be accepted."


def register_handlers(bp: Blueprint) -> None:
    bp.register_error_handler(ApiProblem, _api_problem)
    bp.register_error_handler(Conflict, _conflict)
    bp.register_error_handler(ValidationFailed, _validation_failed)
    bp.register_error_handler(PermissionError, _forbidden)
    bp.register_error_handler(HTTPException, _http_error)


def _api_problem(exc: ApiProblem):
    db.rollback_request()
    extra = {} if exc.errors is None else {"errors": exc.errors}
    response = problem(exc.status, exc.title, exc.detail, **extra)
    response.headers.update(exc.headers)
    return response


def _validation_failed(exc: ValidationFailed):
    db.rollback_request()
    errors = field_errors(exc)
    return problem(422, "Unprocessable Content", summary(errors), errors=errors)


def _conflict(exc: Conflict):
    db.rollback_request()
    errors = field_errors(exc)
    return problem(409, "Conflict", summary(errors), errors=errors)


def _forbidden(exc: PermissionError):
    db.rollback_request()
    return problem(403, "Forbidden", sentence(str(exc)) or "Your account may not do this.")


def _http_error(exc: HTTPException):
    db.rollback_request()
    code = exc.code or 500
    detail = NOT_FOUND_DETAIL if code == 404 else (exc.description or exc.name)
    response = problem(code, exc.name, detail)
    if code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


# --- Pydantic's errors as our sentences ------------------------------------------------------

_KIND = {"query": "query parameter", "headers": "header", "form": "field", "json": "field"}


def _choices(error: dict) -> str | None:
    expected = (error.get("ctx") or {}).get("expected")
    return None if expected is None else expected.replace("'", "")


def describe(error: dict, name: str, where: str) -> str:
    """One pydantic error (from ValidationError.errors()) as a sentence about name."""
    kind, ctx = error["type"], error.get("ctx") or {}
    custom = ctx.get("sentence")
    if custom:
        return sentence(custom)
    what = f"The {_KIND[where]} '{name}'" if where != "json" else f"'{name}'"
    if kind == "missing":
        return f"{what} is required." if where != "json" else f"Send '{name}'; it is required."
    if kind == "extra_forbidden":
        return f"Unknown field '{name}'; send only the documented fields."
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"{what} must be a whole number."
    if kind == "greater_than_equal":
        return f"{what} must be {ctx.get('ge')} or more."
    if kind == "less_than_equal":
        return f"{what} must be {ctx.get('le')} or less."
    if kind in {"greater_than", "less_than"}:
        return f"{what} is out of range ({error['msg'].lower()})."
    if kind in {"literal_error", "enum"}:
        return f"{what} must be one of: {_choices(error)}."
    if kind in {"bool_type", "bool_parsing"}:
        return f"Send {name} as true or false."
    if kind in {"string_type"}:
        return f"Send '{name}' as text."
    if kind in {"list_type"}:
        return f"Send '{name}' as a list."
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"Send '{name}' as an object."
    if kind in {"string_too_long"}:
        return f"{what} can be at most {ctx.get('max_length')} characters."
    if kind in {"string_too_short"}:
        return f"{what} can't be empty." if ctx.get("min_length") == 1 else f"{what} is too short."
    if kind == "string_pattern_mismatch":
        return f"{what} is not in the expected form."
    return f"{what}: {sentence(error['msg'])}"


def _where(loc: tuple) -> str:
    """("lines", 0, "amount") -> "lines[1].amount" (items counted from 1, as people do)."""
    text = str(loc[0])
    for part in loc[1:]:
        text += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
    return text


def _name(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) if loc else ""


def out_of_range_problem(where: str, loc: tuple, bound: int) -> ApiProblem:
    """A whole number in the request beyond what the API's numbers hold (32 bits, up to
    bound): a 400 for the query string and headers, a 422 naming the body field."""
    name = str(loc[0])
    what = f"The {_KIND[where]} '{name}'" if where != "json" else f"'{name}'"
    detail = f"{what} must be {bound} or {'less' if bound > 0 else 'more'}."
    if len(loc) > 1:
        detail = f"{_where(loc)}: {detail}"
    if where in {"query", "headers"}:
        return bad_request(detail)
    errors = [{"field": name, "detail": detail}]
    return ApiProblem(422, "Unprocessable Content", summary(errors), errors=errors)


def validation_problem(exc: ValidationError, where: str, model=None) -> ApiProblem:
    """A request that doesn't fit its model: a 400 for the query string and headers (one
    sentence), a 422 with an error per field for a body. Unknown body fields are reported
    first and alone: what else the body says may mean something else than intended."""
    raw = exc.errors(include_url=False)
    unknown = [e for e in raw if e["type"] == "extra_forbidden"]
    known = sorted(getattr(model, "model_fields", {}) or {})
    errors = []
    for error in unknown or raw:
        loc = error["loc"]
        # A body's fields are reported by their top-level name, as the rules report them.
        field = str(loc[0]) if loc else None
        if error["type"] == "extra_forbidden" and known and len(loc) == 1:
            detail = f"Unknown field '{field}'; send only {', '.join(known)}."
        elif len(loc) > 1:
            # Within a list or object: say where, e.g. "lines[1].amount: Send …".
            detail = f"{_where(loc)}: {describe(error, str(loc[-1]), where)}"
        else:
            detail = describe(error, _name(loc), where)
        errors.append({"field": field, "detail": detail})
    if where in {"query", "headers"}:
        return bad_request(" ".join(dict.fromkeys(e["detail"] for e in errors)))
    return ApiProblem(422, "Unprocessable Content", summary(errors), errors=errors)
