"""What product managers weigh: votes counted as they are and weighted by the voter's
tier (weights set by the program admin), broken down by tier, region and distributor,
with the filters and sort orders of the triage view and the boards."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from feedback.ideas.access import can_set_weights, visible_ideas
from feedback.ideas.models import (
    CLOSED_STATUSES,
    Idea,
    IdeaStatus,
    IdeaTag,
    IdeaTierWeight,
    IdeaVote,
)
from hub import audit, db
from hub.errors import ValidationFailed
from hub.models import Organization, OrgKind, Person, ProductLine, Tier

DEFAULT_WEIGHT = Decimal("1")
MAX_WEIGHT = Decimal("100")
SORTS = {"score": "Weighted score", "votes": "Votes", "newest": "Newest"}


# --- Tier weights --------------------------------------------------------------------------


def weights() -> list[tuple[Tier, Decimal]]:
    """Every tier (by rank) with the weight of one of its votes."""
    rows = db.session.execute(
        sa.select(Tier, IdeaTierWeight.weight)
        .outerjoin(IdeaTierWeight, IdeaTierWeight.tier_id == Tier.id)
        .order_by(Tier.rank, Tier.id)
    ).all()
    return [(tier, weight if weight is not None else DEFAULT_WEIGHT) for tier, weight in rows]


def set_weights(actor: Person, values: dict[int, str]) -> None:
    """Set the weight of each tier's votes ({tier id: "1.5"}); 0 to 100, two decimals."""
    if not can_set_weights(actor):
        raise PermissionError("Only program admins set how much each tier's votes weigh.")
    problems: dict[str, list[str]] = {}
    parsed: dict[int, Decimal] = {}
    for tier, current in weights():
        raw = str(values.get(tier.id, current)).strip()
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= MAX_WEIGHT:
            problems[f"tier_{tier.id}"] = [
                f"Give {tier.name} a weight from 0 to {MAX_WEIGHT}, e.g. 1.5."
            ]
        elif value != value.quantize(Decimal("0.01")):
            problems[f"tier_{tier.id}"] = [f"Give {tier.name}'s weight at most two decimals."]
        else:
            parsed[tier.id] = value
    if problems:
        raise ValidationFailed(problems)
    before = {str(t.id): str(w) for t, w in weights()}
    for tier_id, value in parsed.items():
        row = db.session.get(IdeaTierWeight, tier_id)
        if row is None:
            db.session.add(IdeaTierWeight(tier_id=tier_id, weight=value))
        else:
            row.weight = value
    db.session.flush()
    audit.record_change(
        "idea.tier_weights",
        None,
        object_type="IdeaTierWeight",
        object_id="",
        actor=actor,
        before=before,
        after={str(k): str(v) for k, v in parsed.items()},
        summary="Tier weights of idea votes changed",
    )


# --- Ranking -------------------------------------------------------------------------------


def _scores() -> sa.Subquery:
    """Per idea: its weighted score (the sum of its voters' tier weights)."""
    return (
        sa.select(
            IdeaVote.idea_id,
            sa.func.sum(sa.func.coalesce(IdeaTierWeight.weight, DEFAULT_WEIGHT)).label("score"),
        )
        .join(Person, Person.id == IdeaVote.person_id)
        .join(Organization, Organization.id == Person.organization_id)
        .outerjoin(IdeaTierWeight, IdeaTierWeight.tier_id == Organization.tier_id)
        .group_by(IdeaVote.idea_id)
        .subquery()
    )


@dataclass(frozen=True)
class Filters:
    product_line_id: int | None = None
    status: IdeaStatus | None = None
    sort: str = "score"
    open_only: bool = False  # leave out shipped, declined and merged ideas
    tag: str | None = None  # a product manager's tag (normalised, feedback.ideas.tags); None: any


def ranked(viewer: Person, filters: Filters, *, weighted: bool = True) -> sa.Select:
    """SELECT (Idea, weighted score) of the ideas the viewer may see, filtered and sorted.
    weighted=False (the partners' boards, sorted by votes or age): the score is not
    computed and is None."""
    if weighted:
        scores = _scores()
        score = sa.func.coalesce(scores.c.score, 0).label("score")
        stmt = visible_ideas(viewer).outerjoin(scores, scores.c.idea_id == Idea.id)
    else:
        score = sa.null().label("score")
        stmt = visible_ideas(viewer)
    stmt = stmt.add_columns(score)
    if filters.product_line_id is not None:
        stmt = stmt.where(Idea.product_line_id == filters.product_line_id)
    if filters.status is not None:
        stmt = stmt.where(Idea.status == filters.status)
    if filters.open_only:
        stmt = stmt.where(Idea.status.not_in(CLOSED_STATUSES))
    if filters.tag is not None:
        tagged = sa.select(IdeaTag.idea_id).where(IdeaTag.tag == filters.tag)
        stmt = stmt.where(Idea.id.in_(tagged))
    order = {
        "votes": (Idea.vote_count.desc(), score.desc()),
        "newest": (Idea.created_at.desc(),),
    }.get(filters.sort, (score.desc(), Idea.vote_count.desc()) if weighted else ())
    return stmt.order_by(*order, Idea.id.desc())


def page_of(stmt: sa.Select, page: int, per_page: int) -> tuple[list, int]:
    """One page of (Idea, score) rows and how many there are in all."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    rows = db.session.execute(stmt.limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [tuple(row) for row in rows], total


@dataclass(frozen=True)
class LineName:
    name: str


@dataclass(frozen=True)
class BoardIdea:
    """An idea as the partners' boards list it (feedback/ideas/board.html): its title,
    status, votes, age and product line's name."""

    id: int
    title: str
    status: IdeaStatus
    vote_count: int
    created_at: datetime
    product_line: LineName


# What a board shows of each idea (BoardIdea), and its line's name.
_BOARD_COLUMNS = (
    Idea.id,
    Idea.title,
    Idea.status,
    Idea.vote_count,
    Idea.created_at,
    ProductLine.name.label("line"),
)


@dataclass(frozen=True)
class _Visibility:
    """What `visible_ideas` decides by (whether the viewer is active): the stand-in viewer
    a board's statements are built for once, so the rule stays written in one place."""

    active: bool


@functools.cache
def _board_statements(
    active: bool, line: bool, status: bool, sort: str, tag: bool
) -> tuple[sa.Select, sa.Select]:
    """A partners' board's count and page statements for one shape of filters, built once
    (`ranked(…, weighted=False)` with parameters in place of the values; the page as
    the shown columns): "line", "status", "tag" as filtered, "limit" and "offset"."""
    filters = Filters(
        sa.bindparam("line") if line else None,
        sa.bindparam("status", type_=Idea.status.type) if status else None,
        sort,
        tag=sa.bindparam("tag") if tag else None,
    )
    stmt = ranked(_Visibility(active), filters, weighted=False)
    count = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    shown = (
        stmt.with_only_columns(
            *_BOARD_COLUMNS, *[c for c in stmt.selected_columns if c.name == "score"]
        )
        .join(ProductLine, ProductLine.id == Idea.product_line_id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )
    return db.prepared(count), db.prepared(shown)


def board_page(viewer: Person, filters: Filters, page: int, per_page: int) -> tuple[list, int]:
    """One page of a partners' board — `ranked(viewer, filters, weighted=False)` — as
    (BoardIdea, score) rows, and how many there are in all. Rows of the shown columns, not
    ideas (an Idea loads its author with organisation and tier, photos, filer and texts,
    which cost a board more than its SQL), from statements built once per shape of
    filters, run without the ORM (db.read)."""
    count, shown = _board_statements(
        bool(viewer.active),
        filters.product_line_id is not None,
        filters.status is not None,
        filters.sort if filters.sort in ("votes", "newest") else "",  # others: no order
        filters.tag is not None,
    )
    params: dict = {}
    if filters.product_line_id is not None:
        params["line"] = filters.product_line_id
    if filters.status is not None:
        params["status"] = filters.status
    if filters.tag is not None:
        params["tag"] = filters.tag
    total = db.read(count, params).scalar_one()
    window = {**params, "limit": per_page, "offset": (max(page, 1) - 1) * per_page}
    return _board_rows(db.read(shown, window)), total


def _board_rows(result) -> list:
    lines: dict[str, LineName] = {}
    return [
        (
            BoardIdea(
                r.id,
                r.title,
                r.status,
                r.vote_count,
                r.created_at,
                lines.setdefault(r.line, LineName(r.line)),
            ),
            r.score,
        )
        for r in result
    ]


# --- Breakdowns ----------------------------------------------------------------------------


def _distributor() -> tuple:
    parent = aliased(Organization)
    name = sa.case(
        (
            Organization.kind.in_([OrgKind.DISTRIBUTOR, OrgKind.MASTER_DISTRIBUTOR]),
            Organization.name,
        ),
        (parent.kind.in_([OrgKind.DISTRIBUTOR, OrgKind.MASTER_DISTRIBUTOR]), parent.name),
        else_="Direct dealers",
    )
    return parent, name


def tier_counts(idea_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Per idea: (tier name, votes) by tier rank, for a page of ideas in one query."""
    if not idea_ids:
        return {}
    rows = db.session.execute(
        sa.select(IdeaVote.idea_id, sa.func.coalesce(Tier.name, "No tier"), sa.func.count())
        .join(Person, Person.id == IdeaVote.person_id)
        .join(Organization, Organization.id == Person.organization_id)
        .outerjoin(Tier, Tier.id == Organization.tier_id)
        .where(IdeaVote.idea_id.in_(idea_ids))
        .group_by(IdeaVote.idea_id, Tier.name, Tier.rank)
        .order_by(IdeaVote.idea_id, sa.func.coalesce(Tier.rank, -1).desc())
    ).all()
    out: dict[int, list[tuple[str, int]]] = {}
    for idea_id, tier, count in rows:
        out.setdefault(idea_id, []).append((tier, count))
    return out


@dataclass
class Breakdown:
    tiers: list[tuple[str, int]]
    regions: list[tuple[str, int]]
    distributors: list[tuple[str, int]]
    score: Decimal


def breakdown(idea: Idea) -> Breakdown:
    """The idea's votes by tier, region and distributor (most first) and its weighted score."""
    parent, distributor = _distributor()
    rows = db.session.execute(
        sa.select(
            sa.func.coalesce(Tier.name, "No tier"),
            Organization.region,
            distributor,
            sa.func.coalesce(IdeaTierWeight.weight, DEFAULT_WEIGHT),
        )
        .select_from(IdeaVote)
        .join(Person, Person.id == IdeaVote.person_id)
        .join(Organization, Organization.id == Person.organization_id)
        .outerjoin(parent, parent.id == Organization.parent_id)
        .outerjoin(Tier, Tier.id == Organization.tier_id)
        .outerjoin(IdeaTierWeight, IdeaTierWeight.tier_id == Organization.tier_id)
        .where(IdeaVote.idea_id == idea.id)
    ).all()
    tiers, regions, distributors = Counter(), Counter(), Counter()
    score = Decimal("0")
    for tier, region, dist, weight in rows:
        tiers[tier] += 1
        regions[region or "No region"] += 1
        distributors[dist] += 1
        score += Decimal(weight)
    return Breakdown(tiers.most_common(), regions.most_common(), distributors.most_common(), score)
