"""The consultation pages' forms; field names match the rules' problem keys."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from feedback.consultations import service
from feedback.consultations.models import (
    COMMENT_MAX,
    RESPONSE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Outcome,
)
from hub.web.forms import MultiCheckboxField, SelectField


class ConsultationForm(FlaskForm):
    title = StringField("Title of the change", render_kw={"maxlength": TITLE_MAX})
    rule_key = SelectField("The rule it concerns", validate_choice=False)
    summary = TextAreaField(
        "What changes, in plain words", render_kw={"rows": 6, "maxlength": SUMMARY_MAX}
    )
    effective_on = StringField("Takes effect on")
    opens_on = StringField("Comments open on")
    closes_on = StringField("Comments close on (last day)")
    tier_ids = MultiCheckboxField("Tiers asked", choices=[], validate_choice=False)
    regions = MultiCheckboxField("Regions asked", choices=[], validate_choice=False)


def consultation_form() -> ConsultationForm:
    form = ConsultationForm()
    form.rule_key.choices = [("", "Choose a rule")] + [
        (rule.key, rule.label) for rule in service.rule_choices()
    ]
    form.tier_ids.choices = [(str(t.id), t.name) for t in service.tiers()]
    form.regions.choices = [(r, r) for r in service.regions()]
    return form


class CommentForm(FlaskForm):
    body = TextAreaField("Your comment", render_kw={"rows": 4, "maxlength": COMMENT_MAX})


class ResponseForm(FlaskForm):
    outcome = SelectField("Outcome", validate_choice=False)
    response = TextAreaField(
        "Response to everyone who took part", render_kw={"rows": 5, "maxlength": RESPONSE_MAX}
    )


def response_form(blank: bool = False) -> ResponseForm:
    """The response form with its outcomes (set after construction, as wtforms wants);
    blank: not filled from the request (the page shown fresh)."""
    form = ResponseForm(formdata=None) if blank else ResponseForm()
    form.outcome.choices = [("", "Choose the outcome")] + [(o.value, o.label) for o in Outcome]
    return form
