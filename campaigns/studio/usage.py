"""Which partners use which templates: each output downloaded or attached to a campaign
is recorded (previews are not), and the program admin reads it back per template —
the organisations, how many times each, and when last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from campaigns.studio.models import StudioUsage, UsageAction
from hub import db
from hub.models import Organization, Person

IMAGE, DECK = "image", "deck"


def record(person: Person, kind: str, template_key: str, action: UsageAction, fmt: str = ""):
    """Count one use by the person's organisation (flushed with the caller's change)."""
    if person.organization_id is None:
        return None
    row = StudioUsage(
        kind=kind,
        template_key=template_key,
        organization_id=person.organization_id,
        action=action,
        fmt=fmt,
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class Use:
    organization: Organization
    downloads: int
    attachments: int
    last_used: datetime


def uses(kind: str, template_key: str) -> list[Use]:
    """The organisations that used one template, the most recent first."""
    downloads = sa.func.sum(sa.case((StudioUsage.action == UsageAction.DOWNLOAD, 1), else_=0))
    attaches = sa.func.sum(sa.case((StudioUsage.action == UsageAction.ATTACH, 1), else_=0))
    last = sa.func.max(StudioUsage.used_at)
    rows = db.session.execute(
        sa.select(StudioUsage.organization_id, downloads, attaches, last)
        .where(StudioUsage.kind == kind, StudioUsage.template_key == template_key)
        .group_by(StudioUsage.organization_id)
        .order_by(last.desc())
    ).all()
    ids = [row[0] for row in rows]
    organizations = {
        o.id: o for o in db.session.scalars(sa.select(Organization).where(Organization.id.in_(ids)))
    }
    return [Use(organizations[org], int(d or 0), int(a or 0), at) for org, d, a, at in rows]


def totals() -> dict[tuple[str, str], int]:
    """How many uses each template has had, by (kind, key)."""
    rows = db.session.execute(
        sa.select(StudioUsage.kind, StudioUsage.template_key, sa.func.count()).group_by(
            StudioUsage.kind, StudioUsage.template_key
        )
    )
    return {(kind, key): count for kind, key, count in rows}
