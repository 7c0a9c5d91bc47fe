"""Dashboard panels of the proposal workflow: what waits on the person looking, and since when.

- A dealer's marketer or admin: their proposals waiting on them (submit, fix, answer a
  suggested edit, claim before the deadline, report results), and — the SLA clock the
  dealer sees — their proposals waiting on someone else and for how long.
- A distributor's admin: the same for its own proposals, its dealers' proposals waiting
  on it, and its dealers' campaigns in progress.
- A channel manager or the program admin: approvals, claims and results to close, the
  longest-waiting first.

Read only, scoped by `permissions.visible_proposals` (the partner's lists by prebuilt
statements with its scope as a parameter, below); a fixed number of queries however
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
)
from campaigns.proposals.sla import (
    REVIEW_STEPS,
    may_wait_on_partner,
    wait_text,
    waiting_on,
    waits_on,
)
from hub import db, policy
from hub.dates import format_date
from hub.db import today, utcnow
from hub.models import Organization, Person
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
    (at most COUNTED).

    As `sla.awaiting(person, COUNTED)` (tests/campaigns/test_dashboards.py compares them),
    read as rows (ListedProposal) by one prebuilt statement a page at a time: whose rung a
    submitted proposal is on is read from its stamped ladder, so `waits_on` decides in
    Python, and older proposals on someone else's rung never hide the ones on theirs."""
    if not is_oem_reviewer(person):
        return [], 0
    now = utcnow()
    params = {"batch": max(COUNTED * 2, 50), "offset": 0}
    waiting: list[ListedProposal] = []
    while len(waiting) < COUNTED:
        rows = [_row_proposal(row) for row in db.read(_FOR_REVIEW, params)]
        waiting += [p for p in rows if waits_on(person, p)]
        if len(rows) < params["batch"]:
            break
        params["offset"] += params["batch"]
    waiting = waiting[:COUNTED]
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


# The partner's panel reads its lists as rows of the columns it shows and those the SLA
# rules read (`waits_on`, `waiting_on`), named as on Proposal — one prebuilt statement per
# kind of partner: the candidates of what waits on the person (`sla.may_wait_on_partner`,
# a page of them), the organisation's proposals waiting on others and, for a distributor's
# admin, its dealers' in progress; each open suggested edit's age comes with its proposal.
# The scope is visible_proposals' with the partner scope as a parameter
# (policy.PARTNER_ORGANIZATION_SCOPE on the proposal's organisation, joined for its name):
# tests/campaigns/test_dashboards.py checks that they see what it sees.


@dataclass(frozen=True)
class ListedOrganization:
    id: int
    name: str
    path: str


@dataclass(frozen=True)
class ListedProposal:
    """A proposal as the partner's panel reads it (read-only, no ORM object)."""

    id: int
    title: str
    organization_id: int
    organization: ListedOrganization
    status: ProposalStatus
    status_changed_at: datetime
    requested_amount: Decimal
    max_reimbursement: Decimal | None
    reimbursed_amount: Decimal | None
    starts_on: date
    claim_deadline: date | None
    approval_steps: list
    approvals_done: int
    suggested_since: datetime | None  # the oldest open suggested edit, while open to them


_OLDEST_OPEN_SUGGESTION = (
    sa.select(sa.func.min(Suggestion.created_at))
    .where(Suggestion.proposal_id == Proposal.id, Suggestion.status == SuggestionStatus.OPEN)
    .scalar_subquery()
)
_LISTED = (
    Proposal.id,
    Proposal.title,
    Proposal.organization_id,
    Organization.name.label("organization_name"),
    Organization.path.label("organization_path"),
    Proposal.status,
    Proposal.status_changed_at,
    Proposal.requested_amount,
    Proposal.max_reimbursement,
    Proposal.reimbursed_amount,
    Proposal.starts_on,
    Proposal.claim_deadline,
    Proposal.approval_steps,
    Proposal.approvals_done,
    sa.case((Proposal.status.in_(sorted(OPEN_TO_SUGGESTIONS)), _OLDEST_OPEN_SUGGESTION)).label(
        "suggested_since"
    ),
)
# What may wait on an OEM reviewer (sla.awaiting's OEM statement: the OEM sees every
# organisation's proposals but drafts), as rows, a page at a time.
_FOR_REVIEW = db.prepared(
    sa.select(*_LISTED[:-1], sa.null().label("suggested_since"))
    .join(Organization, Organization.id == Proposal.organization_id)
    .where(
        Proposal.status != S.DRAFT,
        Proposal.status.in_(REVIEW_STEPS),
    )
    .order_by(Proposal.status_changed_at, Proposal.id)
    .limit(sa.bindparam("batch"))
    .offset(sa.bindparam("offset"))
)
# A row's columns: _LISTED's (ListedProposal's fields in their order, the organisation's
# three after its id), then the list's number.
_LIST = len(_LISTED)
_OWN = sa.bindparam("own")
_SEEN_BY_PARTNER = sa.and_(
    policy.PARTNER_ORGANIZATION_SCOPE,
    sa.or_(Proposal.status != S.DRAFT, Proposal.organization_id == _OWN),
)


def _listed(which: int, *where, limit: str) -> sa.Select:
    """A list of the panel: `which` tells the lists apart in one statement."""
    return (
        sa.select(*_LISTED, sa.literal_column(str(which)).label("list"))
        .join(Organization, Organization.id == Proposal.organization_id)
        .where(_SEEN_BY_PARTNER, *where)
        .order_by(Proposal.status_changed_at, Proposal.id)
        .limit(sa.bindparam(limit))
    )


_WAITING, _OTHERS, _DEALERS = 0, 1, 2


def _candidates(distributor: bool) -> sa.Select:
    return _listed(
        _WAITING, may_wait_on_partner(_OWN, distributor=distributor), limit="batch"
    ).offset(sa.bindparam("offset"))


def _lists_statement(distributor: bool) -> sa.Select:
    lists = [
        _candidates(distributor),
        _listed(
            _OTHERS,
            Proposal.organization_id == _OWN,
            Proposal.status.in_(WAITING_ON_OTHERS),
            limit="others",
        ),
    ]
    if distributor:
        lists.append(
            _listed(
                _DEALERS,
                Proposal.organization_id != _OWN,
                Proposal.status.in_(IN_PROGRESS),
                limit="dealers",
            )
        )
    both = sa.union_all(*(sa.select(stmt.subquery()) for stmt in lists)).subquery()
    return sa.select(both).order_by(both.c.list, both.c.status_changed_at, both.c.id)


# {distributor admin?: statement}
_PARTNER_LISTS = {
    distributor: db.prepared(_lists_statement(distributor)) for distributor in (False, True)
}
_PARTNER_CANDIDATES = {
    distributor: db.prepared(_candidates(distributor)) for distributor in (False, True)
}


def _row_proposal(row) -> ListedProposal:
    """A row of _LISTED's columns (then the list's number), unpacked as a tuple: a Row's
    attribute access costs more than the row's SQL."""
    id_, title, org_id, org_name, org_path, *shown = row[:_LIST]
    return ListedProposal(
        id_, title, org_id, ListedOrganization(org_id, org_name, org_path), *shown
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
    distributor = is_distributor_admin(person)
    # As sla.awaiting(person, limit + 1), page by page: older candidates waiting on
    # someone else never hide the ones waiting on this person.
    batch = max((limit + 1) * 2, 50)
    params = {
        "own": person.organization_id,
        "scope_path": policy.scope_pattern(person),
        "batch": batch,
        "offset": 0,
        "others": limit * 2,
        "dealers": limit,
    }
    found: dict[int, list[ListedProposal]] = {_WAITING: [], _OTHERS: [], _DEALERS: []}
    for row in db.read(_PARTNER_LISTS[distributor], params):
        found[row[_LIST]].append(_row_proposal(row))
    candidates = found[_WAITING]
    waiting = [p for p in candidates if waits_on(person, p)]
    while len(waiting) <= limit and len(candidates) == batch:
        params["offset"] += batch
        rows = db.read(_PARTNER_CANDIDATES[distributor], params)
        candidates = [_row_proposal(row) for row in rows]
        found[_WAITING] += candidates
        waiting += [p for p in candidates if waits_on(person, p)]
    waiting = waiting[: limit + 1]
    suggested = {
        p.id: p.suggested_since
        for p in found[_WAITING] + found[_OTHERS]
        if p.organization_id == person.organization_id and p.suggested_since is not None
    }
    listed = {p.id for p in waiting}
    mine = []
    for p in waiting[:limit]:
        if p.organization_id == person.organization_id:
            mine.append(own_item(p, now, on, suggested))
        else:  # a dealer's proposal waiting on its distributor's approval
            mine.append(_item(p, "Approval", "Approve, ask for changes or decline", now))
    others = []
    for p in found[_OTHERS]:
        if p.id in suggested and p.status == S.SUBMITTED and is_owner(person, p):
            if p.id not in listed and len(mine) < limit:
                mine.append(own_item(p, now, on, suggested))
            continue
        if len(others) < limit:
            others.append(other_item(p, now))
    mine.sort(key=lambda item: (item.since, item.id))
    dealers = [
        _item(
            p,
            STATUS_LABELS[p.status],
            waiting_on(p).label,
            now,
            clock=p.status not in CLAIMABLE,  # a running campaign isn't late
        )
        for p in found[_DEALERS]
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
