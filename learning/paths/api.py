"""The learning API's paths and progress (`/api/v1/learning/paths`, `…/progress`).

Paths are the program's catalogue: every signed-in caller reads them. Progress is a
person's: the caller's own, or someone's the access policy shows them (anything else is
a 404, as on the pages). Each route is declared once with `@operation` (hub.api).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import selectinload

from hub.api import NamedRef, Page, api_blueprint, context, current_person, openapi, operation
from hub.api import paginate as paginate_rows
from hub.models import Person
from learning.certifications.requirements import standing
from learning.paths import progress
from learning.paths.models import LearningTrack
from learning.paths.models import Level as LevelRow
from learning.paths.models import Path as PathRow
from learning.paths.schemas import LevelProgress, Path, PathQuery, Progress

bp = api_blueprint("learning_paths_api", __name__, url_prefix="/api/v1/learning")
TAG = "learning"


@bp.get("/paths")
@operation(
    "Mastery paths",
    description="Every path of the program (a track of a product line) with its levels "
    "and modules. Ordered by id.",
    query=PathQuery,
    responses={200: (Page[Path], "One page of paths.")},
    tags=[TAG],
)
def list_paths():
    args: PathQuery = context().query
    stmt = sa.select(PathRow).options(
        selectinload(PathRow.levels).selectinload(LevelRow.modules),
        selectinload(PathRow.levels).selectinload(LevelRow.prerequisites),
    )
    if args.track:
        stmt = stmt.where(PathRow.track == LearningTrack(args.track))
    if args.product_line_id is not None:
        stmt = stmt.where(PathRow.product_line_id == args.product_line_id)
    return paginate_rows(stmt, PathRow.id, Path.of, args)


@bp.get("/paths/<int:path_id>")
@operation("One mastery path", responses={200: (Path, "The path.")}, tags=[TAG])
def get_path(path_id: int):
    return Path.of(progress.get_path_or_404(path_id))


def _progress(person: Person) -> Progress:
    record = standing(person.id)
    started = set(record.completed) | record.passed
    held = {c.level_id for c in record.certifications}
    levels = [
        LevelProgress.of(level, record)
        for path in progress.all_paths()
        for level in path.levels
        if level.id in held or any(m.id in started for m in level.modules)
    ]
    return Progress(person=NamedRef.of(person), levels=levels)


@bp.get("/progress")
@operation(
    "Your progress",
    description="The levels you have started or hold, module by module.",
    responses={200: (Progress, "Your progress.")},
    tags=[TAG],
)
def my_progress():
    return _progress(current_person())


@bp.get("/people/<int:person_id>/progress")
@operation(
    "A person's progress",
    description="Someone in your scope (the access policy): OEM staff see every partner's "
    "people, a partner its own organisation and those beneath it.",
    responses={200: (Progress, "Their progress.")},
    tags=[TAG],
)
def person_progress(person_id: int):
    return _progress(progress.get_learner_or_404(current_person(), person_id))


def init_app(app: Flask) -> None:
    """Register the learning API's paths and progress."""
    openapi.register_tag(
        TAG, "Mastery paths, progress and certifications: who holds what.", app=app
    )
    app.register_blueprint(bp)
