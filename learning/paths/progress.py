"""Progress through the paths: marking a module complete (which may earn a
certification), the reads the learner's pages need, and who may see whose progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import defaultload, defer, lazyload, selectinload

from hub import audit, db, policy
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Person, ProductLine
from learning.certifications import service as certifications
from learning.certifications.models import Certification
from learning.certifications.requirements import Standing, standing
from learning.paths.catalogue import TRACK_ORDER, paths
from learning.paths.models import Level, Module, ModuleProgress, Path


def locked_sentence(record: Standing, level: Level) -> str:
    names = ", ".join(p.title for p in record.missing_prerequisites(level))
    return f"{level.title} opens once you hold {names}."


def complete_module(
    person: Person, module: Module, now: datetime | None = None
) -> Certification | None:
    """Mark a module read. Returns the certification it earned, if it completed the level.
    Refused with a sentence while the level is locked; a second time changes nothing."""
    now = now or utcnow()
    record = standing(person.id, now)
    if not record.unlocked(module.level):
        raise ValidationFailed(locked_sentence(record, module.level))
    if record.module_read(module):
        return None
    row = db.session.get(ModuleProgress, (person.id, module.id))  # opened before, maybe
    if row is not None:
        row.completed_at = now
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ModuleProgress(
                        person_id=person.id, module_id=module.id, started_at=now, completed_at=now
                    )
                )
        except sa.exc.IntegrityError:
            return None  # a second click a moment after the first: that one did the work
    audit.record(
        "learning.module_completed",
        object_type="Module",
        object_id=module.id,
        organization_id=person.organization_id,
        after={"completed": True},
        summary=f"{person.name} completed “{module.title}”",
        actor=person,
    )
    return certifications.award_if_earned(person, module.level, now)


def get_path_or_404(path_id: int) -> Path:
    path = db.session.scalar(
        sa.select(Path)
        .where(Path.id == path_id)
        .options(selectinload(Path.levels).selectinload(Level.modules))
    )
    if path is None:
        abort(404)
    return path


def get_module_or_404(module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None:
        abort(404)
    return module


# Every path with its levels, modules and prerequisites, by product line and track: the
# learner dashboard (every request), the progress API, the authoring home and the
# assignment form. Built once. It leaves out what the mapping would load with each row
# and these pages never read: each module's Markdown body (the module page loads its
# own), the managers of every product line (ProductLine.managers is selectin-loaded: a
# statement per depth it is reached at, too deep for SQLAlchemy to cache), and the path a
# level, or the level a module, joins back to — loaded here already, so the identity map
# answers them without SQL.
_ALL_PATHS = (
    sa.select(Path)
    .join(ProductLine, ProductLine.id == Path.product_line_id)
    .options(
        defaultload(Path.product_line).lazyload(ProductLine.managers),
        selectinload(Path.levels).options(
            lazyload(Level.path),
            selectinload(Level.modules).options(lazyload(Module.level), defer(Module.body)),
            selectinload(Level.prerequisites).lazyload(Level.path),
        ),
    )
    .order_by(ProductLine.name, TRACK_ORDER)
)


def all_paths() -> list[Path]:
    """Every path with its levels, modules and prerequisites, by product line and track."""
    return list(db.session.scalars(_ALL_PATHS))


@dataclass
class PathSummary:
    """One path as the learner sees it: how far along, and the next thing to do."""

    path: Path
    done: int
    total: int
    current: Level | None  # the first level not held (None: all held)
    next_module: Module | None

    @property
    def started(self) -> bool:
        return self.done > 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def summarise(path: Path, record: Standing) -> PathSummary:
    done = sum(record.done_count(level) for level in path.levels)
    total = sum(len(level.modules) for level in path.levels)
    current = next((lv for lv in path.levels if not record.holds(lv)), None)
    upcoming = None
    if current is not None and record.unlocked(current):
        upcoming = record.next_module(current)
    return PathSummary(path, done, total, current, upcoming)


def dashboard(person: Person, now: datetime | None = None) -> dict:
    """What the learner dashboard shows: paths under way (and the next step in each),
    the others to start, and certifications expiring soon. The paths, levels and modules
    are `catalogue` views (read-only, their ids and what the pages show), and the
    certifications `HeldCertification`s of those levels, not ORM objects."""
    catalogue = paths()  # read-only views
    levels = {level.id: level for path in catalogue for level in path.levels}
    record = standing(person.id, now, levels)  # its certifications read-only, of these levels
    summaries = [summarise(p, record) for p in catalogue]
    held = {c.level.path_id for c in record.certifications}
    mine = [s for s in summaries if s.started or s.path.id in held]
    return {
        "record": record,
        "mine": mine,
        "others": [s for s in summaries if s not in mine],
        "next_steps": [s for s in mine if s.next_module is not None],
        "expiring": certifications.expiring_soon(record),
    }


def get_learner_or_404(viewer: Person, person_id: int) -> Person:
    """A person whose learning record the viewer may see: anyone in the viewer's scope
    (the access policy), never an OEM person's record from a partner's side."""
    person = policy.get_person_or_404(viewer, person_id)
    if policy.sees_public_profile_only(viewer, person):
        abort(404)
    return person
