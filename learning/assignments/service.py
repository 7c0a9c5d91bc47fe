"""Assignment rules: a partner admin assigns a path (or one level) to a staff member of
their own organisation with a due date, and may cancel it; each assignment's state
(done, in progress, not started, overdue) comes from the learner's record; a daily job
reminds learners of assignments due within three days and of overdue ones, once each.
Pages, the API, the job and the demo call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import abort

from hub import audit, db, notifications, policy
from hub.dates import format_date
from hub.dates import today as program_today
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Organization, Person, Role
from learning.assignments.models import Assignment, AssignmentTitle
from learning.certifications.requirements import Standing, standing
from learning.paths.catalogue import LevelView, PathView, paths
from learning.paths.models import Level, Path

DUE_SOON = timedelta(days=3)
MAX_AHEAD_DAYS = 3 * 366
STATES = ("overdue", "not_started", "in_progress", "done")
STATE_LABELS = {
    "overdue": "Overdue",
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
}


def can_assign(viewer: Person) -> bool:
    """Partner admins assign to their own organisation's staff."""
    return viewer.role == Role.PARTNER_ADMIN


def can_view_team(viewer: Person) -> bool:
    """Who sees the assignments page: partner admins (their organisation and the ones
    beneath it) and program admins (everyone)."""
    return viewer.role == Role.PARTNER_ADMIN or policy.is_program_admin(viewer)


def today(now: datetime | None = None) -> date:
    """The program's calendar day (due dates are days in the program's time zone)."""
    return program_today(now)


# --- Who sees which ---------------------------------------------------------------------


def visible_assignments(viewer: Person) -> sa.Select:
    """SELECT of the live (not cancelled) assignments the viewer may see: their own, and
    those of their scope for partner admins (their organisation and its dealers) and
    program admins (all)."""
    stmt = sa.select(Assignment).where(Assignment.cancelled_at.is_(None))
    if policy.is_program_admin(viewer):
        return stmt
    if viewer.role == Role.PARTNER_ADMIN:
        return stmt.where(
            sa.or_(
                Assignment.person_id == viewer.id,
                Assignment.organization_id.in_(policy.visible_organization_ids(viewer)),
            )
        )
    return stmt.where(Assignment.person_id == viewer.id)


def get_assignment_or_404(viewer: Person, assignment_id: int) -> Assignment:
    found = db.session.scalar(visible_assignments(viewer).where(Assignment.id == assignment_id))
    if found is None:
        abort(404)
    return found


def assignable_people(viewer: Person) -> list[Person]:
    """The staff a partner admin may assign to: the active people of their organisation."""
    if not can_assign(viewer):
        return []
    return list(
        db.session.scalars(
            sa.select(Person)
            .where(Person.organization_id == viewer.organization_id, Person.active.is_(True))
            .order_by(Person.name)
        )
    )


# --- State ------------------------------------------------------------------------------


@dataclass
class Row:
    """An assignment with its learner's progress on it."""

    assignment: Assignment | MyAssignment  # MyAssignment: the learner dashboard's own list
    state: str  # one of STATES
    done_modules: int
    total_modules: int

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def _levels(assignment: Assignment) -> list[Level]:
    return list(assignment.path.levels) if assignment.path is not None else [assignment.level]


def row_of(assignment: Assignment, record: Standing, on: date) -> Row:
    levels = _levels(assignment)
    total = sum(len(lv.modules) for lv in levels)
    done_modules = sum(record.done_count(lv) for lv in levels)
    if levels and all(record.holds(lv) for lv in levels):
        state = "done"
    elif assignment.due_on < on:
        state = "overdue"
    elif any(record.module_read(m) for lv in levels for m in lv.modules) or any(
        record.holds(lv) for lv in levels
    ):
        state = "in_progress"
    else:
        state = "not_started"
    return Row(assignment, state, done_modules, total)


def rows(
    assignments: list[Assignment],
    now: datetime | None = None,
    records: dict[int, Standing] | None = None,
) -> list[Row]:
    """Each assignment with its state (one learning record per person; `records`: those
    the caller has loaded already, by person id)."""
    now = now or utcnow()
    records = dict(records or {})
    out = []
    for a in assignments:
        if a.person_id not in records:
            records[a.person_id] = standing(a.person_id, now)
        out.append(row_of(a, records[a.person_id], today(now)))
    return out


SORTS = {
    "due": lambda r: (r.assignment.due_on, r.assignment.person.name),
    "person": lambda r: (r.assignment.person.name.lower(), r.assignment.due_on),
    "state": lambda r: (STATES.index(r.state), r.assignment.due_on),
    "title": lambda r: (r.assignment.title.lower(), r.assignment.due_on),
}


def team_rows(viewer: Person, sort: str = "state", now: datetime | None = None) -> list[Row]:
    """The assignments page: every live assignment in the viewer's scope, sorted (who is
    behind first by default: overdue, not started, in progress, done)."""
    if not can_view_team(viewer):
        return []
    found = list(db.session.scalars(visible_assignments(viewer).order_by(Assignment.id)))
    return sorted(rows(found, now), key=SORTS.get(sort, SORTS["state"]))


@dataclass(frozen=True, slots=True)
class Assigner:
    name: str


@dataclass(eq=False)
class MyAssignment(AssignmentTitle):
    """One of the learner's own assignments as their dashboard lists it: read-only, with
    the catalogue's path or level (what `row_of` and the page read of an Assignment)."""

    id: int
    person_id: int
    path_id: int | None
    level_id: int | None
    due_on: date
    path: PathView | Path | None
    level: LevelView | Level | None
    assigned_by: Assigner | None


# The learner's own live assignments, soonest due first, with who assigned each: rows of
# what the dashboard shows, built once. Their paths and levels — with the levels' modules,
# which each one's progress counts — come from the catalogue the page has read already
# (as mapped objects, one statement per assignment and level, they grew with the list).
_MINE = db.prepared(
    sa.select(
        Assignment.id, Assignment.path_id, Assignment.level_id, Assignment.due_on, Person.name
    )
    .outerjoin(Person, Person.id == Assignment.assigned_by_id)
    .where(Assignment.person_id == sa.bindparam("person_id"), Assignment.cancelled_at.is_(None))
    .order_by(Assignment.due_on, Assignment.id)
)


def my_rows(
    person: Person,
    now: datetime | None = None,
    record: Standing | None = None,
    catalogue: list[PathView] | None = None,
) -> list[Row]:
    """The learner's own live assignments that are not done yet, soonest due first, as
    read-only `MyAssignment`s (`record` and `catalogue`: the learner's record and the
    paths, when the page has read them already). A path or level made since the
    catalogue was read is loaded."""
    found = db.read(_MINE, {"person_id": person.id}).all()
    if not found:
        return []
    if catalogue is None:
        catalogue = paths()
    by_path = {p.id: p for p in catalogue}
    by_level = {level.id: level for p in catalogue for level in p.levels}
    mine = [
        MyAssignment(
            id_,
            person.id,
            path_id,
            level_id,
            due_on,
            None if path_id is None else by_path.get(path_id) or db.session.get(Path, path_id),
            None if level_id is None else by_level.get(level_id) or db.session.get(Level, level_id),
            None if assigner is None else Assigner(assigner),
        )
        for id_, path_id, level_id, due_on, assigner in found
    ]
    records = {person.id: record} if record is not None else None
    return [r for r in rows(mine, now, records) if r.state != "done"]


def organization_name(assignment: Assignment) -> str:
    org = db.session.get(Organization, assignment.organization_id)
    return org.name if org else ""


# --- Changes ----------------------------------------------------------------------------


def _parse_due(value, now: datetime) -> tuple[date | None, str | None]:
    if isinstance(value, date):
        due = value
    else:
        try:
            due = date.fromisoformat(str(value or "").strip())
        except ValueError:
            return None, "Give the due date as a date, e.g. 2027-03-01."
    if due < today(now):
        return None, "Choose a due date from today on."
    if (due - today(now)).days > MAX_AHEAD_DAYS:
        return None, "Choose a due date within three years."
    return due, None


def assign(
    admin: Person,
    person_id,
    *,
    path_id=None,
    level_id=None,
    due_on=None,
    now: datetime | None = None,
) -> Assignment:
    """Assign a path or a level to a staff member of the admin's organisation, due on a
    date (audited; the learner is told). Refused with a sentence per problem."""
    now = now or utcnow()
    if not can_assign(admin):
        raise PermissionError("Only partner admins assign learning to their staff.")
    problems: dict[str, list[str]] = {}
    person = db.session.get(Person, _int(person_id)) if _int(person_id) else None
    if person is None or person.organization_id != admin.organization_id or not person.active:
        problems["person_id"] = ["Choose someone on your organisation's staff."]
    path = db.session.get(Path, _int(path_id)) if _int(path_id) else None
    level = db.session.get(Level, _int(level_id)) if _int(level_id) else None
    if (path is None) == (level is None):
        problems["target"] = ["Choose one path or one level to assign."]
    due, sentence = _parse_due(due_on, now)
    if sentence:
        problems["due_on"] = [sentence]
    if problems:
        raise ValidationFailed(problems)
    clash = db.session.scalar(
        sa.select(Assignment).where(
            Assignment.person_id == person.id,
            Assignment.cancelled_at.is_(None),
            (Assignment.path_id == path.id) if path else (Assignment.level_id == level.id),
        )
    )
    title = path.title if path else level.title
    if clash is not None:
        raise Conflict(
            f"{person.name} has {title} assigned already, due {format_date(clash.due_on, admin)}; "
            "cancel that one to change it."
        )
    assignment = Assignment(
        organization_id=person.organization_id,
        person_id=person.id,
        path_id=path.id if path else None,
        level_id=level.id if level else None,
        due_on=due,
        assigned_by_id=admin.id,
        created_at=now,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "learning.assignment_created",
        assignment,
        after={"person": person.name, "title": title, "due_on": due.isoformat()},
        summary=f"{admin.name} assigned {title} to {person.name}, due {due.isoformat()}",
        actor=admin,
    )
    notifications.notify(
        person.id,
        "learning",
        f"{admin.name} assigned you {title}, due {format_date(due, person)}.",
        "/learning/",
        actor=admin,
    )
    return assignment


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def cancel(admin: Person, assignment: Assignment, now: datetime | None = None) -> Assignment:
    """Cancel an assignment (a partner admin of the learner's organisation; audited)."""
    if not can_assign(admin) or assignment.organization_id != admin.organization_id:
        raise PermissionError("Only the learner's partner admin cancels an assignment.")
    if assignment.cancelled_at is not None:
        raise Conflict("This assignment is cancelled already.")
    assignment.cancelled_at = now or utcnow()
    assignment.cancelled_by_id = admin.id
    audit.record(
        "learning.assignment_cancelled",
        assignment,
        before={"status": "assigned"},
        after={"status": "cancelled"},
        summary=f"{admin.name} cancelled {assignment.title} for {assignment.person.name}",
        actor=admin,
    )
    return assignment


def send_reminders(now: datetime | None = None) -> str:
    """The daily job: remind each learner once of an assignment due within three days,
    and once when it is overdue (not done, not cancelled). Running it again the same day
    sends nothing new."""
    now = now or utcnow()
    on = today(now)
    live = list(
        db.session.scalars(
            sa.select(Assignment)
            .where(
                Assignment.cancelled_at.is_(None),
                Assignment.due_on <= on + DUE_SOON,
                sa.or_(
                    Assignment.overdue_reminded_at.is_(None),
                    Assignment.due_soon_reminded_at.is_(None),
                ),
            )
            .order_by(Assignment.id)
        )
    )
    soon = overdue = 0
    for row in rows(live, now):
        a = row.assignment
        if row.state == "done":
            continue
        due = format_date(a.due_on, a.person)
        if row.state == "overdue" and a.overdue_reminded_at is None:
            a.overdue_reminded_at = now
            a.due_soon_reminded_at = a.due_soon_reminded_at or now
            text = f"{a.title} was due {due}; it is overdue."
            overdue += 1
        elif row.state != "overdue" and a.due_soon_reminded_at is None:
            a.due_soon_reminded_at = now
            text = f"Reminder: {a.title} is due {due}."
            soon += 1
        else:
            continue
        notifications.notify(a.person_id, "learning", text, "/learning/")
        audit.record(
            "learning.assignment_reminded",
            a,
            after={"reminder": row.state},
            summary=f"{a.person.name} reminded of {a.title} ({STATE_LABELS[row.state].lower()})",
        )
    return f"{soon} due-soon and {overdue} overdue assignment reminders"
