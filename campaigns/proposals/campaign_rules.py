"""The program admin's campaign rules: activity categories (the share of cost co-op pays,
the proofs a claim needs, whether approval comes first), the approval ladder, the fast lane
and whether distributors approve first. Proposals stamp these terms when submitted, so a
change applies to new proposals only.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.models import CoopProgram
from campaigns.proposals.fields import as_bool, money_field, percent_field, text_field
from campaigns.proposals.lifecycle import ROLE_LABELS
from campaigns.proposals.models import ActivityCategory, ApprovalRule, ApproverRole, Proposal
from hub import audit, db, policy
from hub.errors import ValidationFailed
from hub.models import Person
from hub.plain import row_of

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
    """The program's activity categories in their order (the active ones unless asked)."""
    stmt = sa.select(ActivityCategory).where(ActivityCategory.program_id == program.id)
    if active_only:
        stmt = stmt.where(ActivityCategory.active.is_(True))
    return list(db.session.scalars(stmt.order_by(ActivityCategory.position, ActivityCategory.id)))


def ladder(program: CoopProgram) -> list[ApprovalRule]:
    """The active rungs of the approval ladder, in order."""
    return list(
        db.session.scalars(
            sa.select(ApprovalRule)
            .where(ApprovalRule.program_id == program.id, ApprovalRule.active.is_(True))
            .order_by(ApprovalRule.position, ApprovalRule.id)
        )
    )


def share_for(category: ActivityCategory, uses_template: bool) -> Decimal:
    """The share of cost co-op pays: the template share for work built on an OEM template."""
    if uses_template and category.template_share:
        return category.template_share
    return category.share


CATEGORY_FIELDS = ("name", "description", "share", "template_share", "required_proofs",
                   "needs_preapproval", "allows_precampaign_costs", "active")  # fmt: skip


def save_category(
    actor: Person, program: CoopProgram, data: dict, category: ActivityCategory | None = None
) -> ActivityCategory:
    """Add or change an activity category (program admin). Proposals already submitted
    keep the share stamped on them; the change applies to new ones."""
    if not policy.is_program_admin(actor):
        raise PermissionError("only the program admin sets co-op rules")
    problems: dict[str, list[str]] = {}
    name = text_field(data, "name", "category name", 80, problems, required=True)
    description = text_field(data, "description", "description", 300, problems)
    share = percent_field(data, "share", "reimbursement share", problems)
    template = percent_field(
        data, "template_share", "share on OEM templates", problems, required=False
    )
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
    category.needs_preapproval = as_bool(data.get("needs_preapproval"))
    category.allows_precampaign_costs = as_bool(data.get("allows_precampaign_costs"))
    category.active = as_bool(data.get("active", True))
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
    program = row_of(program)  # the row this changes, read again after it
    if not policy.is_program_admin(actor):
        raise PermissionError("only the program admin sets co-op rules")
    problems: dict[str, list[str]] = {}
    fast = money_field(data, "fast_lane_limit", "fast-lane limit", problems, required=False)
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
        above = money_field({"a": raw.get("above") or "0"}, "a", f"amount of step {number}",
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
    program.distributor_first = as_bool(data.get("distributor_first"))
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
        rule.active = as_bool(raw.get("active", True))
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
    """Every rung, inactive ones too (for the admin's page)."""
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


def program_of(proposal: Proposal) -> CoopProgram:
    """The co-op program the proposal draws on."""
    return db.session.get(CoopProgram, proposal.program_id)
