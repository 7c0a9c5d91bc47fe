"""Dashboard panels of the proposal workflow: what waits on the person looking, and since when.

- A dealer's marketer or admin: their proposals waiting on them (submit, fix, answer a
  suggested edit, claim before the deadline, report results), and — the SLA clock the
  dealer sees — their proposals waiting on someone else and for how long.
- A distributor's admin: the same for its own proposals, its dealers' proposals waiting
  on it, and its dealers' campaigns in progress.
- A channel manager or the program admin: approvals, claims and results to close, the
  longest-waiting first.

Read only, scoped by `permissions.visible_proposals`; a fixed number of queries however
many proposals there are (tests/campaigns/test_dashboards.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import render_template, url_for
from markupsafe import Markup

from campaigns.coop.models import CoopProgram
from campaigns.coop.program import current_program
from campaigns.proposals.lifecycle import CLAIMABLE, OPEN_TO_SUGGESTIONS, STATUS_LABELS
from campaigns.proposals.models import (
    ApproverRole,
    Proposal,
    ProposalStatus,
    Suggestion,
    SuggestionStatus,
)
from campaigns.proposals.permissions import (
    can_propose,
    current_rung,
    is_distributor_admin,
    is_oem_reviewer,
    is_owner,
    visible_proposals,
)
from campaigns.proposals.sla import awaiting, wait_text, waiting_on
from hub import db
from hub.dates import format_date
from hub.db import today, utcnow
from hub.models import Person
from hub.registry import Panel

S = ProposalStatus
SHOWN = 8  # items per list; the proposal list has the rest
# A dealer's proposals that wait on someone else: the OEM (or its distributor).
WAITING_ON_OTHERS = [S.SUBMITTED, S.CLAIM_SUBMITTED, S.RESULTS_REPORTED]
# A distributor's dealers' proposals still in progress.
IN_PROGRESS = [
    S.SUBMITTED,
    S.CHANGES_REQUESTED,
    S.APPROVED,
    S.RUNNING,
    S.CLAIM_SUBMITTED,
    S.PAID,
    S.RESULTS_REPORTED,
]


@dataclass(frozen=True)
class Item:
    """One proposal in a dashboard list: what it is, what happens next, since when."""

    id: int
    title: str
    organization: str
    kind: str  # a short tag: Approval, Claim, Results, Draft, Changes, Suggestion, Running…
    action: str  # what the viewer does next, or what it waits for
    since: datetime
    wait: str  # '' when nobody is late: the step waits on a date
    amount: Decimal | None
    note: str = ""  # a deadline or a detail

    @property
    def url(self) -> str:
        return url_for("campaigns.proposal_page", proposal_id=self.id)


def _item(
    p: Proposal, kind: str, action: str, now: datetime, amount=None, note="", clock=True
) -> Item:
    """`clock=False` for a step that waits on a date, not on a person (a campaign running)."""
    return Item(
        id=p.id,
        title=p.title,
        organization=p.organization.name,
        kind=kind,
        action=action,
        since=p.status_changed_at,
        wait=wait_text(p.status_changed_at, now) if clock else "",
        amount=p.requested_amount if amount is None else amount,
        note=note,
    )


def _days_left(deadline: date, on: date) -> str:
    left = (deadline - on).days
    if left < 0:
        return "deadline passed"
    if left == 0:
        return "last day today"
    return f"{left} day{'s' if left != 1 else ''} left"


# --- What waits on the OEM --------------------------------------------------------------


def review_item(p: Proposal, now: datetime) -> Item:
    """An entry of the OEM's review queue."""
    if p.status == S.SUBMITTED:
        steps = len(p.approval_steps)
        rung = current_rung(p)
        action = "Approve, ask for changes or decline"
        if steps > 1:
            action += f" · step {p.approvals_done + 1} of {steps}"
            if rung == ApproverRole.PROGRAM_ADMIN:
                action += " (program admin)"
        return _item(p, "Approval", action, now)
    if p.status == S.CLAIM_SUBMITTED:
        return _item(
            p,
            "Claim",
            "Review the claim and its proof",
            now,
            amount=p.max_reimbursement,
            note="held",
        )
    return _item(p, "Results", "Results reported: read them and close", now)


COUNTED = 60  # the queue's count stops here ("60 or more")


def review_queue(person: Person, limit: int = SHOWN) -> tuple[list[Item], int]:
    """What waits on this OEM reviewer, the longest-waiting first; and how many in all
    (at most COUNTED)."""
    now = utcnow()
    waiting = awaiting(person, limit=COUNTED)
    return [review_item(p, now) for p in waiting[:limit]], len(waiting)


# --- What waits on a partner ------------------------------------------------------------


def own_item(p: Proposal, now: datetime, on: date, suggested: dict[int, datetime]) -> Item:
    """An entry of a dealer's list of its own proposals waiting on it."""
    if p.status == S.DRAFT:
        return _item(p, "Draft", "Finish the draft and submit it", now)
    if p.status == S.CHANGES_REQUESTED:
        action = "Make the requested changes and resubmit"
        if p.id in suggested:
            action += "; a suggested edit waits for your answer"
        return _item(p, "Changes", action, now)
    if p.status == S.SUBMITTED and p.id in suggested:  # waits on the OEM, and on this answer
        since = suggested[p.id]
        return Item(
            id=p.id,
            title=p.title,
            organization=p.organization.name,
            kind="Suggestion",
            action="Accept or reject the suggested edit",
            since=since,
            wait=wait_text(since, now),
            amount=p.requested_amount,
        )
    if p.status in CLAIMABLE:  # waits on a date, not on a person
        if p.status == S.APPROVED:
            kind, action = (
                "Approved",
                f"Starts {format_date(p.starts_on)}; claim by {format_date(p.claim_deadline)}",
            )
        else:
            kind = "Running"
            action = (
                f"Claim by {format_date(p.claim_deadline)} ({_days_left(p.claim_deadline, on)})"
            )
        return _item(p, kind, action, now, amount=p.max_reimbursement, note="held", clock=False)
    if p.status == S.PAID:
        return _item(
            p,
            "Paid",
            "Report the leads, opportunities and revenue",
            now,
            amount=p.reimbursed_amount,
            note="paid",
        )
    return _item(p, STATUS_LABELS[p.status], waiting_on(p).label, now)


def other_item(p: Proposal, now: datetime) -> Item:
    """A partner's proposal waiting on someone else: who, and for how long."""
    kind = {S.SUBMITTED: "Approval", S.CLAIM_SUBMITTED: "Claim", S.RESULTS_REPORTED: "Results"}
    return _item(p, kind.get(p.status, "Waiting"), waiting_on(p).label, now)


def _open_suggestions(person: Person) -> dict[int, datetime]:
    """The person's organisation's proposals with a suggested edit to answer, and when
    the oldest open one was made."""
    return dict(
        db.session.execute(
            sa.select(Suggestion.proposal_id, sa.func.min(Suggestion.created_at))
            .join(Proposal, Proposal.id == Suggestion.proposal_id)
            .where(
                Proposal.organization_id == person.organization_id,
                Proposal.status.in_(list(OPEN_TO_SUGGESTIONS)),
                Suggestion.status == SuggestionStatus.OPEN,
            )
            .group_by(Suggestion.proposal_id)
        ).all()
    )


@dataclass
class PartnerLists:
    """The partner's panel: what waits on them, on others, and on their dealers."""

    mine: list[Item]  # waiting on the person
    more_mine: bool
    others: list[Item]  # the organisation's proposals waiting on someone else
    dealers: list[Item]  # a distributor's dealers' proposals in progress (admins only)


def partner_lists(person: Person, limit: int = SHOWN) -> PartnerLists:
    """The lists of a partner's panel, each the longest-waiting first, at most `limit` long."""
    now, on = utcnow(), today()
    suggested = _open_suggestions(person)
    waiting = awaiting(person, limit=limit + 1)
    listed = {p.id for p in waiting}
    mine = []
    for p in waiting[:limit]:
        if p.organization_id == person.organization_id:
            mine.append(own_item(p, now, on, suggested))
        else:  # a dealer's proposal waiting on its distributor's approval
            mine.append(_item(p, "Approval", "Approve, ask for changes or decline", now))
    mine_org = (
        visible_proposals(person)
        .where(Proposal.organization_id == person.organization_id)
        .order_by(Proposal.status_changed_at, Proposal.id)
    )
    others = []
    for p in db.session.scalars(
        mine_org.where(Proposal.status.in_(WAITING_ON_OTHERS)).limit(limit * 2)
    ):
        if p.id in suggested and p.status == S.SUBMITTED and is_owner(person, p):
            if p.id not in listed and len(mine) < limit:
                mine.append(own_item(p, now, on, suggested))
            continue
        if len(others) < limit:
            others.append(other_item(p, now))
    mine.sort(key=lambda item: (item.since, item.id))
    dealers = []
    if is_distributor_admin(person):
        stmt = (
            visible_proposals(person)
            .where(
                Proposal.organization_id != person.organization_id,
                Proposal.status.in_(IN_PROGRESS),
            )
            .order_by(Proposal.status_changed_at, Proposal.id)
            .limit(limit)
        )
        dealers = [
            _item(
                p,
                STATUS_LABELS[p.status],
                waiting_on(p).label,
                now,
                clock=p.status not in CLAIMABLE,  # a running campaign isn't late
            )
            for p in db.session.scalars(stmt)
            if p.id not in listed
        ]
    return PartnerLists(mine, len(waiting) > limit, others, dealers)


# --- The panels -------------------------------------------------------------------------


def proposal_panels(person: Person) -> list[Panel]:
    """'Waiting on you' for partners who run campaigns; 'Waiting for your review' for the
    OEM's channel managers and program admins; nothing for anyone else."""
    program = current_program()
    if program is None:
        return []
    if person.is_oem:
        if not is_oem_reviewer(person):
            return []
        return [_review_panel(person, program)]
    if can_propose(person):
        return [_partner_panel(person, program)]
    return []


def _render(template: str, **context) -> Markup:
    """A panel's body from one of our autoescaping templates, safe to embed in the dashboard."""
    return Markup(render_template(template, **context))  # noqa: S704 — autoescaped template


def _review_panel(person: Person, program: CoopProgram) -> Panel:
    items, count = review_queue(person)
    html = _render(
        "campaigns/proposals/_panel_review.html",
        program=program,
        items=items,
        count=count,
        capped=count >= COUNTED,
    )
    return Panel("Waiting for your review", html, order=10)


def _partner_panel(person: Person, program: CoopProgram) -> Panel:
    lists = partner_lists(person)
    html = _render(
        "campaigns/proposals/_panel_waiting.html",
        program=program,
        lists=lists,
        distributor=is_distributor_admin(person),
    )
    return Panel("Your campaigns", html, order=16)  # after the co-op balance
