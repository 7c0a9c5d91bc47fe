"""The shapes of the learning API's paths and progress."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hub.api import NamedRef, Output, PageQuery, iso_utc
from hub.api.schemas import UtcTime, one_of
from learning.certifications.requirements import Standing
from learning.paths.models import LearningTrack
from learning.paths.models import Level as LevelRow
from learning.paths.models import Module as ModuleRow
from learning.paths.models import Path as PathRow

TRACK = one_of(LearningTrack)


class Module(Output):
    id: int
    title: str
    summary: str
    minutes: int = Field(description="Estimated time to work through it.")

    @classmethod
    def of(cls, module: ModuleRow) -> Module:
        return cls(id=module.id, title=module.title, summary=module.summary, minutes=module.minutes)


class Level(Output):
    id: int
    rank: int = Field(description="1 for Foundation, then upwards.")
    name: str
    title: str = Field(description="The achievement's name, as on the certificate.")
    validity_months: int = Field(description="How long its certification stays valid.")
    prerequisite_ids: list[int] = Field(description="Levels to hold before this one.")
    modules: list[Module]

    @classmethod
    def of(cls, level: LevelRow) -> Level:
        return cls(
            id=level.id,
            rank=level.rank,
            name=level.name,
            title=level.title,
            validity_months=level.validity_months,
            prerequisite_ids=[p.id for p in level.prerequisites],
            modules=[Module.of(m) for m in level.modules],
        )


class Path(Output):
    id: int
    title: str
    summary: str
    track: TRACK
    product_line: NamedRef
    levels: list[Level]

    @classmethod
    def of(cls, path: PathRow) -> Path:
        return cls(
            id=path.id,
            title=path.title,
            summary=path.summary,
            track=path.track.value,
            product_line=NamedRef.of(path.product_line),
            levels=[Level.of(lv) for lv in path.levels],
        )


class PathQuery(PageQuery):
    track: TRACK | None = Field(None, description="Only the paths of this track.")
    product_line_id: int | None = Field(None, ge=1, le=2**31 - 1)


class ModuleProgress(Output):
    module_id: int
    completed_at: UtcTime | None = Field(description="When it was marked read; null if not.")
    quiz: Literal["none", "not_passed", "passed"] = Field(
        description="Whether the module has a quiz, and if so whether it is passed."
    )
    done: bool = Field(description="Read, and its quiz (if any) passed.")


class LevelProgress(Output):
    level_id: int
    title: str
    unlocked: bool = Field(description="Every prerequisite level is held.")
    held: bool = Field(description="A valid certification of the level is held.")
    modules_done: int
    modules_total: int
    modules: list[ModuleProgress]

    @classmethod
    def of(cls, level: LevelRow, record: Standing) -> LevelProgress:
        def quiz(m: ModuleRow) -> str:
            if not record.has_quiz(m):
                return "none"
            return "passed" if record.quiz_passed(m) else "not_passed"

        return cls(
            level_id=level.id,
            title=level.title,
            unlocked=record.unlocked(level),
            held=record.holds(level),
            modules_done=record.done_count(level),
            modules_total=len(level.modules),
            modules=[
                ModuleProgress(
                    module_id=m.id,
                    completed_at=iso_utc(record.completed.get(m.id)),
                    quiz=quiz(m),
                    done=record.module_done(m),
                )
                for m in level.modules
            ],
        )


class Progress(Output):
    person: NamedRef
    levels: list[LevelProgress] = Field(
        description="Every level the person has started or holds, by path and rank."
    )
