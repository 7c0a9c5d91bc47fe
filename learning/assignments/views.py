"""The assignments page: a partner admin assigns a path or level to their staff, sees
who is behind (sortable), and cancels; program admins see every organisation's."""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user

from hub import db
from hub.errors import ValidationFailed
from hub.web.forms import EmptyForm, refused, submit_status
from hub.web.pages import render, see_other
from learning.assignments import service
from learning.assignments.forms import assignment_form, target_ids
from learning.blueprint import bp


def _page(form=None, status=200):
    if not service.can_view_team(current_user):
        raise PermissionError("Only partner admins and program admins see assignments.")
    sort = request.args.get("sort", "state")
    sort = sort if sort in service.SORTS else "state"
    return render(
        "learning/assignments/team.html",
        status=status,
        rows=service.team_rows(current_user, sort),
        sort=sort,
        form=form or (assignment_form(current_user) if service.can_assign(current_user) else None),
        org_name=service.organization_name,
        cancel_form=EmptyForm(),
    )


@bp.get("/assignments")
def assignments_page():
    return _page()


@bp.post("/assignments")
def assignment_create():
    if not service.can_assign(current_user):
        raise PermissionError("Only partner admins assign learning to their staff.")
    form = assignment_form(current_user)
    if not form.validate():
        return _page(form, status=422)
    try:
        assignment = service.assign(
            current_user,
            form.person_id.data,
            due_on=form.due_on.data,
            **target_ids(form.target.data),
        )
    except ValidationFailed as exc:
        refused(form, exc)
        if "target" in exc.problems:
            form.target.errors = list(exc.problems["target"])
        return _page(form, status=submit_status(form))
    flash(f"{assignment.title} is assigned to {assignment.person.name}.", "success")
    return see_other("learning.assignments_page")


@bp.post("/assignments/<int:assignment_id>/cancel")
def assignment_cancel(assignment_id: int):
    assignment = service.get_assignment_or_404(current_user, assignment_id)
    form = EmptyForm()
    if not form.validate():
        flash("The form expired; try again.", "error")
        return see_other("learning.assignments_page")
    try:
        service.cancel(current_user, assignment)
    except ValidationFailed as exc:
        db.rollback_request()
        flash(str(exc), "error")
        return see_other("learning.assignments_page")
    flash(f"Cancelled: {assignment.title} for {assignment.person.name}.", "success")
    return see_other("learning.assignments_page")
