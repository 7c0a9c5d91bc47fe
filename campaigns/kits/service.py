"""Campaign kits' rules, for the pages, the API and the demo alike: which kits a person
sees, the program admin's saving and publishing of a kit (audited), and a dealer's
launch — the proposal prefilled from the kit, the kit's templates personalised with the
dealer's brand profile and attached, and the proposal submitted, all in one savepoint:
a refusal anywhere leaves nothing behind. No Flask request here; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.models import CoopProgram
from campaigns.kits.models import CampaignKit, KitTemplate
from campaigns.proposals import service as proposals
from campaigns.proposals.models import ActivityCategory, Proposal
from campaigns.studio import service as studio
from campaigns.studio.models import StudioTemplate
from campaigns.studio.render import PROFILE_FIELDS
from hub import audit, db, policy
from hub.db import today
from hub.errors import ValidationFailed
from hub.models import Person

MAX_LEAD_DAYS = 180
MAX_DURATION_DAYS = 366
MAX_TEMPLATES = 6
ADMINS_ONLY = "Only the program admin manages campaign kits."
LAUNCHERS_ONLY = "Only a partner's marketer or admin launches a campaign kit."
SNAPSHOT = ("name", "summary", "category_id", "title", "objective", "audience",
            "budget_lines", "expected_leads", "expected_revenue", "lead_days",
            "duration_days", "published")  # fmt: skip


def may_manage(person: Person) -> bool:
    """The program admin publishes kits."""
    return policy.is_program_admin(person)


def may_launch(person: Person) -> bool:
    """Whoever may propose a campaign may launch a kit (a partner's marketer or admin)."""
    return proposals.can_propose(person)


# --- Reading --------------------------------------------------------------------------


def kits(program: CoopProgram | None, *, published_only: bool = True) -> list[CampaignKit]:
    """The program's kits by name; only the published ones unless the admin asks."""
    if program is None:
        return []
    stmt = sa.select(CampaignKit).where(CampaignKit.program_id == program.id)
    if published_only:
        stmt = stmt.where(CampaignKit.published.is_(True))
    return list(db.session.scalars(stmt.order_by(CampaignKit.name, CampaignKit.id)))


def get_kit(person: Person, program: CoopProgram | None, kit_id: int) -> CampaignKit | None:
    """A kit of the program the person may see: published, or any for the program admin
    (None — a 404 — otherwise)."""
    kit = db.session.get(CampaignKit, kit_id)
    if kit is None or program is None or kit.program_id != program.id:
        return None
    if not kit.published and not may_manage(person):
        return None
    return kit


def budget_of(kit: CampaignKit) -> list[tuple[str, Decimal]]:
    return [(line["description"], Decimal(line["amount"])) for line in kit.budget_lines]


def budget_total(kit: CampaignKit) -> Decimal:
    return sum((amount for _, amount in budget_of(kit)), Decimal("0.00"))


def share(kit: CampaignKit) -> Decimal:
    """The share co-op pays on a launched kit: it is built on OEM templates."""
    return proposals.share_for(kit.category, True)


def most_to_ask(kit: CampaignKit) -> Decimal:
    """The most co-op the kit's budget can ask for (budget × the template share)."""
    return proposals.max_request(budget_total(kit), share(kit))


def default_dates(kit: CampaignKit, on: date | None = None) -> tuple[date, date]:
    """The launch form's dates: from `lead_days` after today, for `duration_days`."""
    starts = (on or today()) + timedelta(days=kit.lead_days)
    return starts, starts + timedelta(days=kit.duration_days - 1)


def missing_profile(person: Person, kit: CampaignKit) -> list[str]:
    """The brand-profile fields the kit's templates need that the person's organisation
    has not filled in (keys of render.PROFILE_FIELDS), in a stable order."""
    missing: set[str] = set()
    for row in kit.templates:
        values = studio.slot_values(row.template, {})
        missing.update(studio.check_values(person, row.template, values).get("profile", []))
    return [f for f in PROFILE_FIELDS if f in missing]


def profile_sentence(missing: list[str]) -> str:
    names = [PROFILE_FIELDS[f] for f in missing]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"This kit’s templates need your {listed}: add them to your brand profile first."


# --- The program admin's kits ---------------------------------------------------------


@dataclass
class KitInput:
    values: dict
    template_ids: list[int]


def _count(data: dict, name: str, label: str, low: int, high: int, problems: dict) -> int | None:
    raw = str(data.get(name) if data.get(name) is not None else "").strip()
    try:
        value = int(raw)
    except ValueError:
        problems[name] = [f"Give the {label} as a whole number of days from {low} to {high}."]
        return None
    if not low <= value <= high:
        problems[name] = [f"Give the {label} as a whole number of days from {low} to {high}."]
        return None
    return value


def parse_kit(program: CoopProgram, data: dict) -> KitInput:
    """Check a kit's fields as the admin form or a caller sent them; a sentence per problem.
    `data["lines"]`: [{description, amount}]; `data["template_ids"]`: studio template ids."""
    problems: dict[str, list[str]] = {}
    text = proposals.text_field
    values = {
        "name": text(data, "name", "kit's name", 120, problems, required=True),
        "summary": text(data, "summary", "summary", 300, problems),
        "title": text(data, "title", "campaign title", 160, problems, required=True),
        "objective": text(data, "objective", "objective", 4000, problems),
        "audience": text(data, "audience", "audience", 300, problems),
        "expected_leads": proposals.count_field(
            data, "expected_leads", "expected number of leads", problems
        ),
        "expected_revenue": proposals.money_field(
            data, "expected_revenue", "expected revenue", problems, required=False, zero=True
        ),
        "lead_days": _count(data, "lead_days", "start", 0, MAX_LEAD_DAYS, problems),
        "duration_days": _count(data, "duration_days", "length", 1, MAX_DURATION_DAYS, problems),
    }
    category = None
    if str(data.get("category_id") or "").isdigit():
        category = db.session.get(ActivityCategory, int(data["category_id"]))
    if category is None or category.program_id != program.id or not category.active:
        problems["category_id"] = ["Choose the kind of activity."]
    else:
        values["category_id"] = category.id
    lines = []
    for number, raw in enumerate(data.get("lines") or [], start=1):
        description = str(raw.get("description") or "").strip()
        if not description and raw.get("amount") in (None, ""):
            continue
        line_problems: dict = {}
        amount = proposals.money_field(
            raw, "amount", f"amount of budget line {number}", line_problems
        )
        if not description or len(description) > 200:
            line_problems.setdefault("d", []).append(
                f"Budget line {number}: say in at most 200 characters what the money is for."
            )
        for sentences in line_problems.values():
            problems.setdefault("lines", []).extend(sentences)
        if amount is not None and description and len(description) <= 200:
            lines.append({"description": description, "amount": f"{amount:.2f}"})
    if not lines and "lines" not in problems:
        problems["lines"] = ["Give the kit at least one budget line."]
    if len(lines) > proposals.MAX_LINES:
        problems.setdefault("lines", []).append(f"Keep the budget to {proposals.MAX_LINES} lines.")
    values["budget_lines"] = lines
    template_ids = []
    for raw_id in data.get("template_ids") or []:
        template = db.session.get(StudioTemplate, int(raw_id)) if str(raw_id).isdigit() else None
        if template is None or not template.published:
            problems["template_ids"] = ["Choose published studio templates only."]
        elif template.id not in template_ids:
            template_ids.append(template.id)
    if not template_ids and "template_ids" not in problems:
        problems["template_ids"] = ["Choose at least one studio template to go with the kit."]
    if len(template_ids) > MAX_TEMPLATES:
        problems["template_ids"] = [f"Choose at most {MAX_TEMPLATES} templates."]
    if problems:
        raise ValidationFailed(problems)
    return KitInput(values, template_ids)


def _snapshot(kit: CampaignKit) -> dict:
    found = audit.snapshot(kit, SNAPSHOT)
    found["template_ids"] = [row.template_id for row in kit.templates]
    return found


def save_kit(
    actor: Person, program: CoopProgram, data: dict, kit: CampaignKit | None = None
) -> CampaignKit:
    """Create a kit (unpublished) or change one; audited with before and after."""
    if not may_manage(actor):
        raise PermissionError(ADMINS_ONLY)
    parsed = parse_kit(program, data)
    before = _snapshot(kit) if kit is not None else {}
    if kit is None:
        kit = CampaignKit(program_id=program.id, created_by_id=actor.id, published=False)
        db.session.add(kit)
    for key, value in parsed.values.items():
        setattr(kit, key, value)
    kit.templates = [
        KitTemplate(template_id=template_id, position=position)
        for position, template_id in enumerate(parsed.template_ids)
    ]
    db.session.flush()
    db.session.expire(kit, ["category", "templates"])
    audit.record(
        "kit.created" if not before else "kit.edited",
        kit,
        before=before,
        after=_snapshot(kit),
        summary=f"Campaign kit “{kit.name}” {'created' if not before else 'edited'}",
        actor=actor,
    )
    return kit


def set_published(actor: Person, kit: CampaignKit, published: bool) -> CampaignKit:
    """Publish a kit (dealers see it and can launch it) or take it back; audited."""
    if not may_manage(actor):
        raise PermissionError(ADMINS_ONLY)
    if kit.published == published:
        return kit
    if published and not kit.category.active:
        sentence = (
            f"“{kit.category.name}” is no longer offered: choose another kind of activity "
            "before publishing the kit."
        )
        raise ValidationFailed({"published": [sentence]})
    kit.published = published
    db.session.flush()
    word = "published" if published else "unpublished"
    audit.record(
        f"kit.{word}",
        kit,
        before={"published": not published},
        after={"published": published},
        summary=f"Campaign kit “{kit.name}” {word}",
        actor=actor,
    )
    return kit


# --- Launching ------------------------------------------------------------------------


def prefill(kit: CampaignKit, launch: dict) -> dict:
    """The proposal's fields: the kit's defaults, with the dates and amount the dealer set."""
    return {
        "title": kit.title,
        "objective": kit.objective,
        "audience": kit.audience,
        "category_id": kit.category_id,
        "uses_oem_template": True,
        "lines": [dict(line) for line in kit.budget_lines],
        "expected_leads": kit.expected_leads,
        "expected_revenue": "" if kit.expected_revenue is None else f"{kit.expected_revenue}",
        "starts_on": launch.get("starts_on"),
        "ends_on": launch.get("ends_on"),
        "requested_amount": launch.get("requested_amount"),
    }


def launch(
    actor: Person, kit: CampaignKit, launch_data: dict, *, on: date | None = None
) -> Proposal:
    """Launch a kit: a proposal prefilled from it (dates and amount from `launch_data`),
    the kit's templates personalised with the actor's brand profile and attached, and the
    proposal submitted (the fast lane may approve it at once). ValidationFailed with a
    sentence per problem — "profile" when the brand profile lacks what a template needs —
    and nothing is kept."""
    if not may_launch(actor):
        raise PermissionError(LAUNCHERS_ONLY)
    if not kit.published:
        raise ValidationFailed({"": ["This kit is not published."]})
    if missing := missing_profile(actor, kit):
        raise ValidationFailed({"profile": [profile_sentence(missing)]})
    program = db.session.get(CoopProgram, kit.program_id)
    with db.session.begin_nested():
        proposal = proposals.create(actor, program, prefill(kit, launch_data))
        if problems := proposals.check_request(proposal, program, on=on):
            raise ValidationFailed({"requested_amount": problems})
        for row in kit.templates:  # rendered last: nothing is drawn for a refused launch
            values = studio.slot_values(row.template, {})
            studio.attach(actor, row.template, values, "png", proposal.id)
        proposals.submit(actor, proposal, on=on)
        audit.record(
            "kit.launched",
            kit,
            organization_id=proposal.organization_id,
            after={"proposal_id": proposal.id, "templates": [r.template_id for r in kit.templates]},
            summary=f"Campaign kit “{kit.name}” launched as “{proposal.title}”",
            actor=actor,
        )
    return proposal
