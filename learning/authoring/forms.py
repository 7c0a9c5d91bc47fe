"""The authoring pages' forms; field names match the rules' problem keys. Numbers are
text fields the rules read, so a wrong one comes back with the rules' sentence."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FileField, Form, FormField, StringField, TextAreaField

from hub.web.forms import MultiCheckboxField, SelectField
from learning.authoring import service
from learning.paths.models import LearningTrack

NUMBER = {"inputmode": "numeric", "autocomplete": "off"}
ATTACHMENT_TYPES = "application/pdf,.pdf,image/png,image/jpeg,image/webp,image/gif"


class PathForm(FlaskForm):
    product_line_id = SelectField("Product line", validate_choice=False)
    track = SelectField("Track", validate_choice=False)
    title = StringField("Title", render_kw={"maxlength": 160})
    summary = TextAreaField("Summary", render_kw={"rows": 2, "maxlength": 500})


def _source(posted: bool) -> dict:
    """The form reads the request only when it is the one posted (a page shows several)."""
    return {} if posted else {"formdata": None}


def path_form(path=None, posted: bool = False) -> PathForm:
    form = PathForm(obj=path, **_source(posted))
    form.product_line_id.choices = [("", "Choose a product line")] + [
        (str(line.id), line.name) for line in service.product_lines()
    ]
    form.track.choices = [("", "Choose a track")] + [(t.value, t.label) for t in LearningTrack]
    if path is not None and not posted:
        form.product_line_id.data = str(path.product_line_id)
        form.track.data = path.track.value
    return form


class LevelForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 80})
    rank = StringField("Order in the path (1 = first)", render_kw=NUMBER)
    validity_months = StringField("Certification valid for (months)", render_kw=NUMBER)
    summary = TextAreaField("Summary", render_kw={"rows": 2, "maxlength": 500})
    prerequisite_ids = MultiCheckboxField("Levels to hold first", coerce=str)
    practical = BooleanField("This level has a practical assessment")
    practical_instructions = TextAreaField(
        "Practical assessment: what to do and upload", render_kw={"rows": 4, "maxlength": 5000}
    )


def level_form(level=None, practical=None, next_rank: int = 1, posted: bool = False) -> LevelForm:
    form = LevelForm(obj=level, **_source(posted))
    form.prerequisite_ids.choices = [
        (str(lv.id), lv.title) for lv in service.prerequisite_choices(level)
    ]
    if not posted:
        if level is not None:
            form.prerequisite_ids.data = [str(p.id) for p in level.prerequisites]
            form.rank.data, form.validity_months.data = str(level.rank), str(level.validity_months)
            form.practical.data = practical is not None
            form.practical_instructions.data = practical.instructions if practical else ""
        else:
            form.rank.data, form.validity_months.data = str(next_rank), "24"
    return form


class ModuleForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": 160})
    summary = TextAreaField("Summary", render_kw={"rows": 2, "maxlength": 500})
    minutes = StringField("Estimated minutes", render_kw=NUMBER)
    position = StringField("Position in the level", render_kw=NUMBER)
    body = TextAreaField("Content (Markdown)", render_kw={"rows": 16})


class QuizForm(FlaskForm):
    pass_percent = StringField("Pass mark (%)", render_kw=NUMBER)
    draw = StringField("Questions drawn per attempt (0 = all)", render_kw=NUMBER)
    max_attempts = StringField("Attempts per cool-down window", render_kw=NUMBER)
    cooldown_hours = StringField("Cool-down (hours)", render_kw=NUMBER)
    time_limit_minutes = StringField("Time limit (minutes)", render_kw=NUMBER)


class ChoiceRow(Form):
    text = StringField("Choice", render_kw={"maxlength": 300})
    right = BooleanField("Right answer")


class QuestionForm(FlaskForm):
    prompt = TextAreaField("Question", render_kw={"rows": 2, "maxlength": 500})
    multiple = BooleanField("Several choices may be right (multiple choice)")
    choices = FieldList(FormField(ChoiceRow), min_entries=service.MAX_CHOICES)
    explanation = TextAreaField(
        "Explanation (shown after submission)", render_kw={"rows": 2, "maxlength": 500}
    )


def question_form(question=None, posted: bool = False) -> QuestionForm:
    form = QuestionForm(**_source(posted))
    if question is not None and not posted:
        form.prompt.data, form.multiple.data = question.prompt, question.multiple
        form.explanation.data = question.explanation
        for row, choice in zip(form.choices, question.choices, strict=False):
            row.form.text.data, row.form.right.data = choice.text, choice.correct
    return form


def choice_rows(form: QuestionForm) -> list[tuple[str, bool]]:
    return [(row.form.text.data or "", bool(row.form.right.data)) for row in form.choices]


class AttachmentForm(FlaskForm):
    attachment = FileField("PDF or image", render_kw={"accept": ATTACHMENT_TYPES})
    attachment_title = StringField("Title shown (optional)", render_kw={"maxlength": 160})
