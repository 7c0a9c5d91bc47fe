"""The audit log: every state change records who, what, when and before → after.

Events are append-only — the ORM refuses to update or delete one, and the migration
adds database triggers that refuse it too.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from hub import bulk, db
from hub.db import utcnow
from hub.models import AuditEvent


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove a row of an append-only table."""


APPEND_ONLY: set[type] = {AuditEvent}


def register_append_only(model: type) -> None:
    """Declare a model whose rows may be inserted but never updated or deleted."""
    APPEND_ONLY.add(model)


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, _context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if type(obj) in APPEND_ONLY and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError(f"{type(obj).__name__} rows are append-only")


def jsonable(value):
    """Turn a model value into something JSON can hold, keeping money exact as a string."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj, fields) -> dict:
    """The named fields of obj as a JSON-safe dict, for before/after."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def record(
    action: str,
    obj=None,
    *,
    object_type: str | None = None,
    object_id=None,
    organization_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
    actor=None,
) -> AuditEvent:
    """Add an audit event for a state change in the current transaction."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if obj is not None:
        # A model's name, or the model a read-only view of a row stands for (SignedIn: Person).
        kind = getattr(obj, "audit_type", None) or type(obj).__name__
        object_type = object_type or kind
        object_id = object_id if object_id is not None else getattr(obj, "id", "")
        if organization_id is None:
            organization_id = getattr(obj, "organization_id", None)
            if organization_id is None and kind == "Organization":
                organization_id = obj.id
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    audit_event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        organization_id=organization_id,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        summary=summary[:300],
        before=before,
        after=after,
        request_id=g.get("request_id", "") if has_request_context() else "",
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(audit_event)
    return audit_event


# The columns `record_many` writes, in the order of its rows.
EVENT_COLUMNS = (
    "at", "actor_id", "organization_id", "action", "object_type", "object_id", "summary",
    "before", "after", "request_id", "ip",
)  # fmt: skip


def record_many(action: str, object_type: str, events: list[dict], *, actor=None) -> None:
    """Many audit events of one action in one multi-row INSERT — for bulk work (an import
    chunk touching hundreds of accounts), where `record`'s one object per event costs more
    than the work. Each dict: object_id, organization_id, summary, and before/after."""
    if not events:
        return
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    request_id = g.get("request_id", "") if has_request_context() else ""
    ip = (request.remote_addr or "") if has_request_context() else ""
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    # Each row a tuple of EVENT_COLUMNS' values (no dict per event to build and read back).
    rows = [
        (now, actor_id, e.get("organization_id"), action, object_type,
         str(e.get("object_id", "")), e.get("summary", "")[:300], e.get("before"),
         e.get("after"), request_id, ip)
        for e in events
    ]  # fmt: skip
    bulk.insert_rows(AuditEvent.__table__, EVENT_COLUMNS, rows)


def record_change(action: str, obj, *, before: dict, after: dict, **details) -> AuditEvent | None:
    """Record a change only when before and after differ: a save that changed nothing
    leaves no event."""
    if after == before:
        return None
    return record(action, obj, before=before, after=after, **details)
