"""The dashboard card "Launch a campaign kit": the program's published kits, each one
click from its launch form, for whoever may launch one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from campaigns.coop.program import current_program
from campaigns.kits import service
from campaigns.kits.models import CampaignKit
from campaigns.proposals.models import ActivityCategory
from hub import db
from hub.models import Person
from hub.registry import Panel

SHOWN = 4


@dataclass(frozen=True)
class ListedCategory:
    name: str
    share: Decimal
    template_share: Decimal | None


@dataclass(frozen=True)
class ListedKit:
    """A kit as the card shows it, with what `service.share` and `service.most_to_ask`
    read (read-only, no ORM object: a kit loads its templates by a second statement)."""

    id: int
    name: str
    budget_lines: list
    category: ListedCategory


# The program's published kits by name (as service.kits), one more than the card shows
# to know whether there are more; built once.
_PUBLISHED = db.prepared(
    sa.select(
        CampaignKit.id,
        CampaignKit.name,
        CampaignKit.budget_lines,
        ActivityCategory.name.label("category"),
        ActivityCategory.share,
        ActivityCategory.template_share,
    )
    .join(ActivityCategory, ActivityCategory.id == CampaignKit.category_id)
    .where(CampaignKit.program_id == sa.bindparam("program_id"), CampaignKit.published.is_(True))
    .order_by(CampaignKit.name, CampaignKit.id)
    .limit(SHOWN + 1)
)


def published_kits(program_id: int) -> list[ListedKit]:
    """The first SHOWN + 1 of the program's published kits, by name."""
    return [
        ListedKit(
            row.id,
            row.name,
            row.budget_lines,
            ListedCategory(row.category, row.share, row.template_share),
        )
        for row in db.read(_PUBLISHED, {"program_id": program_id})
    ]


def kit_panel(person: Person) -> list[Panel]:
    if not service.may_launch(person):
        return []
    program = current_program()
    kits = published_kits(program.id) if program is not None else []
    if not kits:
        return []
    html = Markup(  # noqa: S704 — autoescaped template
        render_template(
            "campaigns/kits/_panel.html",
            kits=kits[:SHOWN],
            more=len(kits) > SHOWN,
            coop_program=program,
            most_to_ask=service.most_to_ask,
            share=service.share,
        )
    )
    return [Panel("Launch a campaign kit", html, order=12)]
