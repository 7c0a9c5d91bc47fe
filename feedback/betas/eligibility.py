"""Who may apply to a beta program: its tiers, its regions and its qualifications (a
person needs one of them, read through hub.registry — learning provides them; this
area never imports learning). Each rule a person misses is one sentence naming what
they lack, so a refusal says what would make them eligible."""

from __future__ import annotations

import sqlalchemy as sa

from feedback.betas.models import BetaProgram
from hub import db
from hub.models import Organization, OrgKind, Person, Tier
from hub.registry import registry


def tiers() -> list[Tier]:
    return list(db.session.scalars(sa.select(Tier).order_by(Tier.rank.desc(), Tier.name)))


def regions() -> list[str]:
    """Every region a partner organisation is in, for the program form's choices."""
    return [
        r
        for r in db.session.scalars(
            sa.select(Organization.region)
            .where(Organization.region != "", Organization.kind != OrgKind.OEM)
            .distinct()
            .order_by(Organization.region)
        )
    ]


def qualification_labels() -> dict[str, str]:
    """{key: label} of every qualification any area can grant."""
    return {q.key: q.label for q in registry().qualification_choices()}


def _words(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def missing(person: Person, program: BetaProgram) -> list[str]:
    """A sentence per eligibility rule person misses (empty: eligible)."""
    org = person.organization
    lacks = []
    if program.tier_ids and org.tier_id not in program.tier_ids:
        names = [t.name for t in tiers() if t.id in program.tier_ids]
        yours = f"{org.name} is {org.tier.name}" if org.tier else f"{org.name} has no tier"
        lacks.append(f"This program is for {_words(names)} partners; {yours}.")
    if program.regions and org.region not in program.regions:
        where = f"{org.name} is in {org.region}" if org.region else f"{org.name} has no region"
        lacks.append(f"This program is for partners in {_words(program.regions)}; {where}.")
    if program.qualification_keys:
        held = registry().qualifications_of(person)
        if not held & set(program.qualification_keys):
            labels = qualification_labels()
            names = [labels.get(k, k) for k in program.qualification_keys]
            lacks.append(f"This program asks for {_words(names)}; you hold none of them yet.")
    return lacks


def is_eligible(person: Person, program: BetaProgram) -> bool:
    return not missing(person, program)


def rules_in_words(program: BetaProgram) -> list[str]:
    """The program's eligibility rules as short phrases, for its page."""
    words = []
    if program.tier_ids:
        words.append("Tiers: " + ", ".join(t.name for t in tiers() if t.id in program.tier_ids))
    if program.regions:
        words.append("Regions: " + ", ".join(program.regions))
    if program.qualification_keys:
        labels = qualification_labels()
        words.append("One of: " + ", ".join(labels.get(k, k) for k in program.qualification_keys))
    return words or ["Open to every partner user."]
