"""The shapes of the learning API's assignments."""

from __future__ import annotations

from pydantic import Field

from hub.api import NamedRef, Output, PageQuery, iso_utc
from hub.api.schemas import Day, Input, UtcTime, one_of
from learning.assignments.service import STATES, Row

STATE = one_of(STATES)


class Assignment(Output):
    id: int
    person: NamedRef
    organization_id: int
    path_id: int | None = Field(description="The path assigned (every level to be held), or null.")
    level_id: int | None = Field(description="The level assigned (to be held), or null.")
    title: str
    due_on: Day
    state: STATE = Field(description="overdue, not_started, in_progress or done, as of today.")
    modules_done: int
    modules_total: int
    assigned_by: NamedRef | None
    created_at: UtcTime

    @classmethod
    def of(cls, row: Row) -> Assignment:
        a = row.assignment
        return cls(
            id=a.id,
            person=NamedRef.of(a.person),
            organization_id=a.organization_id,
            path_id=a.path_id,
            level_id=a.level_id,
            title=a.title,
            due_on=a.due_on.isoformat(),
            state=row.state,
            modules_done=row.done_modules,
            modules_total=row.total_modules,
            assigned_by=NamedRef.of(a.assigned_by) if a.assigned_by else None,
            created_at=iso_utc(a.created_at),
        )


class AssignmentQuery(PageQuery):
    person_id: int | None = Field(None, description="Only this person's assignments.")


class AssignmentInput(Input):
    person_id: int = Field(description="A staff member of your organisation.")
    path_id: int | None = Field(None, description="Assign a whole path (or give level_id).")
    level_id: int | None = Field(None, description="Assign one level (or give path_id).")
    due_on: str = Field(description="The due date, YYYY-MM-DD, from today on.")
