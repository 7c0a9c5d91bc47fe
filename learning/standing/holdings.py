"""Who counts for an organisation: its current, active people and their valid
certifications. A certification belongs to its holder, so when a person moves to
another organisation their certifications count there and stop counting at the old
one — nothing is copied, the query follows the person's organisation today."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub import db
from hub.db import utcnow
from hub.models import Person
from learning.certifications.models import Certification
from learning.paths.models import LearningTrack, Level, Path


@dataclass(frozen=True)
class Holding:
    """One valid certification of a current person of an organisation."""

    certification_id: int
    person_id: int
    person_name: str
    organization_id: int
    level_id: int
    track: LearningTrack
    product_line_id: int
    rank: int
    valid_until: datetime


def holdings(org_ids: Iterable[int], now: datetime | None = None) -> tuple[Holding, ...]:
    """The valid (not expired, not revoked) certifications held today by the active
    people of these organisations — one statement, once per request for the same
    organisations (the standing page asks for each measure of each tier; db.memo forgets
    it at any write)."""
    ids = sorted(set(org_ids))
    if not ids:
        return ()
    if now is not None:
        return _load(ids, now)
    return db.memo(f"learning.holdings:{ids}", lambda: _load(ids, utcnow()))


def _load(ids: list[int], now: datetime) -> tuple[Holding, ...]:
    rows = db.session.execute(
        sa.select(
            Certification.id,
            Certification.person_id,
            Person.name,
            Person.organization_id,
            Certification.level_id,
            Path.track,
            Path.product_line_id,
            Level.rank,
            Certification.valid_until,
        )
        .join(Person, Person.id == Certification.person_id)
        .join(Level, Level.id == Certification.level_id)
        .join(Path, Path.id == Level.path_id)
        .where(
            Person.organization_id.in_(ids),
            Person.active.is_(True),
            Certification.revoked_at.is_(None),
            Certification.valid_until > now,
        )
        .order_by(Certification.valid_until, Certification.id)
    )
    return tuple(Holding(*row) for row in rows)


def counted_people(
    found: Iterable[Holding],
    track: LearningTrack | None = None,
    product_line_id: int | None = None,
    min_rank: int = 1,
) -> dict[int, datetime]:
    """person id → the last day they keep counting (the latest expiry among their
    qualifying certifications), for the holdings that match."""
    people: dict[int, datetime] = {}
    for h in found:
        if track is not None and h.track != track:
            continue
        if product_line_id is not None and h.product_line_id != product_line_id:
            continue
        if h.rank < min_rank:
            continue
        if h.person_id not in people or h.valid_until > people[h.person_id]:
            people[h.person_id] = h.valid_until
    return people


def coverage(found: Iterable[Holding]) -> dict[int, dict[LearningTrack, int]]:
    """organisation id → track → how many of its people hold a valid certification of it."""
    table: dict[int, dict[LearningTrack, set[int]]] = {}
    for h in found:
        table.setdefault(h.organization_id, {}).setdefault(h.track, set()).add(h.person_id)
    return {org: {t: len(p) for t, p in tracks.items()} for org, tracks in table.items()}
