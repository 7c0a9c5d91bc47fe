"""The beta programs pages' forms; field names match the rules' problem keys."""

from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import (
    FileField,
    HiddenField,
    MultipleFileField,
    RadioField,
    StringField,
    TextAreaField,
)

from feedback.betas.eligibility import qualification_labels, regions, tiers
from feedback.betas.models import (
    MOTIVATION_MAX,
    PROMPT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    BetaSurvey,
    QuestionKind,
    ReportKind,
    Severity,
)
from feedback.betas.reports import MAX_PHOTOS
from feedback.betas.surveys import RATINGS
from feedback.ideas.models import CLOSED_STATUSES, Idea
from hub import db
from hub.models import ProductLine
from hub.web.forms import MultiCheckboxField, SelectField

PHOTO_TYPES = "image/png,image/jpeg,image/webp,image/gif"
DOCUMENT_TYPES = "application/pdf,image/png,image/jpeg,image/webp,image/gif"
SURVEY_SLOTS = 5


class ProgramForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX})
    product_line_id = SelectField("Product line", validate_choice=False)
    description = TextAreaField("What the program is", render_kw={"rows": 4, "maxlength": TEXT_MAX})
    tester_tasks = TextAreaField(
        "What testers will do", render_kw={"rows": 4, "maxlength": TEXT_MAX}
    )
    tier_ids = MultiCheckboxField("Tiers (none ticked: every tier)", validate_choice=False)
    regions = MultiCheckboxField("Regions (none ticked: every region)", validate_choice=False)
    qualification_keys = MultiCheckboxField(
        "Qualifications — testers hold one of them (none ticked: none needed)",
        validate_choice=False,
    )
    max_participants = StringField(
        "Maximum participants", render_kw={"inputmode": "numeric", "maxlength": 4}
    )
    applications_open = StringField("Applications open", render_kw={"type": "date"})
    applications_close = StringField("Applications close", render_kw={"type": "date"})
    starts_on = StringField("Program starts", render_kw={"type": "date"})
    ends_on = StringField("Program ends", render_kw={"type": "date"})
    nda_text = TextAreaField("NDA testers sign", render_kw={"rows": 6, "maxlength": TEXT_MAX})
    idea_id = SelectField("Linked idea (its voters are invited)", validate_choice=False)


def program_form(program=None) -> ProgramForm:
    form = ProgramForm(obj=None)
    lines = db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name))
    form.product_line_id.choices = [("", "Choose a product line")] + [
        (str(line.id), line.name) for line in lines
    ]
    form.tier_ids.choices = [(str(t.id), t.name) for t in tiers()]
    form.regions.choices = [(r, r) for r in regions()]
    form.qualification_keys.choices = list(qualification_labels().items())
    ideas = db.session.scalars(
        sa.select(Idea).where(Idea.status.not_in(CLOSED_STATUSES)).order_by(Idea.title)
    )
    form.idea_id.choices = [("", "No linked idea")] + [
        (str(i.id), f"{i.title} ({i.vote_count} votes)") for i in ideas
    ]
    if program is not None and not form.is_submitted():
        for name in ("title", "description", "tester_tasks", "nda_text"):
            getattr(form, name).data = getattr(program, name)
        form.product_line_id.data = str(program.product_line_id)
        form.tier_ids.data = [str(t) for t in program.tier_ids]
        form.regions.data = list(program.regions)
        form.qualification_keys.data = list(program.qualification_keys)
        form.max_participants.data = str(program.max_participants)
        for name in ("applications_open", "applications_close", "starts_on", "ends_on"):
            getattr(form, name).data = getattr(program, name).isoformat()
        form.idea_id.data = str(program.idea_id or "")
    return form


class ApplyForm(FlaskForm):
    motivation = TextAreaField(
        "Why you'd like to test it", render_kw={"rows": 3, "maxlength": MOTIVATION_MAX}
    )


class DecisionForm(FlaskForm):
    decision = HiddenField()


class ReportForm(FlaskForm):
    kind = RadioField("What are you reporting?", validate_choice=False)
    severity = SelectField("Severity (issues)", validate_choice=False, default="")
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX})
    details = TextAreaField("What you saw", render_kw={"rows": 4, "maxlength": TEXT_MAX})
    steps = TextAreaField(
        "Steps to reproduce (issues)", render_kw={"rows": 4, "maxlength": TEXT_MAX}
    )
    photos = MultipleFileField(
        f"Photos (optional, up to {MAX_PHOTOS})", render_kw={"accept": PHOTO_TYPES}
    )


def report_form() -> ReportForm:
    form = ReportForm()
    form.kind.choices = [(k.value, k.label) for k in ReportKind]
    form.severity.choices = [("", "Choose a severity")] + [(s.value, s.label) for s in Severity]
    return form


class DocumentForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX})
    file = FileField("File (PDF or image)", render_kw={"accept": DOCUMENT_TYPES})


class OutcomeForm(FlaskForm):
    outcome = TextAreaField(
        "What came of the program", render_kw={"rows": 5, "maxlength": TEXT_MAX}
    )


def survey_form():
    """The survey builder: a title, an introduction and SURVEY_SLOTS question slots."""

    class SurveyForm(FlaskForm):
        title = StringField("Survey title", render_kw={"maxlength": TITLE_MAX})
        intro = TextAreaField(
            "Introduction (optional)", render_kw={"rows": 2, "maxlength": TEXT_MAX}
        )

    kinds = [(k.value, k.label) for k in QuestionKind]
    for n in range(1, SURVEY_SLOTS + 1):
        setattr(
            SurveyForm,
            f"q{n}_kind",
            SelectField(f"Question {n}: kind", validate_choice=False, default="rating"),
        )
        setattr(
            SurveyForm,
            f"q{n}_prompt",
            StringField(f"Question {n}", render_kw={"maxlength": PROMPT_MAX}),
        )
        setattr(
            SurveyForm,
            f"q{n}_choices",
            TextAreaField(
                f"Question {n}: choices, one a line (single choice)", render_kw={"rows": 3}
            ),
        )
    form = SurveyForm()
    for n in range(1, SURVEY_SLOTS + 1):
        getattr(form, f"q{n}_kind").choices = kinds
    return form


def survey_questions(form) -> list[dict]:
    return [
        {
            "kind": getattr(form, f"q{n}_kind").data,
            "prompt": getattr(form, f"q{n}_prompt").data,
            "choices": getattr(form, f"q{n}_choices").data or "",
        }
        for n in range(1, SURVEY_SLOTS + 1)
    ]


def answer_form(survey: BetaSurvey):
    """A form with one field per question (q<question id>)."""

    class AnswerForm(FlaskForm):
        pass

    for q in survey.questions:
        if q.kind == QuestionKind.TEXT:
            field = TextAreaField(q.prompt, render_kw={"rows": 3, "maxlength": TEXT_MAX})
        else:
            field = RadioField(q.prompt, validate_choice=False)
        setattr(AnswerForm, f"q{q.id}", field)
    form = AnswerForm()
    for q in survey.questions:
        if q.kind == QuestionKind.RATING:
            form[f"q{q.id}"].choices = [(str(r), str(r)) for r in RATINGS]
        elif q.kind == QuestionKind.CHOICE:
            form[f"q{q.id}"].choices = [(c, c) for c in q.choices]
    return form
