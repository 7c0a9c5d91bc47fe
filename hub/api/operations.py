"""One declaration per operation: `@operation(...)` on a plain Flask view.

The pydantic models given for the query string, headers, JSON or form body and each
response are what SpecTree validates the request with, what the view gets (as
`request.context.query`, `.json`, `.form`, `.headers`), what a returned model is
serialised with, and what the OpenAPI document (hub.api.openapi) describes — so the
three can't drift apart:

    @bp.get("/organizations")
    @operation(
        "Organisations you can see",
        query=OrganizationQuery,
        responses={200: (Page[Organization], "One page of organisations.")},
        problems=(400,),
    )
    def list_organizations():
        page = request.context.query
        ...
        return paginate(stmt, Organization.id, Organization.of, page)

A request that doesn't fit is answered as problem JSON: 400 for the query string and
headers, 415/400 for a body that isn't a JSON object, 422 with an error per field for a
body that is (see hub.api.problems).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import abort, g, request
from pydantic import BaseModel
from spectree import Response, SpecTree
from spectree.model_adapter.pydantic_adapter import PydanticModelAdapter

from hub.api.auth import PUBLIC_ATTR
from hub.api.problems import ApiProblem, out_of_range_problem, validation_problem
from hub.api.schemas import INT_MAX, INT_MIN

OPERATION_ATTR = "api_operation"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def component_name(model: Any) -> str:
    """A model's name under components/schemas: Page[Organization] -> PageOfOrganization."""
    name = getattr(model, "__name__", str(model))
    name = name.replace("[", "Of").replace(",", "And")
    return re.sub(r"[^A-Za-z0-9._-]", "", name)


def _out_of_range(value: Any, loc: tuple = ()) -> tuple | None:
    """(*where, number): a whole number beyond 32 bits in value (a model, or JSON as sent)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if INT_MIN <= value <= INT_MAX else (*loc, value)
    if isinstance(value, BaseModel):
        items: Iterable = iter(value)  # its fields, and the extra ones it keeps
    elif isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _out_of_range(item, (*loc, key))
        if found is not None:
            return found
    return None


def _check_numbers() -> None:
    """A validated request with a number no integer column holds: 400 (query) or 422."""
    for where in ("query", "headers", "json", "form"):
        found = _out_of_range(getattr(request.context, where, None))
        if found:
            *loc, number = found
            raise out_of_range_problem(where, tuple(loc), INT_MAX if number > 0 else INT_MIN)


def _before(_req, _resp, error, _instance, _adapter) -> None:
    if error is None:
        _check_numbers()
        return
    models: dict[str, type] = g.get("api_models", {})
    where, model = next(
        (
            (place, model)
            for place, model in models.items()
            if model and model.__name__ == error.title
        ),
        ("json", None),
    )
    raise validation_problem(error, where, model)


def _after(_req, _resp, error, _instance, _adapter) -> None:
    if error is not None:
        # Our bug, not the client's: the answer doesn't fit its own declaration.
        raise RuntimeError(f"an API response does not match its model: {error}")


class _ModelAdapter(PydanticModelAdapter):
    """SpecTree's pydantic adapter, whose errors don't repeat what was sent: SpecTree renders
    them as JSON before _before answers with our problem, and a form field sent as a file
    (bytes, perhaps not even UTF-8) is not JSON."""

    def validation_errors(self, err):
        return err.errors(include_context=False, include_input=False, include_url=False)


spec = SpecTree(
    "flask",
    model_adapter=_ModelAdapter(),
    mode="strict",
    annotations=False,
    before=_before,
    after=_after,
    naming_strategy=component_name,
    nested_naming_strategy=lambda _parent, child: component_name(child),
    title="Partner Hub API",
    version="1",
)


@dataclass
class OperationDoc:
    """What the models can't say: the words, the problems answered, headers, tags."""

    summary: str
    description: str = ""
    problems: tuple[int, ...] = ()
    tags: list[str] | None = None
    response_headers: dict[int, dict] = field(default_factory=dict)
    body_optional: bool = False
    body_description: str = ""
    streamed: dict[int, tuple] = field(default_factory=dict)


def _check_json_body(optional: bool) -> None:
    """A body that is not a JSON object is a 415/400 problem that says what to send."""
    if optional and not request.get_data(cache=True).strip():
        return
    if not request.is_json:
        raise ApiProblem(
            415,
            "Unsupported Media Type",
            "Send the request body as JSON with the header 'Content-Type: application/json'.",
        )
    try:
        data = json.loads(request.get_data(cache=True) or b"")
    except json.JSONDecodeError as exc:
        raise ApiProblem(
            400,
            "Bad Request",
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
        ) from exc
    except ValueError as exc:
        raise ApiProblem(400, "Bad Request", "The request body is not valid UTF-8 JSON.") from exc
    if not isinstance(data, dict):
        raise ApiProblem(
            400, "Bad Request", 'The request body must be a JSON object, like {"name": "…"}.'
        )


def operation(
    summary: str,
    *,
    description: str = "",
    query: type[BaseModel] | None = None,
    json: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    headers: type[BaseModel] | None = None,
    responses: dict[int, Any] | None = None,
    problems: Iterable[int] = (),
    tags: list[str] | None = None,
    response_headers: dict[int, dict] | None = None,
    body_optional: bool = False,
    public: bool = False,
    before: Callable[..., None] | None = None,
    streamed: dict[int, Any] | None = None,
) -> Callable:
    """Declare (and validate) an API operation; see the module docstring.

    responses maps a status to a model, (model, description), or None (no body).
    before(**path_args) runs before the request is validated: a role that may never do
    this gets its 403 before anything else is looked at; a multipart upload gets its size
    limit (and a 415 when it isn't multipart).
    streamed: answers the view streams (a Response): documented, not buffered to be checked.
    """
    doc = OperationDoc(
        summary=summary,
        description=description,
        problems=tuple(problems),
        tags=tags,
        response_headers=response_headers or {},
        body_optional=body_optional,
        streamed={
            status: (model if isinstance(model, tuple) else (model, ""))
            for status, model in (streamed or {}).items()
        },
    )
    for model, _ in doc.streamed.values():
        spec._add_model(model=model, mode="serialization")
    resp = Response(**{f"HTTP_{status}": model for status, model in (responses or {}).items()})
    models = {"query": query, "json": json, "form": form, "headers": headers}

    def wrap(view: Callable) -> Callable:
        validated = spec.validate(query=query, json=json, form=form, headers=headers, resp=resp)(
            view
        )

        @functools.wraps(validated)
        def entry(*args, **kwargs):
            g.api_models = models
            if any(isinstance(v, int) and not 0 <= v <= INT_MAX for v in kwargs.values()):
                abort(404)  # an id no row can have (and that no query may be sent)
            if before is not None:
                before(**kwargs)
            if json is not None and not (form is not None and request.mimetype in FORM_TYPES):
                _check_json_body(body_optional)
            return validated(*args, **kwargs)

        setattr(entry, OPERATION_ATTR, doc)
        if public:
            setattr(entry, PUBLIC_ATTR, True)
        return entry

    return wrap


def operation_doc(view: Callable) -> OperationDoc | None:
    return getattr(view, OPERATION_ATTR, None)


def context():
    """What the request's declared models made of it (query, json, form, headers)."""
    return request.context
