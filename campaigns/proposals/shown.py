"""The proposal as its page reads it: one prepared read made into read-only rows (hub.plain).

The proposal page is read far more often than a proposal changes, and loading it as ORM
objects (the proposal, its organisation and tier, its category, each budget line: five
entities or more into the identity map) cost the page more than its SQL did
(docs/performance.md, "Figures, session 13"). `ShownProposal` carries the same columns and
those four relationships as plain values, read by one statement on the same conditions
as `permissions.get_visible` (`ONE_FOR_OEM`, `ONE_FOR_PARTNER`), so the page sees exactly
what the ORM read would.

The steps that change a proposal lock and load the ORM `Proposal` (`get_visible(...,
lock=True)`), never this. Setting an attribute raises; anything else a `Proposal` has (its
hold) is read from the ORM row, loaded on first use: slower, never different.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from campaigns.proposals.models import ActivityCategory, BudgetLine, Proposal, ProposalStatus
from campaigns.proposals.permissions import ONE_FOR_OEM, ONE_FOR_PARTNER, one_visible
from hub import db
from hub.accounts.identity import (
    ORGANIZATION_COLUMNS,
    TIER_COLUMNS,
    OrganizationRow,
    organization_from,
    with_organization,
)
from hub.models import Person
from hub.plain import PlainRow

PROPOSAL_COLUMNS = tuple(Proposal.__table__.columns)
CATEGORY_COLUMNS = tuple(ActivityCategory.__table__.columns)
LINE_COLUMNS = tuple(BudgetLine.__table__.columns)


class ShownCategory(PlainRow):
    """A proposal's activity category as plain values."""

    _fields = tuple(column.key for column in CATEGORY_COLUMNS)
    __slots__ = _fields
    _model = ActivityCategory
    audit_type = "ActivityCategory"


class ShownLine(PlainRow):
    """One budget line as plain values."""

    _fields = tuple(column.key for column in LINE_COLUMNS)
    __slots__ = _fields
    _model = BudgetLine
    audit_type = "BudgetLine"
    description: str
    amount: Decimal


class ShownProposal(PlainRow):
    """A proposal, its organisation (and tier), its category and its budget lines (in their
    order), read-only; equal to its ORM row either way round."""

    _fields = (*(column.key for column in PROPOSAL_COLUMNS), "organization", "category", "lines")
    __slots__ = _fields
    _model = Proposal
    audit_type = "Proposal"
    id: int
    organization_id: int
    title: str
    status: ProposalStatus
    starts_on: date
    ends_on: date
    submitted_at: datetime | None
    organization: OrganizationRow
    category: ShownCategory
    lines: tuple[ShownLine, ...]

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.title!r} {self.status.value}>"


COLUMNS = (
    *PROPOSAL_COLUMNS, *ORGANIZATION_COLUMNS, *TIER_COLUMNS, *CATEGORY_COLUMNS, *LINE_COLUMNS,
)  # fmt: skip
_ORG_AT = len(PROPOSAL_COLUMNS)
_CATEGORY_AT = _ORG_AT + len(ORGANIZATION_COLUMNS) + len(TIER_COLUMNS)
_LINE_AT = _CATEGORY_AT + len(CATEGORY_COLUMNS)


def _shown(*conditions) -> sa.Select:
    """The proposal joined as the ORM's `get_visible` joins it (organisation, its tier,
    category, budget lines in order): one row per line, or one with no line."""
    return db.prepared(
        with_organization(sa.select(*COLUMNS), Proposal.organization_id)
        .join(ActivityCategory, ActivityCategory.id == Proposal.category_id)
        .outerjoin(BudgetLine, BudgetLine.proposal_id == Proposal.id)
        .where(*conditions)
        .order_by(BudgetLine.position, BudgetLine.id)
    )


_SHOWN_FOR_OEM = _shown(*ONE_FOR_OEM)
_SHOWN_FOR_PARTNER = _shown(*ONE_FOR_PARTNER)


def shown_proposal(viewer: Person, proposal_id: int) -> ShownProposal | None:
    """The proposal as the page shows it if the viewer may see it (None whether it is
    missing or out of scope): what `get_visible` answers, read-only."""
    stmt, params = one_visible(viewer, proposal_id, _SHOWN_FOR_OEM, _SHOWN_FOR_PARTNER)
    rows = db.read(stmt, params).all()
    if not rows:
        return None
    first = rows[0]
    lines = tuple(ShownLine(*row[_LINE_AT:]) for row in rows if row[_LINE_AT] is not None)
    return ShownProposal(
        *first[:_ORG_AT],
        organization_from(first, _ORG_AT),
        ShownCategory(*first[_CATEGORY_AT:_LINE_AT]),
        lines,
    )
