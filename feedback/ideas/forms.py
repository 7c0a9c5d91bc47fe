"""The ideas pages' forms; field names match the rules' problem keys."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, TextAreaField

from feedback.ideas.models import COMMENT_MAX, MESSAGE_MAX, TEXT_MAX, TITLE_MAX
from feedback.ideas.posting import MAX_PHOTOS, product_lines
from feedback.ideas.status import SETTABLE
from feedback.ideas.triage import weights
from hub.web.forms import SelectField

PHOTO_TYPES = "image/png,image/jpeg,image/webp,image/gif"


class IdeaForm(FlaskForm):
    product_line_id = SelectField("Product line", validate_choice=False)
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"})
    problem = TextAreaField("The customer's problem", render_kw={"rows": 4, "maxlength": TEXT_MAX})
    description = TextAreaField(
        "Your idea (optional)", render_kw={"rows": 5, "maxlength": TEXT_MAX}
    )
    photos = MultipleFileField(
        f"Photos (optional, up to {MAX_PHOTOS})", render_kw={"accept": PHOTO_TYPES}
    )
    kept_photos = HiddenField()


def idea_form(line_id: int | None = None) -> IdeaForm:
    form = IdeaForm()
    form.product_line_id.choices = [("", "Choose a product line")] + [
        (str(line.id), line.name) for line in product_lines()
    ]
    if line_id is not None and not form.is_submitted():
        form.product_line_id.data = str(line_id)
    return form


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", render_kw={"rows": 3, "maxlength": COMMENT_MAX})
    parent_id = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField("New status", validate_choice=False)
    message = TextAreaField(
        "Message to everyone following the idea", render_kw={"rows": 3, "maxlength": MESSAGE_MAX}
    )


def status_form(current) -> StatusForm:
    form = StatusForm()
    form.status.choices = [("", "Choose a status")] + [
        (s.value, s.label) for s in SETTABLE if s != current
    ]
    return form


def weights_form():
    """A form with one weight field per tier (tier_<id>), filled with today's weights."""

    class WeightsForm(FlaskForm):
        pass

    current = weights()
    for tier, _ in current:
        setattr(
            WeightsForm,
            f"tier_{tier.id}",
            StringField(tier.name, render_kw={"inputmode": "decimal", "maxlength": 8}),
        )
    form = WeightsForm()
    if not form.is_submitted():
        for tier, weight in current:
            getattr(form, f"tier_{tier.id}").data = f"{weight:.2f}"
    return form, [tier for tier, _ in current]


class MergeForm(FlaskForm):
    target = StringField(
        "Number of the idea to keep",
        render_kw={"inputmode": "numeric", "maxlength": 12, "autocomplete": "off"},
    )
    reason = TextAreaField(
        "Message to everyone following this idea", render_kw={"rows": 2, "maxlength": MESSAGE_MAX}
    )


class TagsForm(FlaskForm):
    tags = StringField("Tags", render_kw={"maxlength": 500, "autocomplete": "off"})


class FromMessageForm(FlaskForm):
    product_line_id = SelectField("Product line", validate_choice=False)
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"})
    problem = TextAreaField("The customer's problem", render_kw={"rows": 5, "maxlength": TEXT_MAX})
    description = TextAreaField("The idea (optional)", render_kw={"rows": 4, "maxlength": TEXT_MAX})


def from_message_form(initial: dict | None = None) -> FromMessageForm:
    form = FromMessageForm(data=initial) if initial else FromMessageForm()
    form.product_line_id.choices = [("", "Choose a product line")] + [
        (str(line.id), line.name) for line in product_lines()
    ]
    return form


class EvidenceForm(FlaskForm):
    idea_id = HiddenField()
    note = TextAreaField(
        "Note for the product team (optional)", render_kw={"rows": 2, "maxlength": COMMENT_MAX}
    )
