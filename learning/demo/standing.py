"""The demo program's standing and recognition: tier requirements fed by certifications,
two specialisations, Prairie's owner certified too — so Prairie Ag Dealers meets Premier
today, and the page shows when it lapses (Jorge's Technical Foundation expires in about
seven weeks) — kudos, and the badges the certifications earned on the way."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.models import Notification, ProductLine
from hub.standing import service as tier_rules
from learning.certifications import service as certifications
from learning.paths.models import LearningTrack, Path
from learning.recognition import kudos
from learning.recognition.models import Kudos
from learning.standing import specialisations
from learning.standing.measures import TRACK_KEY

# tier → [(measure key, minimum)]: Premier needs certified sales and technical staff.
TIER_REQUIREMENTS = {
    "Premier": [
        (TRACK_KEY.format(track="sales"), 1),
        (TRACK_KEY.format(track="technical"), 2),
    ],
    "Elite": [
        (TRACK_KEY.format(track="sales"), 2),
        (TRACK_KEY.format(track="technical"), 3),
        (TRACK_KEY.format(track="installation_service"), 1),
    ],
}


def _path(slug: str, track: LearningTrack) -> Path:
    return db.session.scalar(
        sa.select(Path)
        .join(ProductLine, ProductLine.id == Path.product_line_id)
        .where(ProductLine.slug == slug, Path.track == track)
    )


def seed_standing_demo(ctx: dict) -> str:
    """Specialisations, tier requirements, Prairie's second technician, kudos."""
    people = ctx["people"]
    admin = people["admin@fieldcrest.example"]
    walt = people["admin@prairie.example"]
    tractors = _path("tractors", LearningTrack.TECHNICAL)
    install = _path("tractors", LearningTrack.INSTALLATION_SERVICE)
    if tractors is None or install is None:
        return "standing: no learning paths to build on"
    line_id = tractors.product_line_id
    specialisations.create(admin, "Technical Specialist — Tractors", line_id, "technical", 1, 2)
    specialisations.create(
        admin, "Installation Certified — Tractors", line_id, "installation_service", 1, 2
    )
    # Walt (Prairie's owner) holds Technical Foundation for tractors: with Jorge's, two.
    when = utcnow() - timedelta(days=300)
    certifications.issue(walt, tractors.levels[0], now=when)
    # The badges the demo's certifications earned on the way are old news, read long since.
    db.session.execute(
        sa.update(Notification)
        .where(Notification.kind.in_(["badge", "certification"]), Notification.read_at.is_(None))
        .where(sa.or_(Notification.kind == "badge", Notification.person_id == walt.id))
        .values(read_at=utcnow())
    )
    for tier_name, reqs in TIER_REQUIREMENTS.items():
        tier = ctx["tiers"].get(tier_name)
        for key, minimum in reqs if tier else []:
            tier_rules.set_requirement(admin, tier, key, minimum)
    given = [
        (
            walt,
            "tech@prairie.example",
            "mentoring",
            "Walked Amy through the hydraulics pressure test on the yard tractor — patient and thorough.",
        ),
        (
            people["admin@gpd.example"],
            "sales@prairie.example",
            "learning",
            "Sales Foundation passed first time, and the harvest module is already under way.",
        ),
        (
            people["channel@fieldcrest.example"],
            "tech@harbor.example",
            "customer",
            "Had the Broussard farm's baler running again before the storm. Thank you!",
        ),
        (
            admin,
            "admin@prairie.example",
            "teamwork",
            "Prairie's whole team is on a path this season: a model for the region.",
        ),
    ]
    for giver, email, category, message in given:
        kudos.give(giver, people[email].id, category, message)
    db.session.flush()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Kudos))
    return f"2 specialisations, tier requirements for Premier and Elite, {count} kudos"
