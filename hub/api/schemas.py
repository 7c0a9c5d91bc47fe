"""The shapes every API shares: problems, pages, times, money and references."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

import sqlalchemy as sa
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hub import db

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

UtcTime = Annotated[
    str, Field(json_schema_extra={"format": "date-time", "examples": ["2026-03-01T09:30:00Z"]})
]
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]
Email = Annotated[str, Field(json_schema_extra={"format": "email"})]
Money = Annotated[
    str, Field(pattern=r"^-?\d+\.\d{2}$", json_schema_extra={"examples": ["3000.00"]})
]
MONEY_IN_DESCRIPTION = 'A decimal amount as text, e.g. "1500.00" (never a JSON number).'


def iso_utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with a Z, e.g. 2026-03-01T09:30:00Z."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def _cut(column, start: int, length: int):
    return sa.func.substr(
        column, sa.literal_column(str(start)), sa.literal_column(str(length)), type_=sa.String()
    )


iso_utc_text = db.per_database(
    "iso_utc_text",
    """A stored (naive UTC) time column as iso_utc writes it, made by the database — for a
    list's rows, without a datetime made and formatted per row in Python: on SQLite the
    stored text ("2026-03-01 09:30:00.123456", SQLAlchemy's format) cut and joined, on
    PostgreSQL to_char. Both drop a fraction of a second, as iso_utc does, never round it
    (tests/hub/api/test_trusted_pages.py holds the two to iso_utc).""",
    lambda column: (
        _cut(column, 1, 10)
        + sa.literal_column("'T'", sa.String())
        + _cut(column, 12, 8)
        + sa.literal_column("'Z'", sa.String())
    ),
    lambda column: sa.func.to_char(
        column, sa.literal_column("""'YYYY-MM-DD"T"HH24:MI:SS"Z"'"""), type_=sa.String()
    ),
    sa.String(),
)


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def refuse(sentence: str) -> PydanticCustomError:
    """Raise from a validator: the field's problem, answered with this sentence as it is."""
    return PydanticCustomError("api_sentence", "{sentence}", {"sentence": sentence})


def list_only(field: str, sentence: str) -> Any:
    """A model's validator for `field`: a value sent that is not a JSON list is refused with
    `sentence` (say what shape to send) before pydantic looks at the items."""

    def check(cls, value):
        if value is not None and not isinstance(value, list):
            raise refuse(sentence)
        return value

    return field_validator(field, mode="before")(check)


# The whole numbers a request may carry are 32-bit ones (the document says "format":
# "int32"): ids, counts and sequence numbers live in integer columns, which on PostgreSQL
# hold no more, and a larger number must not reach a query.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

# A JSON type, what Python takes for it, and pydantic's error type (hub.api.problems words it).
# A number may come as text too: the services read what forms send, and say what's wrong.
_JSON_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "string": ((str,), "string_type"),
    "integer": ((int, str), "int_type"),
    "number": ((int, float, str), "float_type"),
    "boolean": ((bool,), "bool_type"),
    "array": ((list,), "list_type"),
    "object": ((dict,), "dict_type"),
}


def _is_a(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, not to JSON
        return bool in types
    return isinstance(value, types)


def _check_int_text(value: str) -> None:
    """A whole number sent as text is held to 32 bits as well (the service reads the rest)."""
    try:
        number = int(value.strip())
    except ValueError:
        return
    if number > INT_MAX:
        raise PydanticCustomError("less_than_equal", "too large", {"le": INT_MAX})
    if number < INT_MIN:
        raise PydanticCustomError("greater_than_equal", "too small", {"ge": INT_MIN})


def _json_type_check(schema: dict):
    """A before-validator: the value is of (one of) the schema's JSON types, or null."""
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else list(declared or [])
    kinds = [_JSON_TYPES[name] for name in names if name in _JSON_TYPES]

    def check(value: Any) -> Any:
        if value is None or not kinds:
            return value  # absent and null are the service's to judge, as on the pages
        if not any(_is_a(value, types) for types, _ in kinds):
            raise PydanticCustomError(
                kinds[0][1], "Input should be a valid {expected}", {"expected": names[0]}
            )
        if isinstance(value, str) and "string" not in names:
            _check_int_text(value)
        return value

    return check


def loose(schema: dict) -> Any:
    """A body field whose rules (and sentences) belong to the service the pages share: the
    document shows `schema`, the value is handed on as sent, and the service says what is
    wrong with it (all fields at once, as the forms do). Only its JSON type is checked here
    (a 422 like any other field's), and a whole number's 32 bits: the services are written
    for what forms send, text, and an object where they expect text must not reach them."""
    return Annotated[Any, BeforeValidator(_json_type_check(schema)), WithJsonSchema(schema)]


def file_part(schema: dict) -> Any:
    """A multipart file part (or several under one name): the view reads it from
    request.files and hub.uploads checks the bytes; here it is only documented."""
    return Annotated[Any, WithJsonSchema(schema)]


_set = object.__setattr__


@functools.cache
def _constructible(model: type[BaseModel]) -> bool:
    """Whether model_construct would set nothing but the values given: no private
    attributes, no post-init hook, no extra fields kept, not a root model."""
    return not (
        model.__pydantic_root_model__
        or model.__pydantic_post_init__
        or model.__private_attributes__
        or model.model_config.get("extra") == "allow"
    )


def trusted(model: type[M], values_of_each: Iterable[dict]) -> list[M]:
    """`[model.model_construct(**values) for values in values_of_each]`, nothing validated,
    at a fraction of its cost — for values that are exactly the model's fields, in their
    order (model_construct looks up every field's aliases and default, item after item,
    to end with the same four attributes). For what a list answers on every call, built
    from typed rows: tests/hub/api/test_trusted_pages.py checks those answers against
    their models, and that this makes what model_construct makes."""
    if not _constructible(model):
        raise TypeError(f"{model.__name__} has more than its fields to construct")
    new = model.__new__
    items = []
    for values in values_of_each:
        item = new(model)
        _set(item, "__dict__", values)
        _set(item, "__pydantic_fields_set__", set(values))
        _set(item, "__pydantic_extra__", None)
        _set(item, "__pydantic_private__", None)
        items.append(item)
    return items


class Output(BaseModel):
    """A response shape: built by the API from the rules' objects, never from the client."""

    model_config = ConfigDict(extra="forbid")


class Input(BaseModel):
    """A request body: unknown fields are refused, one error each, and JSON types are
    taken as sent ("4" is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """A query string: an empty parameter (?kind=) counts as absent; unknown ones are ignored."""

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v not in ("", None)}
        return data


class NamedRef(Output):
    """Another object, by id and name."""

    id: int
    name: str

    @classmethod
    def of(cls, obj) -> NamedRef | None:
        return None if obj is None else cls(id=obj.id, name=obj.name)


class FieldError(BaseModel):
    field: str | None = Field(
        description="The body field concerned; null when it is about the whole request."
    )
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem: every error of the API is answered with one."""

    model_config = ConfigDict(title="Problem")

    type: str = Field(json_schema_extra={"format": "uri-reference", "examples": ["about:blank"]})
    title: str = Field(examples=["Not Found"])
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="A sentence saying what went wrong and what to do.")
    instance: str | None = Field(None, description="The path that was requested.")
    request_id: str | None = Field(
        None, description="Quote it to support; the server log carries it too."
    )
    errors: list[FieldError] | None = Field(
        None, description="For 409 and 422: one entry per problem, by field."
    )


class Page(BaseModel, Generic[T]):
    """One page of a list, in id order."""

    data: list[T]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page."
    )


def one_of(values) -> Any:
    """A Literal of an enum's values (or any strings): validated, and listed in the document."""
    return Literal[tuple(v.value if hasattr(v, "value") else v for v in values)]
