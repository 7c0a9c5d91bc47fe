"""The paths as the learner's dashboards read them — the Learning page, a person's
learning page and the dashboard's learning panel, on every request: rows of the columns
they show, put together as small read-only objects with the attributes of Path, Level and
Module that `Standing`, `progress.summarise` and the templates use.

Every path, level and module is listed (a hundred-odd objects); as ORM objects, loading
them cost several times the SQL (docs/performance.md, "Feature pages"). Four prebuilt
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

_PATHS = (
    sa.select(Path.id, Path.title, Path.summary, Path.track, ProductLine.name.label("line"))
    .join(ProductLine, ProductLine.id == Path.product_line_id)
    .order_by(ProductLine.name, TRACK_ORDER)
)
_LEVELS = sa.select(Level.id, Level.path_id, Level.rank, Level.name).order_by(
    Level.path_id, Level.rank
)
# A path's modules, not its levels' recertification modules (as Level.modules).
_MODULES = (
    sa.select(Module.id, Module.level_id, Module.title, Module.minutes)
    .where(Module.recert.is_(False))
    .order_by(Module.level_id, Module.position, Module.id)
)
_PREREQUISITES = sa.select(
    level_prerequisite.c.level_id, level_prerequisite.c.required_level_id
).order_by(level_prerequisite.c.level_id, level_prerequisite.c.required_level_id)


@dataclass(frozen=True)
class LineView:
    name: str


# eq=False: compared by identity, as ORM objects are (progress.dashboard tells the paths
# under way from the others that way).
@dataclass(eq=False)
class PathView:
    id: int
    title: str
    summary: str
    track: LearningTrack
    product_line: LineView
    levels: list[LevelView] = field(default_factory=list)


@dataclass(eq=False)
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


@dataclass(eq=False)
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
    for row in db.session.execute(_PATHS):
        line = lines.setdefault(row.line, LineView(row.line))
        by_path[row.id] = PathView(row.id, row.title, row.summary, row.track, line)
    levels: dict[int, LevelView] = {}
    for row in db.session.execute(_LEVELS):
        path = by_path.get(row.path_id)
        if path is not None:
            level = LevelView(row.id, row.path_id, row.rank, row.name, path)
            levels[row.id] = level
            path.levels.append(level)
    for row in db.session.execute(_MODULES):
        level = levels.get(row.level_id)
        if level is not None:
            level.modules.append(ModuleView(row.id, row.level_id, row.title, row.minutes, level))
    for level_id, required_id in db.session.execute(_PREREQUISITES).tuples():
        if level_id in levels and required_id in levels:
            levels[level_id].prerequisites.append(levels[required_id])
    for level in levels.values():
        level.prerequisites.sort(key=lambda p: p.rank)
    return list(by_path.values())
