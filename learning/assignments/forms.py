"""The assignments page's form; field names match the rules' problem keys."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField

from hub.web.forms import SelectField
from learning.assignments import service
from learning.paths import progress


class AssignmentForm(FlaskForm):
    person_id = SelectField("Staff member", validate_choice=False)
    target = SelectField("Path or level", validate_choice=False)
    due_on = StringField("Due date", render_kw={"type": "date"})


def assignment_form(admin) -> AssignmentForm:
    form = AssignmentForm()
    form.person_id.choices = [("", "Choose someone")] + [
        (str(p.id), p.name) for p in service.assignable_people(admin)
    ]
    targets = [("", "Choose a path or a level")]
    for path in progress.all_paths():
        targets.append((f"path:{path.id}", f"{path.title} (whole path)"))
        targets += [(f"level:{lv.id}", f"  {lv.title}") for lv in path.levels]
    form.target.choices = targets
    return form


def target_ids(value: str | None) -> dict:
    """{"path_id": …} or {"level_id": …} from the select's "path:3" / "level:7"."""
    kind, _, ident = (value or "").partition(":")
    if kind in ("path", "level") and ident.isdigit():
        return {f"{kind}_id": int(ident)}
    return {}
