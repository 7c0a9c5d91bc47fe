"""What the program admin's pages and the audit log read.

The audit log is scoped through hub.policy.audit_events: program admins read every
event, partner admins their own organisation's, everyone else nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from hub import db, policy
from hub.models import AuditEvent, Organization, OutboxMail, Person

DATE_FORMAT = "%Y-%m-%d"


@dataclass
class AuditFilters:
    """What the audit log is narrowed to; every field optional (empty: no filter)."""

    action: str = ""  # events whose action starts with this ("person." …)
    actor: str = ""  # whose e-mail contains this
    organization: str = ""  # an organisation id, or part of its name (program admins only)
    start: str = ""  # YYYY-MM-DD, inclusive
    end: str = ""  # YYYY-MM-DD, inclusive
    problems: list[str] = field(default_factory=list)


def audit_search(viewer: Person, filters: AuditFilters) -> Select:
    """The audit events the viewer may read that match the filters, newest first — a
    statement, for the caller to paginate. A date that can't be read is left out of the
    search and a sentence about it added to filters.problems."""
    stmt = policy.audit_events(viewer).options(selectinload(AuditEvent.actor))
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        stmt = stmt.join(Person, Person.id == AuditEvent.actor_id).where(
            sa.func.lower(Person.email).contains(filters.actor.lower(), autoescape=True)
        )
    org = filters.organization
    if org and policy.is_program_admin(viewer):
        if org.isdigit():
            stmt = stmt.where(AuditEvent.organization_id == int(org))
        else:
            stmt = stmt.where(
                AuditEvent.organization_id.in_(
                    sa.select(Organization.id).where(
                        sa.func.lower(Organization.name).contains(org.lower(), autoescape=True)
                    )
                )
            )
    for label, value, is_start in (("From", filters.start, True), ("To", filters.end, False)):
        if not value:
            continue
        try:
            day = datetime.strptime(value, DATE_FORMAT)
        except ValueError:
            filters.problems.append(f"{label} date must look like 2026-03-31.")
            continue
        stmt = stmt.where(
            AuditEvent.at >= day if is_start else AuditEvent.at < day + timedelta(days=1)
        )
    return stmt.order_by(AuditEvent.id.desc())


def audit_actions(viewer: Person) -> list[str]:
    """The distinct actions among the events the viewer may read, for the filter's list."""
    return list(
        db.session.scalars(
            policy.audit_events(viewer)
            .with_only_columns(AuditEvent.action)
            .distinct()
            .order_by(AuditEvent.action)
        )
    )


@dataclass(frozen=True)
class Actor:
    name: str


@dataclass(frozen=True)
class RecentEvent:
    """An audit event as the dashboard's recent activity shows it (and a feature's audit
    wording reads it): read as a row, not loaded as an object."""

    id: int
    at: datetime
    action: str
    object_type: str
    object_id: str
    summary: str
    organization_id: int | None
    actor_id: int | None
    actor: Actor | None


def _recent_statement(scope: str) -> Select:
    stmt = sa.select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
        AuditEvent.summary,
        AuditEvent.organization_id,
        AuditEvent.actor_id,
        Person.name,
    ).outerjoin(Person, Person.id == AuditEvent.actor_id)
    if (clause := policy.AUDIT_SCOPES[scope]) is not None:
        stmt = stmt.where(clause)
    return stmt.order_by(AuditEvent.id.desc()).limit(sa.bindparam("limit", type_=sa.Integer))


# Built once per scope: the program admin's dashboard runs it on every visit.
_RECENT = {scope: db.prepared(_recent_statement(scope)) for scope in policy.AUDIT_SCOPES}


def recent_audit_events(viewer: Person, limit: int) -> list[RecentEvent]:
    """The newest events the viewer may read, with each actor's name."""
    scope, params = policy.audit_scope(viewer)
    return [
        RecentEvent(*row[:8], Actor(row[8]) if row.actor_id is not None else None)
        for row in db.read(_RECENT[scope], {**params, "limit": limit})
    ]


def outbox() -> Select:
    """Every mail the app wrote, newest first — for the caller to paginate."""
    return sa.select(OutboxMail).order_by(OutboxMail.id.desc())


def outbox_mail(mail_id: int) -> OutboxMail | None:
    return db.session.get(OutboxMail, mail_id)
