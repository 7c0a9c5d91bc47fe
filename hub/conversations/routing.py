"""Whom a new conversation goes to: the channel manager covering the partner (or the
channel team's queue), or — when the partner asks a product expert about a product line —
that line's product manager.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from hub import db
from hub.models import (
    Organization,
    Person,
    ProductLine,
    ProductLineManager,
    Role,
    TerritoryAssignment,
)


def covering_channel_manager(organization: Organization) -> Person | None:
    """The active channel manager covering the organisation, or the nearest organisation
    above it; None when nobody does (the conversation then waits in the team's queue)."""
    chain = [int(part) for part in organization.path.strip("/").split("/") if part]
    if not chain:
        chain = [organization.id]
    rows = db.session.execute(
        sa.select(TerritoryAssignment.organization_id, Person)
        .join(Person, Person.id == TerritoryAssignment.channel_manager_id)
        .where(
            TerritoryAssignment.organization_id.in_(chain),
            Person.active.is_(True),
            Person.role == Role.CHANNEL_MANAGER,
        )
        .order_by(Person.id)
    ).all()
    for org_id in reversed(chain):  # the organisation itself first, then upwards
        for covered, person in rows:
            if covered == org_id:
                return person
    return None


def product_experts(line: ProductLine) -> list[Person]:
    """The active product managers of a product line, by name — the first one is whom
    “Ask a product expert” reaches."""
    return list(
        db.session.scalars(
            sa.select(Person)
            .join(ProductLineManager, ProductLineManager.person_id == Person.id)
            .where(
                ProductLineManager.product_line_id == line.id,
                Person.active.is_(True),
                Person.role == Role.PRODUCT_MANAGER,
            )
            .order_by(Person.name, Person.id)
        )
    )


@dataclass(frozen=True)
class Named:
    """An id and a name: all the "Ask a product expert" panel shows of a line or a person."""

    id: int
    name: str


# The product managers of the lines: without the IN, SQLite (no statistics) starts from
# the person table — 20,000 rows scanned for the role, 3.7 ms — rather than from the few
# product_line_manager rows (0.02 ms); PostgreSQL plans both alike.
_EXPERTS = sa.and_(
    Person.id.in_(sa.select(ProductLineManager.person_id)),
    Person.active.is_(True),
    Person.role == Role.PRODUCT_MANAGER,
)

# Built once: every partner's dashboard runs it (docs/performance.md, "Core rows").
_EXPERT_LINES = db.prepared(
    sa.select(ProductLine.id, ProductLine.name, Person.id, Person.name)
    .join(ProductLineManager, ProductLineManager.product_line_id == ProductLine.id)
    .join(Person, Person.id == ProductLineManager.person_id)
    .where(_EXPERTS)
    .order_by(ProductLine.name, ProductLine.id, Person.name, Person.id)
)


def expert_lines() -> list[tuple[Named, list[Named]]]:
    """lines_with_experts() as the dashboard panel shows it: each line's and product
    manager's id and name, read as rows in one statement (no objects, no eager loads)."""
    lines: dict[int, tuple[Named, list[Named]]] = {}
    for line_id, line_name, person_id, person_name in db.read(_EXPERT_LINES):
        lines.setdefault(line_id, (Named(line_id, line_name), []))[1].append(
            Named(person_id, person_name)
        )
    return list(lines.values())


def lines_with_experts() -> list[tuple[ProductLine, list[Person]]]:
    """Every product line with its active product managers (lines without one left out),
    by name: what a partner may ask a product expert about."""
    rows = db.session.execute(
        sa.select(ProductLine, Person)
        .join(ProductLineManager, ProductLineManager.product_line_id == ProductLine.id)
        .join(Person, Person.id == ProductLineManager.person_id)
        .where(_EXPERTS)
        .order_by(ProductLine.name, ProductLine.id, Person.name, Person.id)
    ).all()
    lines: dict[int, tuple[ProductLine, list[Person]]] = {}
    for line, person in rows:
        lines.setdefault(line.id, (line, []))[1].append(person)
    return list(lines.values())
