"""Telling the people a proposal now waits on: its owners (the dealer's marketer who
created it and the organisation's admins) or its reviewers (whoever the current rung
names, or the covering channel manager). The actor is never told of their own step."""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.proposals.lifecycle import S
from campaigns.proposals.models import ApproverRole, Proposal
from campaigns.proposals.permissions import DISTRIBUTOR_KINDS, current_rung
from hub import db
from hub.conversations.service import covering_channel_manager
from hub.models import Organization, Person, Role
from hub.notifications import notify


def proposal_url(proposal: Proposal) -> str:
    """Where a notification takes its reader: the proposal page."""
    return f"/campaigns/proposals/{proposal.id}"


def notify_people(people, proposal: Proposal, kind: str, text: str, actor: Person | None) -> None:
    """Tell these people (by id) of a step on the proposal, but not the one who took it."""
    for person_id in set(people) - {getattr(actor, "id", None)}:
        notify(person_id, kind, text, proposal_url(proposal), actor=actor)


def notify_owners(proposal: Proposal, kind: str, text: str, actor: Person | None) -> None:
    """Tell the proposing organisation: whoever created the proposal, and its admins."""
    people = db.session.scalars(
        sa.select(Person.id).where(
            Person.organization_id == proposal.organization_id,
            Person.active.is_(True),
            sa.or_(Person.id == proposal.created_by_id, Person.role == Role.PARTNER_ADMIN),
        )
    ).all()
    notify_people(people, proposal, kind, text, actor)


def _with_role(role: Role) -> list[int]:
    return list(
        db.session.scalars(sa.select(Person.id).where(Person.role == role, Person.active.is_(True)))
    )


def channel_managers_for(org: Organization) -> list[int]:
    """The channel manager covering the organisation, or every channel manager if none does."""
    manager = covering_channel_manager(org)
    return [manager.id] if manager is not None else _with_role(Role.CHANNEL_MANAGER)


def approvers(proposal: Proposal) -> list[int]:
    """Who may approve the rung a submitted proposal is on."""
    rung = current_rung(proposal)
    org = proposal.organization
    if rung == ApproverRole.DISTRIBUTOR:
        chain = [int(p) for p in org.path.strip("/").split("/") if p and int(p) != org.id]
        return list(
            db.session.scalars(
                sa.select(Person.id)
                .join(Organization, Organization.id == Person.organization_id)
                .where(
                    Person.organization_id.in_(chain),
                    Person.role == Role.PARTNER_ADMIN,
                    Person.active.is_(True),
                    Organization.kind.in_(DISTRIBUTOR_KINDS),
                )
            )
        )
    if rung == ApproverRole.CHANNEL_MANAGER:
        return channel_managers_for(org)
    return _with_role(Role.PROGRAM_ADMIN)


def notify_reviewers(proposal: Proposal, kind: str, text: str, actor: Person | None) -> None:
    """Tell the OEM side: the current rung's approvers while submitted, else the channel
    manager (a claim to review, results to close, a comment)."""
    if proposal.status == S.SUBMITTED:
        people = approvers(proposal)
    else:
        people = channel_managers_for(proposal.organization)
    notify_people(people, proposal, kind, text, actor)
