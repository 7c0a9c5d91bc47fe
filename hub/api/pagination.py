"""Cursor pagination: ?limit= and ?cursor= (an opaque id), answered as a Page."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable

import sqlalchemy as sa
from pydantic import Field, field_validator

from hub import db
from hub.api.schemas import INT_MAX, Page, Query, refuse, trusted

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_CURSOR_PREFIX = "id:"
LIMIT_SENTENCE = f"The query parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}."
CURSOR_SENTENCE = (
    "The cursor is not valid. Pass the next_cursor of the previous page exactly as "
    "it was given, or leave it out to start from the beginning."
)


def encode_cursor(last_id: int) -> str:
    """An opaque cursor that continues after last_id."""
    raw = f"{_CURSOR_PREFIX}{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not a cursor") from exc
    digits = raw[len(_CURSOR_PREFIX) :]
    if not raw.startswith(_CURSOR_PREFIX) or not digits.isdigit() or int(digits) > INT_MAX:
        raise ValueError("not a cursor")  # (an id no row can have is not one of ours either)
    return int(digits)


class LimitQuery(Query):
    """?limit= alone (a list that continues by something else than a cursor)."""

    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"How many items per page (1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}).",
    )

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, value):
        if isinstance(value, int) and not isinstance(value, bool):
            raw = str(value)
        elif isinstance(value, str):
            raw = value
        else:
            raise refuse(LIMIT_SENTENCE)
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            raise refuse(LIMIT_SENTENCE)
        return int(raw)


class PageQuery(LimitQuery):
    """?limit= and ?cursor=; a list's own filters extend it."""

    cursor: str | None = Field(None, description="The next_cursor of the previous page, as given.")

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value):
        if value is not None:
            try:
                decode_cursor(value)
            except ValueError:
                raise refuse(CURSOR_SENTENCE) from None
        return value

    @property
    def after(self) -> int | None:
        return None if self.cursor is None else decode_cursor(self.cursor)


def paginate(
    stmt: sa.Select,
    id_column,
    serialize: Callable,
    page: PageQuery,
    prepare: Callable[[list], None] | None = None,
    rows: bool = False,
) -> Page:
    """One page of stmt in id order (keyset: WHERE id > cursor).

    One row more than the limit is read, so next_cursor is null exactly on the last page.
    `prepare(rows)`, when given, runs before the rows are serialised (to read what they
    need for the whole page in one query). `rows`: stmt selects columns, read as rows
    without the ORM (db.read), not objects.
    """
    limit, after = page.limit, page.after
    if after is not None:
        stmt = stmt.where(id_column > after)
    stmt = stmt.order_by(None).order_by(id_column).limit(limit + 1)
    found = db.read(stmt).all() if rows else list(db.session.scalars(stmt).unique())
    more = len(found) > limit
    found = found[:limit]
    next_cursor = encode_cursor(getattr(found[-1], id_column.key)) if more else None
    if prepare is not None:
        prepare(found)
    return Page(data=[serialize(row) for row in found], next_cursor=next_cursor)


def page_of(model, items: list, next_cursor: str | None) -> Page:
    """A `Page[model]` of items made with `hub.api.schemas.trusted` from typed rows (a list
    the API answers on every call): neither the items nor the page are validated again,
    and SpecTree, given an instance of the declared model, only serialises it. What such
    a list answers is checked against its declared model in the tests instead
    (tests/hub/api/test_trusted_pages.py), once, not on every request."""
    return trusted(_page_model(model), [{"data": items, "next_cursor": next_cursor}])[0]


@functools.cache
def _page_model(model) -> type[Page]:
    """Page[model], looked up once (pydantic's lookup of a parametrised model costs more
    than constructing the page)."""
    return Page[model]


def paginate_where(
    stmt: sa.Select, id_column, keep: Callable, serialize: Callable, page: PageQuery
) -> Page:
    """paginate(), for a filter only Python can decide: reads on in id order until a page
    (and one more, so next_cursor is null exactly on the last page) is kept."""
    limit, after = page.limit, page.after
    batch = max(limit + 1, 100)
    found: list = []
    more = False
    while not more:
        chunk = stmt if after is None else stmt.where(id_column > after)
        rows = list(db.session.scalars(chunk.order_by(id_column).limit(batch)).unique())
        for row in rows:
            if keep(row):
                if len(found) == limit:
                    more = True
                    break
                found.append(row)
        if len(rows) < batch:
            break
        after = getattr(rows[-1], id_column.key)
    return Page(
        data=[serialize(row) for row in found],
        next_cursor=encode_cursor(getattr(found[-1], id_column.key)) if more else None,
    )
