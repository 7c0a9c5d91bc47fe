"""The paths as the learner's dashboards read them — the Learning page, a person's
learning page and the dashboard's learning panel, on every request: rows of the columns
they show, put together as small read-only objects with the attributes of Path, Level and
Module that `Standing`, `progress.summarise` and the templates use.

Every path, level and module is listed (a hundred-odd objects); as ORM objects, loading
them cost several times the SQL (docs/performance.md, "Feature pages"). Two prebuilt
statements, no identity map; nothing here is written or cached across requests. Pages
that change paths, or show a module's body, load the ORM objects (`progress.all_paths`,
`progress.get_module_or_404`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from hub import db
from hub.models import ProductLine
from learning.paths.models import LearningTrack, Level, Module, Path, level_prerequisite

# Sales, Technical, Installation & Service: the order the tracks are listed in.
TRACK_ORDER = sa.case({t.value: n for n, t in enumerate(LearningTrack)}, value=Path.track)

_TRACKS = {track.value: track for track in LearningTrack}

# Every path with its levels (a path without levels as one row whose level is NULL).
_PATHS = db.prepared(
    sa.select(
        Path.id,
        Path.title,
        Path.summary,
        sa.type_coerce(Path.track, sa.String()),  # its value, made a LearningTrack below
        ProductLine.name.label("line"),
        Level.id.label("level_id"),
        Level.rank,
        Level.name,
    )
    .join(ProductLine, ProductLine.id == Path.product_line_id)
    .outerjoin(Level, Level.path_id == Path.id)
    .order_by(ProductLine.name, TRACK_ORDER, Path.id, Level.rank)
)
# Each level's modules — a path's modules, not its levels' recertification modules (as
# Level.modules) — and each level's prerequisites, told apart by `kind`.
_MODULE, _PREREQUISITE = 0, 1
_MODULES_AND_PREREQUISITES = db.prepared(
    sa.union_all(
        sa.select(
            sa.literal_column(str(_MODULE)).label("kind"),
            Module.level_id,
            Module.position.label("sort"),
            Module.id,
            Module.title,
            Module.minutes,
        ).where(Module.recert.is_(False)),
        sa.select(
            sa.literal_column(str(_PREREQUISITE)),
            level_prerequisite.c.level_id,
            level_prerequisite.c.required_level_id,
            level_prerequisite.c.required_level_id,
            sa.cast(sa.null(), Module.title.type),  # typed for PostgreSQL's UNION
            sa.cast(sa.null(), Module.minutes.type),
        ),
    ).order_by(sa.text("kind"), sa.text("level_id"), sa.text("sort"), sa.text("id"))
)


@dataclass(frozen=True, slots=True)
class LineView:
    name: str


# eq=False: compared by identity, as ORM objects are (progress.dashboard tells the paths
# under way from the others that way).
@dataclass(eq=False, slots=True)
class PathView:
    id: int
    title: str
    summary: str
    track: LearningTrack
    product_line: LineView
    levels: list[LevelView] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class LevelView:
    id: int
    path_id: int
    rank: int
    name: str
    path: PathView
    modules: list[ModuleView] = field(default_factory=list)
    prerequisites: list[LevelView] = field(default_factory=list)

    @property
    def title(self) -> str:
        """As Level.title: "Technical Professional — Tractors"."""
        return f"{self.path.track.label} {self.name} — {self.path.product_line.name}"


@dataclass(eq=False, slots=True)
class ModuleView:
    id: int
    level_id: int
    title: str
    minutes: int
    level: LevelView


def paths() -> list[PathView]:
    """Every path with its levels (by rank), their modules (by position) and their
    prerequisites (by rank), by product line and track — as `progress.all_paths`."""
    lines: dict[str, LineView] = {}
    by_path: dict[int, PathView] = {}
    levels: dict[int, LevelView] = {}
    # Rows as plain tuples: a Row, and its access by attribute, cost more than the row's SQL.
    for path_id, title, summary, track, line_name, level_id, rank, name in db.read_tuples(_PATHS):
        path = by_path.get(path_id)
        if path is None:
            line = lines.get(line_name)
            if line is None:
                line = lines[line_name] = LineView(line_name)
            path = by_path[path_id] = PathView(path_id, title, summary, _TRACKS[track], line)
        if level_id is not None:
            level = levels[level_id] = LevelView(level_id, path_id, rank, name, path)
            path.levels.append(level)
    for kind, level_id, _sort, id_, title, minutes in db.read_tuples(_MODULES_AND_PREREQUISITES):
        level = levels.get(level_id)
        if level is None:
            continue
        if kind == _MODULE:
            level.modules.append(ModuleView(id_, level_id, title, minutes, level))
        elif id_ in levels:
            level.prerequisites.append(levels[id_])
    for level in levels.values():
        level.prerequisites.sort(key=lambda p: p.rank)
    return list(by_path.values())
