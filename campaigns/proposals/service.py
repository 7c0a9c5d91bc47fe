"""Campaign proposals, from a dealer's draft to a closed campaign with results.

    draft → submitted → changes requested (fix, resubmit) / declined (final)
          → approved (funds held; claim deadline and maximum stamped) → running
          → claim submitted → (returned to fix) → paid (reimbursement; rest released)
          → results reported → closed
    approved/running past the claim deadline → expired (hold released)

Every function adds and flushes but never commits (the caller commits once), checks who
may do what, leaves a thread event and an audit event, and tells the people it now waits
on. Money moves only through `campaigns.ledger`. No Flask request in here.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.balances import account_of
from campaigns.coop.models import CoopProgram, Hold
from campaigns.proposals.models import (
    ActivityCategory,
    ApprovalRule,
    ApproverRole,
    AssetSource,
    BudgetLine,
    Claim,
    ClaimLine,
    ClaimProof,
    ClaimStatus,
    Proposal,
    ProposalAsset,
    ProposalEvent,
    ProposalEventKind,
    ProposalStatus,
    Suggestion,
    SuggestionStatus,
)
from hub import audit, db, policy, uploads
from hub.conversations.service import covering_channel_manager
from hub.db import today, utcnow
from hub.errors import Conflict, ValidationFailed
from hub.extensions import socketio
from hub.models import Organization, OrgKind, Person, Role, StoredFile
from hub.notifications import notify

S = ProposalStatus
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_LINES = 30
REMINDER_DAYS = (14, 3)
PEER_MINIMUM = 3  # fewer peers than this and a median would identify them

PROOF_KINDS = {
    "invoice": "Invoice",
    "photo": "Photo showing both brands",
    "tear_sheet": "Tear sheet",
    "screenshot": "Screenshot",
    "attendee_list": "Attendee list",
    "mailing_list": "Mailing list or send report",
    "sample": "Sample of the finished piece",
}

# (name, share, template share, proofs, needs pre-approval, description)
DEFAULT_CATEGORIES = [
    ("Trade show / event", "0.5", "0.75", ["invoice", "photo", "attendee_list"], True,
     "Booths, field days and open houses."),
    ("Print advertising", "0.5", "0.75", ["invoice", "tear_sheet"], True,
     "Newspaper, magazine and farm-paper ads."),
    ("Digital advertising", "0.5", "0.75", ["invoice", "screenshot"], True,
     "Search, social and display ads."),
    ("Direct mail / email", "0.5", "0.75", ["invoice", "sample", "mailing_list"], True,
     "Postcards, letters and e-mail campaigns."),
    ("Local promotion", "0.5", None, ["invoice", "photo"], True,
     "Sponsorships, radio spots and local signage."),
    ("Training", "0.5", None, ["invoice", "attendee_list"], False,
     "Product training for the dealer's customers or staff."),
    ("Co-branded literature", "0.5", "0.75", ["invoice", "sample"], False,
     "Brochures and spec sheets carrying both brands."),
]  # fmt: skip

# (role, above): up to 5,000 a channel manager, above that also the program admin.
DEFAULT_LADDER = [(ApproverRole.CHANNEL_MANAGER, "0"), (ApproverRole.PROGRAM_ADMIN, "5000")]

REASON_CODES = {
    "missing_proof": "Proof missing or unreadable",
    "not_eligible": "Not an eligible cost",
    "over_budget": "More than the approved budget line",
    "brand_guidelines": "Does not follow the brand guidelines",
    "outside_dates": "Outside the campaign dates",
    "duplicate": "Already claimed",
}

STATUS_LABELS = {
    S.DRAFT: "Draft",
    S.SUBMITTED: "Waiting for approval",
    S.CHANGES_REQUESTED: "Changes requested",
    S.DECLINED: "Declined",
    S.APPROVED: "Approved",
    S.RUNNING: "Running",
    S.CLAIM_SUBMITTED: "Claim submitted",
    S.PAID: "Paid",
    S.RESULTS_REPORTED: "Results reported",
    S.CLOSED: "Closed",
    S.EXPIRED: "Expired",
    S.WITHDRAWN: "Withdrawn",
}
FINAL = {S.DECLINED, S.CLOSED, S.EXPIRED, S.WITHDRAWN}
# Statuses in which a proposal is still in progress (and waits on someone: see waits_on).
OPEN_STATUSES = [s for s in S if s not in FINAL]
EDITABLE = {S.DRAFT, S.CHANGES_REQUESTED}
OPEN_TO_SUGGESTIONS = {S.SUBMITTED, S.CHANGES_REQUESTED}
CLAIMABLE = {S.APPROVED, S.RUNNING}
ROLE_LABELS = {
    ApproverRole.DISTRIBUTOR: "the distributor",
    ApproverRole.CHANNEL_MANAGER: "a channel manager",
    ApproverRole.PROGRAM_ADMIN: "the program admin",
}
# Fields the OEM may suggest an edit to, with their labels.
SUGGESTIBLE = {
    "title": "Title",
    "objective": "Objective",
    "audience": "Audience",
    "territory": "Territory",
    "starts_on": "Start date",
    "ends_on": "End date",
    "requested_amount": "Co-op requested",
    "expected_leads": "Expected leads",
    "expected_revenue": "Expected revenue",
}
FIELD_LABELS = {
    **{k: v.lower() for k, v in SUGGESTIBLE.items()},
    "category_id": "kind of activity",
    "uses_oem_template": "OEM template",
    "lines": "budget",
}
FIELDS = (
    "title",
    "objective",
    "category_id",
    "audience",
    "territory",
    "starts_on",
    "ends_on",
    "uses_oem_template",
    "requested_amount",
    "expected_leads",
    "expected_revenue",
)


def _money(amount: Decimal, program: CoopProgram) -> str:
    return ledger.format_money(amount, program.currency)


def _program(proposal: Proposal) -> CoopProgram:
    return db.session.get(CoopProgram, proposal.program_id)


# --- Program set-up ---------------------------------------------------------------------


def install_defaults(program: CoopProgram) -> None:
    """Give a program the default activity categories and approval ladder (once)."""
    has = db.session.scalar(
        sa.select(sa.func.count()).where(ActivityCategory.program_id == program.id)
    )
    if not has:
        for position, (name, share, template, proofs, pre, text) in enumerate(DEFAULT_CATEGORIES):
            db.session.add(
                ActivityCategory(
                    program_id=program.id,
                    name=name,
                    description=text,
                    share=Decimal(share),
                    template_share=Decimal(template) if template else None,
                    required_proofs=proofs,
                    needs_preapproval=pre,
                    position=position,
                )
            )
    rungs = db.session.scalar(
        sa.select(sa.func.count()).where(ApprovalRule.program_id == program.id)
    )
    if not rungs:
        for position, (role, above) in enumerate(DEFAULT_LADDER):
            db.session.add(
                ApprovalRule(
                    program_id=program.id, position=position, role=role, above=Decimal(above)
                )
            )
    db.session.flush()


def categories(program: CoopProgram, *, active_only: bool = True) -> list[ActivityCategory]:
    stmt = sa.select(ActivityCategory).where(ActivityCategory.program_id == program.id)
    if active_only:
        stmt = stmt.where(ActivityCategory.active.is_(True))
    return list(db.session.scalars(stmt.order_by(ActivityCategory.position, ActivityCategory.id)))


def ladder(program: CoopProgram) -> list[ApprovalRule]:
    return list(
        db.session.scalars(
            sa.select(ApprovalRule)
            .where(ApprovalRule.program_id == program.id, ApprovalRule.active.is_(True))
            .order_by(ApprovalRule.position, ApprovalRule.id)
        )
    )


def share_for(category: ActivityCategory, uses_template: bool) -> Decimal:
    if uses_template and category.template_share:
        return category.template_share
    return category.share


def _percent(data: dict, name: str, label: str, problems: dict, *, required=True):
    value = data.get(name)
    if value in (None, "") and not required:
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except Exception:
        problems.setdefault(name, []).append(f"Write the {label} as a percentage, e.g. 50.")
        return None
    if not number.is_finite() or not 0 < number <= 100:
        problems.setdefault(name, []).append(
            f"The {label} is a percentage above 0 and at most 100."
        )
        return None
    if number != number.quantize(Decimal("0.01")):
        problems.setdefault(name, []).append(f"Give the {label} with at most two decimals.")
        return None
    return (number / 100).quantize(Decimal("0.0001"))


CATEGORY_FIELDS = ("name", "description", "share", "template_share", "required_proofs",
                   "needs_preapproval", "active")  # fmt: skip


def save_category(
    actor: Person, program: CoopProgram, data: dict, category: ActivityCategory | None = None
) -> ActivityCategory:
    """Add or change an activity category (program admin). Proposals already submitted
    keep the share stamped on them; the change applies to new ones."""
    if not policy.is_program_admin(actor):
        raise PermissionError("only the program admin sets co-op rules")
    problems: dict[str, list[str]] = {}
    name = _text(data, "name", "category name", 80, problems, required=True)
    description = _text(data, "description", "description", 300, problems)
    share = _percent(data, "share", "reimbursement share", problems)
    template = _percent(data, "template_share", "share on OEM templates", problems, required=False)
    proofs = data.get("required_proofs") or []
    if isinstance(proofs, str):
        proofs = [proofs]
    unknown = [p for p in proofs if p not in PROOF_KINDS]
    if unknown:
        problems["required_proofs"] = ["Choose proofs from the list."]
    if not proofs and "required_proofs" not in problems:
        problems["required_proofs"] = [
            "Choose at least one proof a claim must carry (an invoice, usually)."
        ]
    if name and "name" not in problems:
        clash = db.session.scalar(
            sa.select(ActivityCategory.id).where(
                ActivityCategory.program_id == program.id,
                sa.func.lower(ActivityCategory.name) == name.lower(),
                ActivityCategory.id != (category.id if category else 0),
            )
        )
        if clash:
            problems["name"] = [f"There is already a category called “{name}”."]
    if problems:
        raise ValidationFailed(problems)
    before = audit.snapshot(category, CATEGORY_FIELDS) if category else None
    if category is None:
        position = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.max(ActivityCategory.position), -1)).where(
                ActivityCategory.program_id == program.id
            )
        )
        category = ActivityCategory(program_id=program.id, position=position + 1)
        db.session.add(category)
    category.name = name
    category.description = description
    category.share = share
    category.template_share = template
    category.required_proofs = [p for p in PROOF_KINDS if p in proofs]
    category.needs_preapproval = _bool(data.get("needs_preapproval"))
    category.active = _bool(data.get("active", True))
    db.session.flush()
    after = audit.snapshot(category, CATEGORY_FIELDS)
    if before != after:
        audit.record("coop.category_saved", category, object_type="ActivityCategory",
                     actor=actor, before=before, after=after,
                     summary=f"Co-op category {name} {'added' if before is None else 'changed'}")  # fmt: skip
    return category


def save_approval_rules(actor: Person, program: CoopProgram, data: dict) -> None:
    """Set the ladder, the fast lane and whether distributors approve first.

    data: fast_lane_limit (blank: off), distributor_first, rungs: [{id?, role, above,
    tier_id?, category_id?, active}] — a rung is never deleted, only made inactive.
    """
    if not policy.is_program_admin(actor):
        raise PermissionError("only the program admin sets co-op rules")
    problems: dict[str, list[str]] = {}
    fast = _money_field(data, "fast_lane_limit", "fast-lane limit", problems, required=False)
    rungs = []
    existing = {rule.id: rule for rule in ladder_all(program)}
    for number, raw in enumerate(data.get("rungs") or [], start=1):
        rule_id = raw.get("id")
        role = raw.get("role")
        if rule_id is None and not role:
            continue
        try:
            role = ApproverRole(role)
        except ValueError:
            problems.setdefault("rungs", []).append(f"Step {number}: choose who approves.")
            continue
        above = _money_field({"a": raw.get("above") or "0"}, "a", f"amount of step {number}",
                             problems, zero=True)  # fmt: skip
        if "a" in problems:
            problems.setdefault("rungs", []).extend(problems.pop("a"))
            continue
        rungs.append((existing.get(rule_id), role, above, raw))
    if problems:
        raise ValidationFailed(problems)
    before = {
        "fast_lane_limit": audit.jsonable(program.fast_lane_limit),
        "distributor_first": program.distributor_first,
        "rungs": [_rung_text(r) for r in ladder(program)],
    }
    program.fast_lane_limit = fast
    program.distributor_first = _bool(data.get("distributor_first"))
    for position, (rule, role, above, raw) in enumerate(rungs):
        if rule is None:
            rule = ApprovalRule(program_id=program.id)
            db.session.add(rule)
        rule.position = position
        rule.role = role
        rule.above = above
        rule.tier_id = int(raw["tier_id"]) if str(raw.get("tier_id") or "").isdigit() else None
        rule.category_id = (
            int(raw["category_id"]) if str(raw.get("category_id") or "").isdigit() else None
        )
        rule.active = _bool(raw.get("active", True))
    db.session.flush()
    after = {
        "fast_lane_limit": audit.jsonable(program.fast_lane_limit),
        "distributor_first": program.distributor_first,
        "rungs": [_rung_text(r) for r in ladder(program)],
    }
    if before != after:
        audit.record("coop.approval_rules_saved", program, actor=actor, before=before,
                     after=after, summary="Co-op approval rules changed")  # fmt: skip


def ladder_all(program: CoopProgram) -> list[ApprovalRule]:
    return list(
        db.session.scalars(
            sa.select(ApprovalRule)
            .where(ApprovalRule.program_id == program.id)
            .order_by(ApprovalRule.position, ApprovalRule.id)
        )
    )


def _rung_text(rule: ApprovalRule) -> str:
    text = f"{ROLE_LABELS[rule.role]} above {rule.above:,.2f}"
    if rule.tier_id:
        text += f" (tier {rule.tier_id})"
    if rule.category_id:
        text += f" (category {rule.category_id})"
    return text


# --- Who may see and do what ------------------------------------------------------------


def visible_proposals(viewer: Person) -> sa.Select:
    """Proposals the viewer may see: the OEM all but drafts; a partner its own (drafts
    included) and, for a distributor, its dealers' submitted ones."""
    stmt = policy.scope_by_organization(viewer, sa.select(Proposal), Proposal.organization_id)
    if viewer.is_oem:
        return stmt.where(Proposal.status != S.DRAFT)
    return stmt.where(
        sa.or_(Proposal.status != S.DRAFT, Proposal.organization_id == viewer.organization_id)
    )


def get_visible(viewer: Person, proposal_id: int, *, lock: bool = False) -> Proposal | None:
    stmt = visible_proposals(viewer).where(Proposal.id == proposal_id)
    if lock:
        stmt = stmt.with_for_update(of=Proposal)
    return db.session.scalar(stmt)


def is_owner(person: Person, proposal: Proposal) -> bool:
    """A marketer or admin of the proposing organisation."""
    return person.organization_id == proposal.organization_id and person.role in (
        Role.DEALER_MARKETER,
        Role.PARTNER_ADMIN,
    )


def can_propose(person: Person) -> bool:
    return not person.is_oem and person.role in (Role.DEALER_MARKETER, Role.PARTNER_ADMIN)


def is_oem_reviewer(person: Person) -> bool:
    return person.role in (Role.CHANNEL_MANAGER, Role.PROGRAM_ADMIN)


def _is_distributor_admin_over(person: Person, org: Organization) -> bool:
    mine = person.organization
    return (
        person.role == Role.PARTNER_ADMIN
        and mine.kind in (OrgKind.DISTRIBUTOR, OrgKind.MASTER_DISTRIBUTOR)
        and mine.id != org.id
        and org.path.startswith(mine.path)
    )


def current_rung(proposal: Proposal) -> ApproverRole | None:
    if proposal.status != S.SUBMITTED or proposal.approvals_done >= len(proposal.approval_steps):
        return None
    return ApproverRole(proposal.approval_steps[proposal.approvals_done])


def can_approve(person: Person, proposal: Proposal) -> bool:
    rung = current_rung(proposal)
    if rung is None:
        return False
    if rung == ApproverRole.DISTRIBUTOR:
        return _is_distributor_admin_over(person, proposal.organization)
    if rung == ApproverRole.CHANNEL_MANAGER:
        return is_oem_reviewer(person)
    return person.role == Role.PROGRAM_ADMIN


def can_decide(person: Person, proposal: Proposal) -> bool:
    """Decline or request changes: whoever may approve the current rung."""
    return can_approve(person, proposal)


def can_review_claim(person: Person, proposal: Proposal) -> bool:
    return proposal.status == S.CLAIM_SUBMITTED and is_oem_reviewer(person)


def can_comment(person: Person, proposal: Proposal) -> bool:
    if proposal.status == S.DRAFT:
        return is_owner(person, proposal)
    return (
        is_owner(person, proposal)
        or is_oem_reviewer(person)
        or _is_distributor_admin_over(person, proposal.organization)
    )


# --- Who it waits on (the SLA clock) ----------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    party: str  # "partner", "oem", "distributor" or "" (nobody)
    label: str  # "Waiting on Prairie Ag Dealers to submit"
    since: datetime


def waiting_on(proposal: Proposal) -> Waiting:
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
    if status in (S.DRAFT, S.CHANGES_REQUESTED, S.APPROVED, S.RUNNING, S.PAID):
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
        stmt = stmt.where(Proposal.status.in_([S.SUBMITTED, S.CLAIM_SUBMITTED, S.RESULTS_REPORTED]))
    elif _is_partner_admin_of_distributor(person):
        stmt = stmt.where(
            sa.or_(
                Proposal.status == S.SUBMITTED,
                Proposal.organization_id == person.organization_id,
            )
        )
    else:
        stmt = stmt.where(
            Proposal.organization_id == person.organization_id,
            Proposal.status.in_([S.DRAFT, S.CHANGES_REQUESTED, S.APPROVED, S.RUNNING, S.PAID]),
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


def _is_partner_admin_of_distributor(person: Person) -> bool:
    return person.role == Role.PARTNER_ADMIN and person.organization.kind in (
        OrgKind.DISTRIBUTOR,
        OrgKind.MASTER_DISTRIBUTOR,
    )


# --- Input ------------------------------------------------------------------------------


def _text(data: dict, name: str, label: str, limit: int, problems: dict, required=False) -> str:
    value = data.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        problems.setdefault(name, []).append(f"Enter the {label}.")
    elif len(value) > limit:
        problems.setdefault(name, []).append(
            f"Keep the {label} to {limit} characters (it has {len(value)})."
        )
    return value


def _date(data: dict, name: str, label: str, problems: dict) -> date | None:
    value = data.get(name)
    if isinstance(value, date):
        return value
    if not value:
        problems.setdefault(name, []).append(f"Enter the {label}.")
        return None
    try:
        parsed = date.fromisoformat(str(value).strip())
    except ValueError:
        problems.setdefault(name, []).append(f"Write the {label} as a date, e.g. 2027-04-15.")
        return None
    if not date(2000, 1, 1) <= parsed <= date(2100, 1, 1):
        problems.setdefault(name, []).append(f"The {label} {parsed} is not a plausible date.")
        return None
    return parsed


def _money_field(data: dict, name: str, label: str, problems: dict, *, required=True, zero=False):
    value = data.get(name)
    if value in (None, "") and not required:
        return None
    if isinstance(value, str):
        value = value.replace(",", "").strip()
    try:
        return ledger.parse_money(value, label, zero=zero)
    except ledger._Invalid as exc:
        problems.setdefault(name, []).append(str(exc))
        return None


def _count(data: dict, name: str, label: str, problems: dict) -> int | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        problems.setdefault(name, []).append(f"The {label} is a whole number, e.g. 40.")
        return None
    if not 0 <= number <= 10_000_000:
        problems.setdefault(name, []).append(f"The {label} must be between 0 and 10,000,000.")
        return None
    return number


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


@dataclass
class ProposalInput:
    values: dict
    lines: list[tuple[str, Decimal]]
    category: ActivityCategory | None


def parse_input(program: CoopProgram, data: dict) -> ProposalInput:
    """Check a proposal's fields as a form or the API sent them; a sentence per problem.

    `data["lines"]` is a list of {"description", "amount"}; blank rows are ignored.
    """
    problems: dict[str, list[str]] = {}
    currency = data.get("currency")
    if currency not in (None, "") and str(currency).upper() != program.currency:
        problems["currency"] = [
            f"This program pays in {program.currency}; give amounts in {program.currency}, "
            f"not {currency}."
        ]
    values = {
        "title": _text(data, "title", "title", 160, problems, required=True),
        "objective": _text(data, "objective", "objective", 4000, problems),
        "audience": _text(data, "audience", "audience", 300, problems),
        "territory": _text(data, "territory", "territory", 160, problems),
        "uses_oem_template": _bool(data.get("uses_oem_template")),
    }
    category = None
    try:
        category_id = int(data.get("category_id") or 0)
    except (TypeError, ValueError):
        category_id = 0
    if category_id:
        category = db.session.get(ActivityCategory, category_id)
        if category is None or category.program_id != program.id or not category.active:
            category = None
    if category is None:
        problems["category_id"] = ["Choose the kind of activity."]
    else:
        values["category_id"] = category.id
    starts = _date(data, "starts_on", "start date", problems)
    ends = _date(data, "ends_on", "end date", problems)
    if starts and ends and ends < starts:
        problems.setdefault("ends_on", []).append(
            f"The campaign ends ({ends}) before it starts ({starts}); check the dates."
        )
    values["starts_on"], values["ends_on"] = starts, ends
    values["requested_amount"] = _money_field(
        data, "requested_amount", "co-op requested", problems, zero=True
    )
    values["expected_leads"] = _count(data, "expected_leads", "expected number of leads", problems)
    values["expected_revenue"] = _money_field(
        data, "expected_revenue", "expected revenue", problems, required=False, zero=True
    )
    lines: list[tuple[str, Decimal]] = []
    raw_lines = data.get("lines") or []
    if not isinstance(raw_lines, list):
        raw_lines = []
        problems["lines"] = ["Budget lines are a list of {description, amount}."]
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw if isinstance(raw, dict) else {}
        description = str(raw.get("description") or "").strip()
        amount = raw.get("amount")
        if not description and amount in (None, ""):
            continue
        line_problems: dict[str, list[str]] = {}
        if not description:
            line_problems.setdefault("lines", []).append(
                f"Budget line {number}: say what the money is for."
            )
        elif len(description) > 200:
            line_problems.setdefault("lines", []).append(
                f"Budget line {number}: keep the description to 200 characters."
            )
        value = _money_field({"a": amount}, "a", f"amount of budget line {number}", line_problems)
        for sentence in line_problems.get("lines", []) + line_problems.get("a", []):
            problems.setdefault("lines", []).append(sentence)
        if value is not None and description:
            lines.append((description[:200], value))
    if len(lines) > MAX_LINES:
        problems.setdefault("lines", []).append(f"Keep the budget to {MAX_LINES} lines.")
    if problems:
        raise ValidationFailed(problems)
    return ProposalInput(values, lines, category)


def budget_total(proposal: Proposal) -> Decimal:
    return sum((line.amount for line in proposal.lines), ZERO)


def max_request(budget: Decimal, share: Decimal) -> Decimal:
    return (budget * share).quantize(CENT, rounding=ROUND_HALF_UP)


def available_for(organization: Organization, program: CoopProgram) -> Decimal:
    account = account_of(organization, program)
    return account.available if account is not None else ZERO


def check_request(proposal: Proposal, program: CoopProgram, on: date | None = None) -> list[str]:
    """Sentences on what stops the requested amount from being submitted (empty: fine).
    `on` is the day of submission (default today)."""
    problems = []
    budget = budget_total(proposal)
    share = share_for(proposal.category, proposal.uses_oem_template)
    if not proposal.lines:
        problems.append("Add at least one budget line: what will the campaign cost?")
    if proposal.requested_amount <= 0:
        problems.append("Enter the co-op amount you ask for.")
    elif budget and proposal.requested_amount > max_request(budget, share):
        problems.append(
            f"{proposal.category.name} is reimbursed at {share * 100:.0f}% of cost: on a budget "
            f"of {_money(budget, program)} ask for at most {_money(max_request(budget, share), program)}."
        )
    available = available_for(proposal.organization, program)
    if proposal.requested_amount > available:
        problems.append(
            f"You have {_money(available, program)} of co-op available; ask for that or less, "
            "or wait for new purchases to accrue."
        )
    if proposal.ends_on < (on or today()) and proposal.category.needs_preapproval:
        problems.append(
            f"The campaign ended on {proposal.ends_on}; proposals are for campaigns still to come."
        )
    return problems


# --- Events, notifications, live updates ------------------------------------------------


def proposal_room(proposal_id: int) -> str:
    return f"proposal:{proposal_id}"


def _event(
    proposal: Proposal, kind: ProposalEventKind, actor: Person | None, body: str = "", **data
) -> ProposalEvent:
    event = ProposalEvent(
        proposal_id=proposal.id,
        kind=kind,
        author_id=getattr(actor, "id", None),
        body=body,
        data={k: audit.jsonable(v) for k, v in data.items()},
    )
    db.session.add(event)
    db.session.flush()
    payload = {"proposal_id": proposal.id, "event_id": event.id, "kind": kind.value}
    db.on_commit(lambda: socketio.emit("proposal:event", payload, to=proposal_room(proposal.id)))
    return event


def _touch(proposal: Proposal, status: ProposalStatus | None = None) -> None:
    now = utcnow()
    if status is not None:
        proposal.status = status
        proposal.status_changed_at = now
    proposal.updated_at = now


def _url(proposal: Proposal) -> str:
    return f"/campaigns/proposals/{proposal.id}"


def _notify_owners(proposal: Proposal, kind: str, text: str, actor: Person | None) -> None:
    people = db.session.scalars(
        sa.select(Person.id).where(
            Person.organization_id == proposal.organization_id,
            Person.active.is_(True),
            sa.or_(Person.id == proposal.created_by_id, Person.role == Role.PARTNER_ADMIN),
        )
    ).all()
    for person_id in set(people) - {getattr(actor, "id", None)}:
        notify(person_id, kind, text, _url(proposal))


def _approvers(proposal: Proposal) -> list[int]:
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
                    Organization.kind.in_([OrgKind.DISTRIBUTOR, OrgKind.MASTER_DISTRIBUTOR]),
                )
            )
        )
    if rung == ApproverRole.CHANNEL_MANAGER:
        manager = covering_channel_manager(org)
        if manager is not None:
            return [manager.id]
        role = Role.CHANNEL_MANAGER
    else:
        role = Role.PROGRAM_ADMIN
    return list(
        db.session.scalars(sa.select(Person.id).where(Person.role == role, Person.active.is_(True)))
    )


def _notify_reviewers(proposal: Proposal, kind: str, text: str, actor: Person | None) -> None:
    if proposal.status == S.SUBMITTED:
        people = _approvers(proposal)
    else:
        manager = covering_channel_manager(proposal.organization)
        people = (
            [manager.id]
            if manager
            else list(
                db.session.scalars(
                    sa.select(Person.id).where(
                        Person.role == Role.CHANNEL_MANAGER, Person.active.is_(True)
                    )
                )
            )
        )
    for person_id in set(people) - {getattr(actor, "id", None)}:
        notify(person_id, kind, text, _url(proposal))


def _audit(action: str, proposal: Proposal, actor, summary: str, before=None, after=None):
    audit.record(
        action,
        proposal,
        object_type="Proposal",
        actor=actor,
        summary=summary,
        before=before,
        after=after,
    )


def _snapshot(proposal: Proposal) -> dict:
    data = audit.snapshot(proposal, (*FIELDS, "status"))
    data["lines"] = [[line.description, str(line.amount)] for line in proposal.lines]
    return data


# --- Drafting ---------------------------------------------------------------------------


def create(actor: Person, program: CoopProgram, data: dict) -> Proposal:
    """A new draft for the actor's own organisation."""
    if not can_propose(actor):
        raise PermissionError("only a partner's marketer or admin proposes campaigns")
    parsed = parse_input(program, data)
    proposal = Proposal(
        program_id=program.id,
        organization_id=actor.organization_id,
        created_by_id=actor.id,
        status=S.DRAFT,
        **parsed.values,
    )
    proposal.lines = [
        BudgetLine(position=i, description=d, amount=a) for i, (d, a) in enumerate(parsed.lines)
    ]
    db.session.add(proposal)
    db.session.flush()
    _event(proposal, ProposalEventKind.STATUS, actor, "Started a draft", status="draft")
    _audit("proposal.created", proposal, actor, f"Proposal “{proposal.title}” drafted",
           after=_snapshot(proposal))  # fmt: skip
    return proposal


def _apply(proposal: Proposal, parsed: ProposalInput) -> None:
    for name, value in parsed.values.items():
        setattr(proposal, name, value)
    if parsed.category is not None:
        proposal.category = parsed.category
    old = [(line.description, line.amount) for line in proposal.lines]
    if old != parsed.lines:
        proposal.lines = [
            BudgetLine(position=i, description=d, amount=a) for i, (d, a) in enumerate(parsed.lines)
        ]


def update(actor: Person, proposal: Proposal, data: dict) -> Proposal:
    """The dealer edits a draft or a proposal sent back for changes."""
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation edits its proposal")
    if proposal.status not in EDITABLE:
        raise Conflict(
            f"This proposal is {STATUS_LABELS[proposal.status].lower()}; it can only be edited "
            "as a draft or when changes were requested."
        )
    parsed = parse_input(_program(proposal), data)
    before = _snapshot(proposal)
    _apply(proposal, parsed)
    _touch(proposal)
    db.session.flush()
    after = _snapshot(proposal)
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    if changed:
        _event(proposal, ProposalEventKind.EDIT, actor, "Edited " + ", ".join(FIELD_LABELS.get(k, k) for k in changed),
               fields=changed)  # fmt: skip
        _audit("proposal.edited", proposal, actor, f"Proposal “{proposal.title}” edited",
               before=before, after=after)  # fmt: skip
    return proposal


def withdraw(actor: Person, proposal: Proposal) -> Proposal:
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation withdraws its proposal")
    if proposal.status not in (S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED):
        raise Conflict("Only a proposal that is not yet approved can be withdrawn.")
    before = proposal.status.value
    _touch(proposal, S.WITHDRAWN)
    _event(proposal, ProposalEventKind.STATUS, actor, "Withdrew the proposal", status="withdrawn")
    _audit("proposal.withdrawn", proposal, actor, f"Proposal “{proposal.title}” withdrawn",
           before={"status": before}, after={"status": "withdrawn"})  # fmt: skip
    return proposal


# --- Submission and approval ------------------------------------------------------------


def approval_steps(proposal: Proposal, program: CoopProgram) -> list[str]:
    """The rungs this proposal must climb, from the program's ladder as it is now."""
    steps: list[str] = []
    org = proposal.organization
    parent_is_distributor = False
    if program.distributor_first and org.parent_id:
        parent = db.session.get(Organization, org.parent_id)
        parent_is_distributor = parent is not None and parent.kind in (
            OrgKind.DISTRIBUTOR,
            OrgKind.MASTER_DISTRIBUTOR,
        )
    if parent_is_distributor:
        steps.append(ApproverRole.DISTRIBUTOR.value)
    for rule in ladder(program):
        if proposal.requested_amount <= rule.above:
            continue
        if rule.tier_id is not None and rule.tier_id != org.tier_id:
            continue
        if rule.category_id is not None and rule.category_id != proposal.category_id:
            continue
        if rule.role.value not in steps:
            steps.append(rule.role.value)
    if not steps:
        steps.append(ApproverRole.CHANNEL_MANAGER.value)
    return steps


def in_fast_lane(proposal: Proposal, program: CoopProgram) -> bool:
    return (
        proposal.uses_oem_template
        and program.fast_lane_limit is not None
        and proposal.requested_amount <= program.fast_lane_limit
    )


def submit(actor: Person, proposal: Proposal, *, on: date | None = None) -> Proposal:
    """Send the proposal for approval, stamping the program's terms as they are today.
    A template-built request under the fast-lane limit is approved at once."""
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation submits its proposal")
    if proposal.status not in EDITABLE:
        raise Conflict(f"This proposal is already {STATUS_LABELS[proposal.status].lower()}.")
    program = _program(proposal)
    problems = check_request(proposal, program, on=on)
    if problems:
        raise ValidationFailed({"requested_amount": problems})
    resubmitted = proposal.status == S.CHANGES_REQUESTED
    proposal.share = share_for(proposal.category, proposal.uses_oem_template)
    proposal.claim_window_days = program.claim_window_days
    proposal.minimum_claim = program.minimum_claim
    proposal.revision += 1
    proposal.approvals_done = 0
    proposal.submitted_at = utcnow()
    fast = in_fast_lane(proposal, program)
    unchecked = not proposal.category.needs_preapproval
    proposal.approval_steps = [] if fast or unchecked else approval_steps(proposal, program)
    _touch(proposal, S.SUBMITTED)
    db.session.flush()
    verb = "Resubmitted" if resubmitted else "Submitted"
    _event(proposal, ProposalEventKind.STATUS, actor, f"{verb} for approval", status="submitted",
           revision=proposal.revision, steps=proposal.approval_steps)  # fmt: skip
    _audit("proposal.submitted", proposal, actor,
           f"Proposal “{proposal.title}” {verb.lower()} (revision {proposal.revision})",
           after=_snapshot(proposal))  # fmt: skip
    if unchecked and not fast:
        _event(proposal, ProposalEventKind.APPROVAL, None,
               f"{proposal.category.name} needs no approval before it runs: the money is held "
               "now, and the OEM reviews the claim", rung="no_preapproval")  # fmt: skip
        _final_approval(proposal, program, actor=None, on=on)
    elif fast:
        _event(proposal, ProposalEventKind.APPROVAL, None,
               f"Fast lane: built on an OEM template and at most "
               f"{_money(program.fast_lane_limit, program)}", rung="fast_lane")  # fmt: skip
        _final_approval(proposal, program, actor=None, on=on)
    else:
        _notify_reviewers(
            proposal,
            "proposal.submitted",
            f"{proposal.organization.name} {verb.lower()} “{proposal.title}” "
            f"({_money(proposal.requested_amount, program)})",
            actor,
        )
    return proposal


def _replayed(proposal: Proposal, key: str | None, action: str) -> bool:
    if not key:
        return False
    events = db.session.scalars(
        sa.select(ProposalEvent).where(
            ProposalEvent.proposal_id == proposal.id,
            ProposalEvent.kind.in_([ProposalEventKind.APPROVAL, ProposalEventKind.STATUS]),
        )
    )
    for event in events:
        if (event.data or {}).get("key") == key:
            if event.data.get("action") != action:
                raise Conflict(f"The idempotency key “{key}” was already used for another step.")
            return True
    return False


def approve(
    actor: Person,
    proposal: Proposal,
    *,
    note: str = "",
    idempotency_key: str | None = None,
    on: date | None = None,
) -> Proposal:
    """Approve the current rung; the last rung holds the funds and stamps the claim terms.
    Call with the proposal locked (`get_visible(..., lock=True)`)."""
    if _replayed(proposal, idempotency_key, "approve"):
        return proposal
    if proposal.status != S.SUBMITTED:
        raise Conflict(
            f"This proposal is {STATUS_LABELS[proposal.status].lower()}; only a submitted "
            "proposal can be approved."
        )
    if not can_approve(actor, proposal):
        raise PermissionError("not the approver of this rung")
    done = {
        event.author_id
        for event in _events(proposal, ProposalEventKind.APPROVAL)
        if (event.data or {}).get("revision") == proposal.revision
    }
    if actor.id in done:
        raise Conflict(
            "You approved an earlier step of this proposal; someone else approves this one."
        )
    program = _program(proposal)
    rung = current_rung(proposal)
    proposal.approvals_done += 1
    last = proposal.approvals_done >= len(proposal.approval_steps)
    _event(proposal, ProposalEventKind.APPROVAL, actor, note.strip()[:2000] or "Approved",
           rung=rung.value, revision=proposal.revision, key=idempotency_key,
           action="approve")  # fmt: skip
    if last:
        _final_approval(proposal, program, actor, on=on)
    else:
        _touch(proposal)
        proposal.status_changed_at = utcnow()  # the next rung's clock starts now
        _audit("proposal.step_approved", proposal, actor,
               f"Proposal “{proposal.title}” approved by {ROLE_LABELS[rung]}; "
               f"waiting on {ROLE_LABELS[current_rung(proposal)]}")  # fmt: skip
        _notify_reviewers(
            proposal,
            "proposal.submitted",
            f"“{proposal.title}” from {proposal.organization.name} needs your approval "
            f"({_money(proposal.requested_amount, program)})",
            actor,
        )
    return proposal


def _final_approval(proposal: Proposal, program: CoopProgram, actor, on: date | None) -> None:
    account = ledger.get_or_create_account(proposal.organization, program, actor)
    hold = ledger.place_hold(
        account,
        proposal.requested_amount,
        reference=f"proposal:{proposal.id}",
        idempotency_key=f"proposal-{proposal.id}-r{proposal.revision}",
        actor=actor,
        on=on,
    )
    proposal.hold_id = hold.id
    proposal.max_reimbursement = hold.amount
    window = (
        proposal.claim_window_days
        if proposal.claim_window_days is not None
        else program.claim_window_days
    )
    proposal.claim_deadline = proposal.ends_on + timedelta(days=window)
    proposal.decided_at = utcnow()
    day = on or today()
    status = S.RUNNING if proposal.starts_on <= day else S.APPROVED
    _touch(proposal, status)
    db.session.flush()
    _event(proposal, ProposalEventKind.STATUS, actor,
           f"Approved: {_money(hold.amount, program)} held until the claim deadline "
           f"{proposal.claim_deadline}", status=status.value, hold_id=hold.id)  # fmt: skip
    _audit("proposal.approved", proposal, actor,
           f"Proposal “{proposal.title}” approved; {_money(hold.amount, program)} held",
           after={"status": status.value, "hold_id": hold.id,
                  "max_reimbursement": str(hold.amount),
                  "claim_deadline": str(proposal.claim_deadline)})  # fmt: skip
    _notify_owners(
        proposal,
        "proposal.approved",
        f"“{proposal.title}” is approved: {_money(hold.amount, program)} is held for it. "
        f"Claim by {proposal.claim_deadline:%d %b %Y}.",
        actor,
    )


def request_changes(actor: Person, proposal: Proposal, note: str) -> Proposal:
    if proposal.status != S.SUBMITTED:
        raise Conflict("Changes can only be requested on a proposal waiting for approval.")
    if not can_decide(actor, proposal):
        raise PermissionError("not the approver of this rung")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": ["Say what should change, so the dealer can fix it."]})
    _touch(proposal, S.CHANGES_REQUESTED)
    _event(proposal, ProposalEventKind.STATUS, actor, note[:2000], status="changes_requested")
    _audit("proposal.changes_requested", proposal, actor,
           f"Changes requested on “{proposal.title}”", after={"note": note[:300]})  # fmt: skip
    _notify_owners(proposal, "proposal.changes_requested",
                   f"Changes requested on “{proposal.title}”: {note[:200]}", actor)  # fmt: skip
    return proposal


def decline(actor: Person, proposal: Proposal, reason: str, *, idempotency_key=None) -> Proposal:
    if _replayed(proposal, idempotency_key, "decline"):
        return proposal
    if proposal.status != S.SUBMITTED:
        raise Conflict("Only a proposal waiting for approval can be declined.")
    if not can_decide(actor, proposal):
        raise PermissionError("not the approver of this rung")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Give the reason for declining; the dealer sees it."]})
    proposal.decline_reason = reason[:500]
    proposal.decided_at = utcnow()
    _touch(proposal, S.DECLINED)
    _event(proposal, ProposalEventKind.STATUS, actor, reason[:2000], status="declined",
           key=idempotency_key, action="decline")  # fmt: skip
    _audit("proposal.declined", proposal, actor, f"Proposal “{proposal.title}” declined",
           after={"status": "declined", "reason": reason[:300]})  # fmt: skip
    _notify_owners(proposal, "proposal.declined",
                   f"“{proposal.title}” was declined: {reason[:200]}", actor)  # fmt: skip
    return proposal


def _events(proposal: Proposal, kind: ProposalEventKind | None = None) -> list[ProposalEvent]:
    stmt = sa.select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id)
    if kind is not None:
        stmt = stmt.where(ProposalEvent.kind == kind)
    return list(db.session.scalars(stmt.order_by(ProposalEvent.id)))


def thread(proposal: Proposal) -> list[ProposalEvent]:
    return _events(proposal)


# --- Discussion and suggested edits -----------------------------------------------------


def comment(actor: Person, proposal: Proposal, body: str) -> ProposalEvent:
    if not can_comment(actor, proposal):
        raise PermissionError("may not comment on this proposal")
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": ["Write a comment first."]})
    if len(body) > 4000:
        raise ValidationFailed(
            {"body": [f"Keep a comment to 4,000 characters (it has {len(body):,})."]}
        )
    event = _event(proposal, ProposalEventKind.COMMENT, actor, body)
    _audit("proposal.commented", proposal, actor, f"Comment on “{proposal.title}”")
    text = f"{actor.name} commented on “{proposal.title}”: {body[:150]}"
    if is_owner(actor, proposal):
        if proposal.status != S.DRAFT:
            _notify_reviewers(proposal, "proposal.comment", text, actor)
    else:
        _notify_owners(proposal, "proposal.comment", text, actor)
    return event


def _field_value(proposal: Proposal, field: str) -> str:
    value = getattr(proposal, field)
    return "" if value is None else str(value)


def suggest(
    actor: Person, proposal: Proposal, field: str, value: str, note: str = ""
) -> Suggestion:
    """The OEM suggests a new value for one field; the dealer accepts or rejects it."""
    if not (is_oem_reviewer(actor) or _is_distributor_admin_over(actor, proposal.organization)):
        raise PermissionError("only reviewers suggest edits")
    if proposal.status not in OPEN_TO_SUGGESTIONS:
        raise Conflict("Edits can be suggested while a proposal waits for approval or changes.")
    if field not in SUGGESTIBLE:
        raise ValidationFailed({"field": ["Choose which field the suggestion changes."]})
    value = (value or "").strip()
    # Check the value as the dealer's own edit would be checked.
    data = _as_data(proposal)
    data[field] = value
    try:
        parse_input(_program(proposal), data)
    except ValidationFailed as exc:
        raise ValidationFailed(
            {"value": [m for msgs in exc.problems.values() for m in msgs]}
        ) from None
    old = _field_value(proposal, field)
    if value == old:
        raise ValidationFailed({"value": ["That is what the proposal already says."]})
    suggestion = Suggestion(
        proposal_id=proposal.id, field=field, old_value=old, new_value=value,
        note=(note or "").strip()[:500], author_id=actor.id,
    )  # fmt: skip
    db.session.add(suggestion)
    db.session.flush()
    _event(proposal, ProposalEventKind.SUGGESTION, actor, suggestion.note,
           suggestion_id=suggestion.id, field=field, old=old, new=value,
           action="suggested")  # fmt: skip
    _audit("proposal.edit_suggested", proposal, actor,
           f"Edit suggested on “{proposal.title}”: {SUGGESTIBLE[field]}",
           after={"field": field, "value": value[:200]})  # fmt: skip
    _notify_owners(proposal, "proposal.suggestion",
                   f"{actor.name} suggests an edit to “{proposal.title}”: "
                   f"{SUGGESTIBLE[field]} → {value[:80]}", actor)  # fmt: skip
    return suggestion


def _as_data(proposal: Proposal) -> dict:
    data = {name: getattr(proposal, name) for name in FIELDS}
    for name in ("requested_amount", "expected_revenue"):
        if data[name] is not None:
            data[name] = str(data[name])
    data["lines"] = [
        {"description": line.description, "amount": str(line.amount)} for line in proposal.lines
    ]
    return data


def decide_suggestion(actor: Person, suggestion: Suggestion, accept: bool) -> Suggestion:
    proposal = db.session.get(Proposal, suggestion.proposal_id)
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation decides on suggestions")
    if suggestion.status != SuggestionStatus.OPEN:
        raise Conflict(f"This suggestion was already {suggestion.status.value}.")
    if proposal.status not in OPEN_TO_SUGGESTIONS:
        raise Conflict("This proposal can no longer be changed.")
    if accept:
        current = _field_value(proposal, suggestion.field)
        if current != suggestion.old_value:
            raise Conflict(
                f"{SUGGESTIBLE[suggestion.field]} changed since this was suggested; "
                "reject it and ask for a new suggestion."
            )
        data = _as_data(proposal)
        data[suggestion.field] = suggestion.new_value
        parsed = parse_input(_program(proposal), data)
        before = _snapshot(proposal)
        _apply(proposal, parsed)
        _touch(proposal)
        db.session.flush()
        if proposal.status == S.SUBMITTED:
            problems = check_request(proposal, _program(proposal))
            if problems:
                raise ValidationFailed({"": problems})
        after = _snapshot(proposal)
    suggestion.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.REJECTED
    suggestion.decided_by_id = actor.id
    suggestion.decided_at = utcnow()
    verb = "Accepted" if accept else "Rejected"
    _event(proposal, ProposalEventKind.SUGGESTION, actor,
           f"{verb} the suggested {SUGGESTIBLE[suggestion.field].lower()}",
           suggestion_id=suggestion.id, field=suggestion.field,
           action=suggestion.status.value)  # fmt: skip
    _audit(f"proposal.suggestion_{suggestion.status.value}", proposal, actor,
           f"{verb} suggested edit on “{proposal.title}”: {SUGGESTIBLE[suggestion.field]}",
           before=before if accept else None, after=after if accept else None)  # fmt: skip
    author = suggestion.author_id
    if author != actor.id:
        notify(author, "proposal.suggestion",
               f"{proposal.organization.name} {verb.lower()} your suggestion on “{proposal.title}”",
               _url(proposal))  # fmt: skip
    return suggestion


def open_suggestions(proposal: Proposal) -> list[Suggestion]:
    return list(
        db.session.scalars(
            sa.select(Suggestion)
            .where(
                Suggestion.proposal_id == proposal.id, Suggestion.status == SuggestionStatus.OPEN
            )
            .order_by(Suggestion.id)
        )
    )


# --- Files ----------------------------------------------------------------------------

FILE_FOLDER = "campaigns"


def keep_file(
    actor: Person, organization_id: int, data: bytes, filename: str, content_type=None
) -> StoredFile:
    """Check an uploaded asset or proof (images re-encoded, PDFs rewritten; a file that is
    not what it says is refused with a sentence) and keep it as the organisation's."""
    accepted = uploads.accept_upload(data, filename, content_type, field="file")
    return uploads.keep(
        accepted, FILE_FOLDER, organization_id=organization_id, uploaded_by_id=actor.id
    )


# --- Assets ---------------------------------------------------------------------------


def add_asset(
    actor: Person | None,
    proposal: Proposal,
    title: str,
    description: str = "",
    file: StoredFile | None = None,
    source: AssetSource = AssetSource.DEALER,
) -> ProposalAsset:
    """A planned creative piece (no file yet) or an attached one. The co-branding studio
    attaches its outputs here with source=studio."""
    title = (title or "").strip()
    if not title or len(title) > 160:
        raise ValidationFailed({"title": ["Name the asset in at most 160 characters."]})
    asset = ProposalAsset(
        proposal_id=proposal.id,
        title=title,
        description=(description or "").strip()[:500],
        source=source,
        file_id=file.id if file is not None else None,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(asset)
    db.session.flush()
    what = f"Attached {file.filename}" if file is not None else "Planned"
    _event(proposal, ProposalEventKind.EDIT, actor, f"{what}: {title}", asset_id=asset.id)
    _audit("proposal.asset_added", proposal, actor, f"Asset “{title}” added to “{proposal.title}”")
    return asset


# --- Running, claims and payment --------------------------------------------------------


@dataclass
class ClaimLineInput:
    description: str
    amount: Decimal
    proofs: list[tuple[str, StoredFile]]


def parse_claim_lines(proposal: Proposal, raw_lines: list[dict]) -> list[ClaimLineInput]:
    """Check claim lines; `raw_lines` items are {description, amount, proofs: [(kind, file)]}."""
    problems: list[str] = []
    lines: list[ClaimLineInput] = []
    for number, raw in enumerate(raw_lines, start=1):
        description = str(raw.get("description") or "").strip()
        amount = raw.get("amount")
        proofs = raw.get("proofs") or []
        if not description and amount in (None, "") and not proofs:
            continue
        if not description:
            problems.append(f"Cost line {number}: say what was paid for.")
        if isinstance(amount, str):
            amount = amount.replace(",", "").strip()
        try:
            value = ledger.parse_money(amount, f"cost of line {number}")
        except ledger._Invalid as exc:
            problems.append(str(exc))
            value = None
        if not proofs:
            problems.append(f"Cost line {number}: attach proof (an invoice at least).")
        for kind, _file in proofs:
            if kind not in PROOF_KINDS:
                problems.append(f"Cost line {number}: choose what kind of proof each file is.")
        if description and value is not None:
            lines.append(ClaimLineInput(description[:200], value, list(proofs)))
    if not lines and not problems:
        problems.append("Add the campaign's actual costs, one line each, with proof.")
    if len(lines) > MAX_LINES:
        problems.append(f"Keep a claim to {MAX_LINES} lines.")
    required = proposal.category.required_proofs or []
    given = {kind for line in lines for kind, _ in line.proofs}
    missing = [PROOF_KINDS.get(kind, kind) for kind in required if kind not in given]
    if lines and missing:
        problems.append(
            f"{proposal.category.name} claims need: {', '.join(missing).lower()}. "
            "Attach each to the line it proves."
        )
    if problems:
        raise ValidationFailed({"lines": problems})
    return lines


def claimable_cost(proposal: Proposal) -> Decimal:
    """The most cost worth claiming: beyond it the reimbursement stops at the hold."""
    return (proposal.max_reimbursement / proposal.share).quantize(CENT, rounding=ROUND_HALF_UP)


def submit_claim(
    actor: Person,
    proposal: Proposal,
    raw_lines: list[dict],
    *,
    note: str = "",
    idempotency_key: str | None = None,
    on: date | None = None,
) -> Claim:
    """The dealer claims actual costs with proof, within the deadline and the hold."""
    if idempotency_key:
        existing = db.session.scalar(
            sa.select(Claim).where(Claim.idempotency_key == idempotency_key)
        )
        if existing is not None:
            if existing.proposal_id != proposal.id:
                raise Conflict(
                    f"The idempotency key “{idempotency_key}” was used for another claim."
                )
            return existing
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation claims")
    existing = db.session.scalar(sa.select(Claim).where(Claim.proposal_id == proposal.id))
    if existing is not None and existing.status != ClaimStatus.RETURNED:
        raise Conflict(
            f"A claim for this campaign was already submitted on {existing.submitted_at:%d %b %Y}; "
            "it is " + ("being reviewed." if existing.status == ClaimStatus.SUBMITTED else "paid.")
        )
    if proposal.status not in CLAIMABLE:
        raise Conflict(
            f"This proposal is {STATUS_LABELS[proposal.status].lower()}; only an approved "
            "campaign can be claimed."
        )
    day = on or today()
    program = _program(proposal)
    if day > proposal.claim_deadline:
        raise Conflict(
            f"The claim deadline was {proposal.claim_deadline}; this campaign can no longer be claimed."
        )
    lines = parse_claim_lines(proposal, raw_lines)
    total = sum((line.amount for line in lines), ZERO)
    reimbursement = (total * proposal.share).quantize(CENT, rounding=ROUND_HALF_UP)
    if reimbursement > proposal.max_reimbursement:
        raise ValidationFailed({"lines": [
            f"Co-op pays {proposal.share * 100:.0f}% of cost up to the "
            f"{_money(proposal.max_reimbursement, program)} held for this campaign: claim at most "
            f"{_money(claimable_cost(proposal), program)} of costs (these lines add up to "
            f"{_money(total, program)})."]})  # fmt: skip
    if proposal.minimum_claim and reimbursement < proposal.minimum_claim:
        raise ValidationFailed({"lines": [
            f"Claims must reimburse at least {_money(proposal.minimum_claim, program)}; these "
            f"costs would reimburse {_money(reimbursement, program)}."]})  # fmt: skip
    if existing is None:
        claim = Claim(proposal_id=proposal.id, submitted_by_id=actor.id)
        db.session.add(claim)
    else:
        claim = existing
        claim.lines = []
        db.session.flush()
        claim.submitted_by_id = actor.id
        claim.submitted_at = utcnow()
        claim.decided_by_id = None
        claim.decided_at = None
        # Sent again, it is a claim still to decide: the last review's figures are in the
        # thread, not on the claim.
        claim.eligible_cost = None
        claim.decision_note = ""
    claim.status = ClaimStatus.SUBMITTED
    claim.note = (note or "").strip()[:1000]
    claim.idempotency_key = idempotency_key
    claim.lines = [
        ClaimLine(position=i, description=line.description, amount=line.amount,
                  proofs=[ClaimProof(kind=kind, file_id=file.id) for kind, file in line.proofs])
        for i, line in enumerate(lines)
    ]  # fmt: skip
    _touch(proposal, S.CLAIM_SUBMITTED)
    db.session.flush()
    _event(proposal, ProposalEventKind.STATUS, actor,
           f"Claimed {_money(total, program)} of costs (co-op {_money(reimbursement, program)})",
           status="claim_submitted", claim_id=claim.id)  # fmt: skip
    _audit("proposal.claim_submitted", proposal, actor,
           f"Claim on “{proposal.title}”: {_money(total, program)} of costs",
           after={"claim_id": claim.id, "costs": str(total),
                  "lines": [[line.description, str(line.amount)] for line in lines]})  # fmt: skip
    _notify_reviewers(proposal, "proposal.claim",
                      f"{proposal.organization.name} claimed {_money(reimbursement, program)} "
                      f"for “{proposal.title}”", actor)  # fmt: skip
    return claim


def claim_of(proposal: Proposal) -> Claim | None:
    return db.session.scalar(sa.select(Claim).where(Claim.proposal_id == proposal.id))


@dataclass
class LineDecision:
    line_id: int
    approved_cost: Decimal
    reason_code: str | None
    reason_note: str


def parse_decisions(claim: Claim, raw: dict[int, dict]) -> list[LineDecision]:
    """raw: line id → {approved_cost, reason_code, reason_note}. A line cut needs a reason."""
    problems: list[str] = []
    decisions = []
    for number, line in enumerate(claim.lines, start=1):
        entry = raw.get(line.id) or {}
        value = entry.get("approved_cost")
        if value in (None, ""):
            value = line.amount
        if isinstance(value, str):
            value = value.replace(",", "").strip()
        try:
            approved = ledger.parse_money(value, f"accepted cost of line {number}", zero=True)
        except ledger._Invalid as exc:
            problems.append(str(exc))
            continue
        if approved > line.amount:
            problems.append(
                f"Line {number}: accept at most the {line.amount:,.2f} claimed, not {approved:,.2f}."
            )
            continue
        code = (entry.get("reason_code") or "").strip() or None
        note = (entry.get("reason_note") or "").strip()[:500]
        if approved < line.amount and code not in REASON_CODES:
            problems.append(
                f"Line {number}: choose a reason for accepting less than claimed, so the dealer "
                "knows what to fix."
            )
            continue
        decisions.append(
            LineDecision(line.id, approved, code if approved < line.amount else None, note)
        )
    if problems:
        raise ValidationFailed({"lines": problems})
    return decisions


def review_claim(
    actor: Person,
    proposal: Proposal,
    raw_decisions: dict[int, dict],
    *,
    pay: bool = True,
    note: str = "",
    idempotency_key: str | None = None,
    on: date | None = None,
) -> Claim:
    """Accept each line in full or in part (with a reason code) and pay — the reimbursement
    and the release of the rest of the hold in one go — or return the claim to be fixed."""
    claim = claim_of(proposal)
    if claim is not None and idempotency_key and _replayed(proposal, idempotency_key, "review"):
        return claim
    if claim is None or proposal.status != S.CLAIM_SUBMITTED:
        raise Conflict("There is no claim waiting for review on this proposal.")
    if not can_review_claim(actor, proposal):
        raise PermissionError("only the OEM reviews claims")
    decisions = parse_decisions(claim, raw_decisions)
    by_id = {line.id: line for line in claim.lines}
    for decision in decisions:
        line = by_id[decision.line_id]
        line.approved_cost = decision.approved_cost
        line.reason_code = decision.reason_code
        line.reason_note = decision.reason_note
    program = _program(proposal)
    eligible = sum((d.approved_cost for d in decisions), ZERO)
    claim.eligible_cost = eligible
    claim.decided_by_id = actor.id
    claim.decided_at = utcnow()
    claim.decision_note = (note or "").strip()[:1000]
    cut = [d for d in decisions if d.reason_code]
    if not pay:
        if not cut and not claim.decision_note:
            raise ValidationFailed(
                {"note": ["Say what the dealer should fix before returning the claim."]}
            )
        claim.status = ClaimStatus.RETURNED
        _touch(proposal, S.RUNNING)
        _event(proposal, ProposalEventKind.STATUS, actor, claim.decision_note or "Claim returned to fix",
               status="claim_returned", key=idempotency_key, action="review")  # fmt: skip
        _audit("proposal.claim_returned", proposal, actor, f"Claim on “{proposal.title}” returned")
        _notify_owners(proposal, "proposal.claim", f"Your claim on “{proposal.title}” needs fixes: "
                       f"{_fix_summary(cut, claim) or claim.decision_note[:150]}", actor)  # fmt: skip
        return claim
    hold = db.session.get(Hold, proposal.hold_id)
    reimbursement = min(
        (eligible * proposal.share).quantize(CENT, rounding=ROUND_HALF_UP), hold.amount
    )
    movement = ledger.settle_claim(
        hold,
        reimbursement,
        actor,
        idempotency_key=f"proposal-{proposal.id}-claim",
        on=on,
        reason=f"Claim on proposal {proposal.id}",
    )
    claim.approved_amount = movement.reimbursed
    claim.status = ClaimStatus.PAID
    proposal.reimbursed_amount = movement.reimbursed
    _touch(proposal, S.PAID)
    partial = " in part" if cut else ""
    _event(proposal, ProposalEventKind.STATUS, actor,
           f"Claim approved{partial}: {_money(eligible, program)} eligible × "
           f"{proposal.share * 100:.0f}% = {_money(movement.reimbursed, program)} paid; "
           f"{_money(movement.released, program)} released" + (f". {claim.decision_note}" if claim.decision_note else ""),
           status="paid", key=idempotency_key, action="review",
           reimbursed=movement.reimbursed, released=movement.released)  # fmt: skip
    _audit("proposal.claim_paid", proposal, actor,
           f"Claim on “{proposal.title}” paid{partial}: {_money(movement.reimbursed, program)}",
           after={"eligible_cost": str(eligible), "reimbursed": str(movement.reimbursed),
                  "released": str(movement.released), "expired": str(movement.expired),
                  "cut_lines": [[d.line_id, d.reason_code] for d in cut]})  # fmt: skip
    text = f"“{proposal.title}”: {_money(movement.reimbursed, program)} paid{partial}."
    if cut:
        text += " " + _fix_summary(cut, claim)
    _notify_owners(
        proposal, "proposal.paid", text + " Report the results when you have them.", actor
    )
    return claim


def _fix_summary(cut: list[LineDecision], claim: Claim) -> str:
    by_id = {line.id: line for line in claim.lines}
    return "; ".join(
        f"{by_id[d.line_id].description}: {REASON_CODES[d.reason_code].lower()}"
        + (f" ({d.reason_note})" if d.reason_note else "")
        for d in cut
    )


# --- Results ----------------------------------------------------------------------------


def report_results(actor: Person, proposal: Proposal, data: dict) -> Proposal:
    if not is_owner(actor, proposal):
        raise PermissionError("only the proposing organisation reports results")
    if proposal.status not in (S.PAID, S.RESULTS_REPORTED):
        raise Conflict("Results are reported once the claim is paid.")
    problems: dict[str, list[str]] = {}
    leads = _count(data, "result_leads", "number of leads", problems)
    opportunities = _count(data, "result_opportunities", "number of opportunities", problems)
    revenue = _money_field(data, "result_revenue", "attributed revenue", problems, zero=True)
    if leads is None and "result_leads" not in problems:
        problems["result_leads"] = ["Enter the number of leads (0 if none)."]
    if opportunities is None and "result_opportunities" not in problems:
        problems["result_opportunities"] = ["Enter the number of opportunities (0 if none)."]
    if leads is not None and opportunities is not None and opportunities > leads:
        problems.setdefault("result_opportunities", []).append(
            f"There are more opportunities ({opportunities}) than leads ({leads}); check both."
        )
    if problems:
        raise ValidationFailed(problems)
    before = audit.snapshot(proposal, ["result_leads", "result_opportunities", "result_revenue"])
    proposal.result_leads = leads
    proposal.result_opportunities = opportunities
    proposal.result_revenue = revenue
    proposal.results_reported_at = utcnow()
    _touch(proposal, S.RESULTS_REPORTED)
    program = _program(proposal)
    _event(proposal, ProposalEventKind.STATUS, actor,
           f"Reported {leads} leads, {opportunities} opportunities, "
           f"{_money(revenue, program)} revenue", status="results_reported")  # fmt: skip
    _audit("proposal.results_reported", proposal, actor, f"Results of “{proposal.title}” reported",
           before=before, after=audit.snapshot(proposal, ["result_leads", "result_opportunities",
                                                          "result_revenue"]))  # fmt: skip
    _notify_reviewers(proposal, "proposal.results",
                      f"{proposal.organization.name} reported results of “{proposal.title}”", actor)  # fmt: skip
    return proposal


def close(actor: Person, proposal: Proposal, note: str = "") -> Proposal:
    if proposal.status != S.RESULTS_REPORTED:
        raise Conflict("A proposal is closed after its results are reported.")
    if not is_oem_reviewer(actor):
        raise PermissionError("only the OEM closes proposals")
    _touch(proposal, S.CLOSED)
    _event(proposal, ProposalEventKind.STATUS, actor, (note or "").strip()[:2000] or "Closed",
           status="closed")  # fmt: skip
    _audit("proposal.closed", proposal, actor, f"Proposal “{proposal.title}” closed")
    _notify_owners(proposal, "proposal.closed", f"“{proposal.title}” is closed. Thank you!", actor)
    return proposal


def roi(proposal: Proposal) -> Decimal | None:
    """Attributed revenue ÷ co-op reimbursed (None until both are known)."""
    if proposal.result_revenue is None or not proposal.reimbursed_amount:
        return None
    return (proposal.result_revenue / proposal.reimbursed_amount).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class PeerMedians:
    peers: int
    leads: float | None = None
    opportunities: float | None = None
    revenue: Decimal | None = None
    roi: Decimal | None = None


def peer_medians(proposal: Proposal) -> PeerMedians:
    """The median results of other organisations' campaigns of the same category whose
    organisations are in the same tier — only with enough peers to stay anonymous."""
    org = proposal.organization
    rows = db.session.execute(
        sa.select(
            Proposal.organization_id,
            Proposal.result_leads,
            Proposal.result_opportunities,
            Proposal.result_revenue,
            Proposal.reimbursed_amount,
        )
        .join(Organization, Organization.id == Proposal.organization_id)
        .where(
            Proposal.program_id == proposal.program_id,
            Proposal.category_id == proposal.category_id,
            Proposal.status.in_([S.RESULTS_REPORTED, S.CLOSED]),
            Proposal.organization_id != org.id,
            Organization.tier_id.is_(None)
            if org.tier_id is None
            else Organization.tier_id == org.tier_id,
        )
    ).all()
    peers = len({row.organization_id for row in rows})
    if peers < PEER_MINIMUM:
        return PeerMedians(peers)
    rois = [r.result_revenue / r.reimbursed_amount for r in rows if r.reimbursed_amount]
    return PeerMedians(
        peers,
        leads=statistics.median(r.result_leads for r in rows),
        opportunities=statistics.median(r.result_opportunities for r in rows),
        revenue=Decimal(statistics.median(r.result_revenue for r in rows)).quantize(CENT),
        roi=Decimal(statistics.median(rois)).quantize(Decimal("0.1")) if rois else None,
    )


# --- Time passing (the daily tick) ------------------------------------------------------


@dataclass
class TickSummary:
    started: int = 0
    reminded: int = 0
    expired: int = 0


def daily(on: date | None = None) -> TickSummary:
    """Start campaigns whose day has come, remind dealers 14 and 3 days before the claim
    deadline, and expire approved campaigns whose deadline passed (releasing the hold).
    Running it twice on a day changes nothing the second time."""
    day = on or today()
    summary = TickSummary()
    starting = db.session.scalars(
        sa.select(Proposal).where(Proposal.status == S.APPROVED, Proposal.starts_on <= day)
    ).all()
    for proposal in starting:
        _touch(proposal, S.RUNNING)
        _event(proposal, ProposalEventKind.STATUS, None, "The campaign started", status="running")
        summary.started += 1
    claimable = db.session.scalars(
        sa.select(Proposal).where(Proposal.status.in_(list(CLAIMABLE)))
    ).all()
    for proposal in claimable:
        left = (proposal.claim_deadline - day).days
        if left < 0:
            _expire(proposal, day)
            summary.expired += 1
            continue
        due = [d for d in REMINDER_DAYS if left <= d and (proposal.reminded_days or 10_000) > d]
        if due:
            proposal.reminded_days = min(due)
            _notify_owners(proposal, "proposal.deadline",
                           f"Claim “{proposal.title}” by {proposal.claim_deadline:%d %b %Y} "
                           f"({left} day{'s' if left != 1 else ''} left) or the "
                           f"{_money(proposal.max_reimbursement, _program(proposal))} held "
                           "for it is released.", None)  # fmt: skip
            summary.reminded += 1
    db.session.flush()
    return summary


def _expire(proposal: Proposal, day: date) -> None:
    hold = db.session.get(Hold, proposal.hold_id)
    movement = ledger.release_hold(
        hold, None, reason="Claim deadline passed", on=day,
        idempotency_key=f"proposal-{proposal.id}-expired",
    )  # fmt: skip
    _touch(proposal, S.EXPIRED)
    program = _program(proposal)
    _event(proposal, ProposalEventKind.STATUS, None,
           f"Expired: no claim by {proposal.claim_deadline}; "
           f"{_money(movement.released, program)} released", status="expired")  # fmt: skip
    _audit("proposal.expired", proposal, None, f"Proposal “{proposal.title}” expired unclaimed",
           after={"released": str(movement.released), "expired": str(movement.expired)})  # fmt: skip
    _notify_owners(proposal, "proposal.expired",
                   f"“{proposal.title}” expired without a claim; its hold was released.", None)  # fmt: skip
