"""The kits' demo: two published campaign kits of the Fieldcrest program, built on the
studio demo's templates — a social campaign that starts today (Digital advertising) and
a spring mailer that starts in two weeks (Direct mail / email). KITS is also what the
tests install."""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.coop.models import CoopProgram
from campaigns.coop.program import current_program
from campaigns.kits import service
from campaigns.kits.models import CampaignKit
from campaigns.proposals.models import ActivityCategory
from campaigns.studio.models import StudioTemplate
from hub import db
from hub.models import Person

ADMIN = "admin@fieldcrest.example"

KITS = [
    {
        "name": "Harvest service social kit",
        "summary": "Four weeks of boosted posts and link ads inviting farmers to book a "
                   "pre-season inspection, with your logo and phone on every image.",
        "category": "Digital advertising",
        "title": "Harvest-ready service — social campaign",
        "objective": "Book 25 pre-season combine and tractor inspections before harvest.",
        "audience": "Farmers within 60 miles who own Fieldcrest harvest equipment",
        "lines": [{"description": "Boosted posts on Facebook and Instagram", "amount": "800.00"},
                  {"description": "Local search and display ads", "amount": "400.00"}],
        "expected_leads": "25",
        "expected_revenue": "60000.00",
        "lead_days": "0",
        "duration_days": "28",
        "templates": ["harvest-square", "service-landscape"],
    },
    {
        "name": "Spring planting mailer kit",
        "summary": "An A4 flyer mailed to your customers and handed out at the counter, "
                   "with the 0% planter financing offer.",
        "category": "Direct mail / email",
        "title": "Spring planting mailer",
        "objective": "Bring 15 planter buyers in for a quote before spring planting.",
        "audience": "Row-crop customers and prospects in your territory",
        "lines": [{"description": "Printing 2,000 A4 flyers", "amount": "900.00"},
                  {"description": "Postage and mailing house", "amount": "1100.00"}],
        "expected_leads": "15",
        "expected_revenue": "180000.00",
        "lead_days": "14",
        "duration_days": "42",
        "templates": ["planter-a4"],
    },
]  # fmt: skip


def install(
    admin: Person, specs=KITS, *, program: CoopProgram | None = None, publish: bool = True
) -> list[CampaignKit]:
    """The demo kits for the program (default: the current one), published (also used by
    tests; the studio demo's templates must be there)."""
    program = program or current_program()
    made = []
    for spec in specs:
        category = db.session.scalar(
            sa.select(ActivityCategory).where(
                ActivityCategory.program_id == program.id,
                ActivityCategory.name == spec["category"],
            )
        )
        by_key = dict(
            db.session.execute(
                sa.select(StudioTemplate.key, StudioTemplate.id).where(
                    StudioTemplate.key.in_(spec["templates"])
                )
            ).all()
        )
        template_ids = [by_key[key] for key in spec["templates"]]  # in the kit's order
        data = {**spec, "category_id": category.id, "template_ids": template_ids}
        kit = service.save_kit(admin, program, data)
        if publish:
            service.set_published(admin, kit, True)
        made.append(kit)
    return made


def seed_demo(ctx: dict) -> str:
    kits = install(ctx["people"][ADMIN])
    return f"kits: {len(kits)} published campaign kits"
