"""The learning API's assignments (`/api/v1/learning/assignments`): list those in your
scope (your own; a partner admin's organisation and those beneath it; everything for a
program admin), and assign (partner admins, to their own staff). Declared with
`@operation` (hub.api) like learning/paths/api.py."""

from __future__ import annotations

from flask import Flask, url_for

from hub.api import Page, api_blueprint, context, current_person, operation
from hub.api import paginate as paginate_rows
from hub.api.auth import allow_only
from learning.assignments import service
from learning.assignments.models import Assignment as AssignmentRow
from learning.assignments.schemas import Assignment, AssignmentInput, AssignmentQuery

bp = api_blueprint("learning_assignments_api", __name__, url_prefix="/api/v1/learning")
TAG = "learning"
LOCATION = {"Location": {"description": "Its URL.", "schema": {"type": "string"}}}
ADMINS_ONLY = "Only partner admins assign learning to their staff."


def _serialize(row: AssignmentRow) -> Assignment:
    return Assignment.of(service.rows([row])[0])


@bp.get("/assignments")
@operation(
    "Assignments",
    description="Live (not cancelled) assignments in your scope, in id order: your own; "
    "a partner admin's organisation and those beneath it; every one for a program admin. "
    "Each with its state as of today.",
    query=AssignmentQuery,
    responses={200: (Page[Assignment], "One page of assignments.")},
    tags=[TAG],
)
def list_assignments():
    args: AssignmentQuery = context().query
    stmt = service.visible_assignments(current_person())
    if args.person_id is not None:
        stmt = stmt.where(AssignmentRow.person_id == args.person_id)
    states: dict[int, service.Row] = {}

    def prepare(found: list[AssignmentRow]) -> None:  # one learning record per person
        states.update({r.assignment.id: r for r in service.rows(found)})

    return paginate_rows(
        stmt, AssignmentRow.id, lambda a: Assignment.of(states[a.id]), args, prepare=prepare
    )


@bp.get("/assignments/<int:assignment_id>")
@operation("One assignment", responses={200: (Assignment, "The assignment.")}, tags=[TAG])
def get_assignment(assignment_id: int):
    return _serialize(service.get_assignment_or_404(current_person(), assignment_id))


@bp.post("/assignments")
@operation(
    "Assign a path or level (partner admins)",
    description="To a staff member of your organisation, due on a date; they are told.",
    json=AssignmentInput,
    responses={201: (Assignment, "The new assignment.")},
    response_headers={201: LOCATION},
    problems=(403,),
    before=allow_only(service.can_assign, ADMINS_ONLY),
    tags=[TAG],
)
def create_assignment():
    body: AssignmentInput = context().json
    row = service.assign(
        current_person(),
        body.person_id,
        path_id=body.path_id,
        level_id=body.level_id,
        due_on=body.due_on,
    )
    location = url_for("learning_assignments_api.get_assignment", assignment_id=row.id)
    return _serialize(row), 201, {"Location": location}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
