"""Field intelligence forms; field names match the rules' problem keys."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FileField, StringField, TextAreaField

from feedback.field.models import COMPETITOR_MAX, CURRENCIES, NOTES_MAX, PRODUCT_MAX, REGION_MAX
from feedback.ideas import service as ideas
from hub.web.forms import SelectField

PHOTO_TYPES = "image/png,image/jpeg,image/webp,image/gif"


class ObservationForm(FlaskForm):
    competitor = StringField("Competitor", render_kw={"maxlength": COMPETITOR_MAX})
    product = StringField("Product", render_kw={"maxlength": PRODUCT_MAX})
    product_line_id = SelectField(
        "Our product line it competes with (optional)", validate_choice=False
    )
    price = StringField(
        "Price seen (optional)", render_kw={"inputmode": "decimal", "maxlength": 16}
    )
    currency = SelectField("Currency", validate_choice=False)
    region = StringField("Region", render_kw={"maxlength": REGION_MAX})
    observed_on = StringField("Seen on", render_kw={"type": "date"})
    photo = FileField("Photo (optional)", render_kw={"accept": PHOTO_TYPES})
    notes = TextAreaField("Notes (optional)", render_kw={"rows": 4, "maxlength": NOTES_MAX})


def observation_form() -> ObservationForm:
    form = ObservationForm()
    form.product_line_id.choices = [("", "None in particular")] + [
        (str(line.id), line.name) for line in ideas.product_lines()
    ]
    form.currency.choices = [(c, c) for c in CURRENCIES]
    return form


class TagsForm(FlaskForm):
    tags = StringField("Tags", render_kw={"maxlength": 500, "autocomplete": "off"})


class LinkForm(FlaskForm):
    idea = StringField(
        "Idea number", render_kw={"inputmode": "numeric", "maxlength": 12, "autocomplete": "off"}
    )
