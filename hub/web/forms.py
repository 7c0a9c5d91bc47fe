"""Form pieces every capability's forms.py builds on: fields whose errors say what to do,
the CSRF-only form, and putting a rule's sentences on a form (`refused`: the request's
writes discarded, the sentences beside their fields).

Field names of the forms match the rules' problem keys, so a sentence lands beside the
field it is about. Each capability keeps its own forms (hub/accounts/forms.py,
hub/directory/forms.py, hub/admin/forms.py, campaigns/coop/forms.py …).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from hub import db
from hub.errors import ValidationFailed


class SelectField(_SelectField):
    """A select whose "not a choice" error tells the user what to do."""

    def pre_validate(self, form):
        if self.choices is not None and self.data not in {str(v) for v, *_ in self.choices} | {
            v for v, *_ in self.choices
        }:
            raise ValidationError(f"Choose one of the {self.label.text.lower()} options offered.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {str(v) for v, *_ in self.choices or []}
        if any(str(d) not in allowed for d in self.data or []):
            raise ValidationError("Choose only from the options offered.")


class EmptyForm(FlaskForm):
    """Just the CSRF token, for buttons that change something."""


def apply_problems(form: FlaskForm, exc: ValidationFailed) -> None:
    """Put a service's sentences on the form: on their field, or above the form."""
    for field_name, messages in exc.problems.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), *messages]
        else:
            form.form_errors.extend(messages)


def refused(form: FlaskForm, exc: ValidationFailed) -> None:
    """A rule refused a form's submission: discard what the request wrote (the rule may have
    flushed rows before it found the problem) and put its sentences on the form, to be shown
    again with status 422."""
    db.rollback_request()
    apply_problems(form, exc)


def submit_status(form: FlaskForm) -> int:
    """The status of a form page shown again: 422 after a refused submission, else 200."""
    return 422 if form.is_submitted() else 200


@contextmanager
def flash_problems() -> Iterator[None]:
    """For buttons that redirect back: a rule's refusal becomes an error message."""
    try:
        yield
    except ValidationFailed as exc:
        flash(str(exc), "error")
