"""The SLA clock: whom each proposal waits on and since when, in words people use, and
what waits on a given person (the longest-waiting first). The clock restarts at every
step, including each rung of the approval ladder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from campaigns.proposals.lifecycle import ROLE_LABELS, STATUS_LABELS, S
from campaigns.proposals.models import ApproverRole, Proposal
from campaigns.proposals.permissions import (
    can_approve,
    current_rung,
    is_distributor_admin,
    is_oem_reviewer,
    is_owner,
    visible_proposals,
)
from hub import db
from hub.db import utcnow
from hub.models import Person

# The statuses in which a proposal waits on its own organisation's marketer or admin.
OWNER_STEPS = (S.DRAFT, S.CHANGES_REQUESTED, S.APPROVED, S.RUNNING, S.PAID)
# The steps that may wait on an OEM reviewer: an approval, a claim, results to close.
REVIEW_STEPS = (S.SUBMITTED, S.CLAIM_SUBMITTED, S.RESULTS_REPORTED)


@dataclass(frozen=True)
class Waiting:
    """Whom a proposal waits on, in words, and since when."""

    party: str  # "partner", "oem", "distributor" or "" (nobody)
    label: str  # "Waiting on Prairie Ag Dealers to submit"
    since: datetime


def waiting_on(proposal: Proposal) -> Waiting:
    """Who the proposal waits on now: the dealer, the distributor or the OEM (the current
    rung while submitted), and since the last step."""
    org = proposal.organization.name
    since = proposal.status_changed_at
    status = proposal.status
    if status == S.DRAFT:
        return Waiting("partner", f"Waiting on {org} to submit", since)
    if status == S.SUBMITTED:
        rung = current_rung(proposal)
        party = "distributor" if rung == ApproverRole.DISTRIBUTOR else "oem"
        return Waiting(party, f"Waiting on {ROLE_LABELS[rung]} to approve", since)
    if status == S.CHANGES_REQUESTED:
        return Waiting("partner", f"Waiting on {org} to make the changes", since)
    if status in (S.APPROVED, S.RUNNING):
        return Waiting("partner", f"Waiting on {org} to run the campaign and claim", since)
    if status == S.CLAIM_SUBMITTED:
        return Waiting("oem", "Waiting on a channel manager to review the claim", since)
    if status == S.PAID:
        return Waiting("partner", f"Waiting on {org} to report results", since)
    if status == S.RESULTS_REPORTED:
        return Waiting("oem", "Waiting on a channel manager to close it", since)
    return Waiting("", STATUS_LABELS[status], since)


def waits_on(person: Person, proposal: Proposal) -> bool:
    """Whether the proposal is waiting on this person to act."""
    status = proposal.status
    if status in OWNER_STEPS:
        return is_owner(person, proposal)
    if status == S.SUBMITTED:
        return can_approve(person, proposal)
    if status in (S.CLAIM_SUBMITTED, S.RESULTS_REPORTED):
        return is_oem_reviewer(person)
    return False


def awaiting(person: Person, limit: int = 50) -> list[Proposal]:
    """Proposals waiting on this person, the longest-waiting first."""
    stmt = visible_proposals(person)
    if person.is_oem:
        if not is_oem_reviewer(person):
            return []
        stmt = stmt.where(Proposal.status.in_(REVIEW_STEPS))
    else:
        stmt = stmt.where(
            may_wait_on_partner(person.organization_id, distributor=is_distributor_admin(person))
        )
    # Whose rung a submitted proposal is on is read from its stamped ladder, so filter in
    # Python — page by page, so older proposals waiting on someone else never hide
    # the ones waiting on this person.
    stmt = stmt.order_by(Proposal.status_changed_at, Proposal.id)
    found: list[Proposal] = []
    offset, batch = 0, max(limit * 2, 50)
    while len(found) < limit:
        rows = db.session.scalars(stmt.offset(offset).limit(batch)).all()
        found += [p for p in rows if waits_on(person, p)]
        if len(rows) < batch:
            break
        offset += batch
    return found[:limit]


def may_wait_on_partner(own, *, distributor: bool) -> sa.ColumnElement[bool]:
    """The proposals that may wait on a partner's marketer or admin of organisation `own`
    (an id, or a bind parameter): their own organisation's at an owner's step and, for a
    distributor's admin, its dealers' submitted ones. `waits_on` decides (whose rung a
    submitted proposal is on is read from its stamped ladder); this leaves out the rows it
    would refuse anyway — an own proposal submitted, closed or declined — so that they
    never fill the pages `awaiting` reads."""
    mine = sa.and_(Proposal.organization_id == own, Proposal.status.in_(OWNER_STEPS))
    if not distributor:
        return mine
    return sa.or_(mine, sa.and_(Proposal.organization_id != own, Proposal.status == S.SUBMITTED))


def wait_text(since: datetime, now: datetime | None = None) -> str:
    """How long something has waited, as people say it: '3 days', '5 hours', 'a few minutes'."""
    seconds = max(0.0, ((now or utcnow()) - since).total_seconds())
    days = int(seconds // 86400)
    if days:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(seconds // 3600)
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "a few minutes"
