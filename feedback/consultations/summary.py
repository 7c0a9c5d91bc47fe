"""What the OEM reads of a consultation: agree / concerned signals and comment counts by
tier and by region (within the viewer's scope, feedback.consultations.access.summary_scope),
and a small bar chart of them drawn on the server as SVG, with the table as its text
alternative."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from feedback.consultations.access import summary_scope
from feedback.consultations.models import (
    Consultation,
    ConsultationComment,
    ConsultationSignal,
    Signal,
)
from hub import db
from hub.models import Organization, Person, Tier

NO_TIER, NO_REGION = "No tier", "No region"


@dataclass
class Counts:
    agree: int = 0
    concerned: int = 0
    comments: int = 0

    @property
    def signals(self) -> int:
        return self.agree + self.concerned


@dataclass
class Summary:
    total: Counts = field(default_factory=Counts)
    tiers: list[tuple[str, Counts]] = field(default_factory=list)
    regions: list[tuple[str, Counts]] = field(default_factory=list)


def summarise(viewer: Person, consultation: Consultation) -> Summary:
    """Signals and comments of the organisations in the viewer's scope, by tier (in tier
    order) and by region (by name)."""
    tier_name = sa.func.coalesce(Tier.name, NO_TIER)
    scope = summary_scope(viewer)

    def grouped(stmt):
        return (
            stmt.join(Organization, Organization.id == Person.organization_id)
            .outerjoin(Tier, Tier.id == Organization.tier_id)
            .where(scope)
        )

    signal_rows = db.session.execute(
        grouped(
            sa.select(tier_name, Organization.region, ConsultationSignal.signal, sa.func.count())
            .select_from(ConsultationSignal)
            .join(Person, Person.id == ConsultationSignal.person_id)
            .where(ConsultationSignal.consultation_id == consultation.id)
        ).group_by(tier_name, Organization.region, ConsultationSignal.signal)
    ).all()
    comment_rows = db.session.execute(
        grouped(
            sa.select(tier_name, Organization.region, sa.func.count())
            .select_from(ConsultationComment)
            .join(Person, Person.id == ConsultationComment.author_id)
            .where(ConsultationComment.consultation_id == consultation.id)
        ).group_by(tier_name, Organization.region)
    ).all()
    by_tier: dict[str, Counts] = defaultdict(Counts)
    by_region: dict[str, Counts] = defaultdict(Counts)
    total = Counts()
    for tier, region, signal, n in signal_rows:
        name = "agree" if signal == Signal.AGREE else "concerned"
        for counts in (by_tier[tier], by_region[region or NO_REGION], total):
            setattr(counts, name, getattr(counts, name) + n)
    for tier, region, n in comment_rows:
        for counts in (by_tier[tier], by_region[region or NO_REGION], total):
            counts.comments += n
    order = {
        name: rank
        for rank, name in enumerate(db.session.scalars(sa.select(Tier.name).order_by(Tier.rank)))
    }
    tiers = sorted(by_tier.items(), key=lambda kv: order.get(kv[0], len(order)))
    return Summary(total, tiers, sorted(by_region.items()))


BAR_H, GAP, LABEL_W, WIDTH = 20, 8, 100, 360


@dataclass(frozen=True)
class Bar:
    """One group's bar: where it sits and how wide its agree and concerned parts are."""

    name: str
    counts: Counts
    y: int
    agree_w: int
    concerned_w: int


@dataclass(frozen=True)
class Chart:
    """Horizontal stacked bars (agree, then concerned) per group, scaled to the largest;
    the template draws them as SVG (templates/feedback/consultations/_chart.html), with
    each bar's numbers beside it and the table under it as the text alternative."""

    bars: list[Bar]
    width: int
    height: int
    label_w: int
    bar_h: int


def chart(rows: list[tuple[str, Counts]]) -> Chart:
    largest = max((c.signals for _, c in rows), default=0) or 1
    span = WIDTH - LABEL_W - 56
    bars = [
        Bar(
            name,
            c,
            GAP + i * (BAR_H + GAP),
            round(span * c.agree / largest),
            round(span * c.concerned / largest),
        )
        for i, (name, c) in enumerate(rows)
    ]
    return Chart(bars, WIDTH, len(rows) * (BAR_H + GAP) + GAP, LABEL_W, BAR_H)
