"""Surveys in a program's space: the product manager asks (1–5 ratings, single choices,
free text), each tester who signed the NDA answers once, and the product manager reads
the results — counts per rating and per choice (drawn as bars, with a table beside
them), the average rating, and every free-text answer."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from feedback.betas.access import MANAGERS_ONLY, can_manage
from feedback.betas.models import (
    PROMPT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    BetaAnswer,
    BetaProgram,
    BetaQuestion,
    BetaSurvey,
    BetaSurveyResponse,
    QuestionKind,
)
from feedback.betas.nda import require_space
from hub import audit, db
from hub.errors import Conflict, ValidationFailed
from hub.models import Person

Q = QuestionKind
MAX_QUESTIONS = 10
MAX_CHOICES = 8
RATINGS = (1, 2, 3, 4, 5)


def create_survey(
    actor: Person, program: BetaProgram, title: str, intro: str, questions: list[dict]
) -> BetaSurvey:
    """A survey of the questions given ({kind, prompt, choices}); blank prompts are skipped.
    Problems are keyed by the form's question fields (q1_prompt, q1_choices…)."""
    if not can_manage(actor):
        raise PermissionError(MANAGERS_ONLY)
    problems: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        problems["title"] = ["Give the survey a title, e.g. “First week in the field”."]
    elif len(title) > TITLE_MAX:
        problems["title"] = [f"Keep the title to {TITLE_MAX} characters."]
    if len((intro or "").strip()) > TEXT_MAX:
        problems["intro"] = [f"Keep the introduction to {TEXT_MAX:,} characters."]
    kept = []
    for n, q in enumerate(questions[:MAX_QUESTIONS], start=1):
        prompt = str(q.get("prompt") or "").strip()
        if not prompt:
            continue
        kind = str(q.get("kind") or "")
        if kind not in {k.value for k in Q}:
            problems[f"q{n}_kind"] = ["Choose the kind of question."]
            continue
        if len(prompt) > PROMPT_MAX:
            problems[f"q{n}_prompt"] = [f"Keep the question to {PROMPT_MAX} characters."]
        choices = q.get("choices") or []
        if isinstance(choices, str):
            choices = choices.splitlines()
        choices = list(dict.fromkeys(c.strip()[:PROMPT_MAX] for c in choices if c.strip()))
        if kind == Q.CHOICE and not 2 <= len(choices) <= MAX_CHOICES:
            problems[f"q{n}_choices"] = [f"Give between 2 and {MAX_CHOICES} choices, one a line."]
        kept.append((Q(kind), prompt, choices if kind == Q.CHOICE else []))
    if not kept and not problems:
        problems["q1_prompt"] = ["Ask at least one question."]
    if problems:
        raise ValidationFailed(problems)
    survey = BetaSurvey(
        program_id=program.id, title=title, intro=(intro or "").strip(), created_by_id=actor.id
    )
    db.session.add(survey)
    db.session.flush()
    for position, (kind, prompt, choices) in enumerate(kept, start=1):
        db.session.add(
            BetaQuestion(
                survey_id=survey.id, position=position, kind=kind, prompt=prompt, choices=choices
            )
        )
    db.session.flush()
    db.session.refresh(survey)
    audit.record(
        "beta.survey_created",
        survey,
        actor=actor,
        after={"program_id": program.id, "title": title, "questions": len(kept)},
        summary=f"Survey “{title}” asked in “{program.title}”",
    )
    return survey


def surveys(program: BetaProgram) -> list[BetaSurvey]:
    return list(
        db.session.scalars(
            sa.select(BetaSurvey).where(BetaSurvey.program_id == program.id).order_by(BetaSurvey.id)
        )
    )


def get_survey(program: BetaProgram, survey_id: int) -> BetaSurvey | None:
    return db.session.scalar(
        sa.select(BetaSurvey).where(BetaSurvey.id == survey_id, BetaSurvey.program_id == program.id)
    )


def response_of(person: Person, survey: BetaSurvey) -> BetaSurveyResponse | None:
    return db.session.scalar(
        sa.select(BetaSurveyResponse).where(
            BetaSurveyResponse.survey_id == survey.id, BetaSurveyResponse.person_id == person.id
        )
    )


def answered_ids(person: Person, program: BetaProgram) -> set[int]:
    """The ids of the program's surveys person has answered."""
    return set(
        db.session.scalars(
            sa.select(BetaSurveyResponse.survey_id)
            .join(BetaSurvey, BetaSurvey.id == BetaSurveyResponse.survey_id)
            .where(BetaSurvey.program_id == program.id, BetaSurveyResponse.person_id == person.id)
        )
    )


def answer(actor: Person, program: BetaProgram, survey: BetaSurvey, data) -> BetaSurveyResponse:
    """actor's answers (form fields q<question id>): every question must be answered; a
    second response is refused. Refused (NdaRequired) before the NDA is signed."""
    require_space(actor, program)
    if actor.is_oem:
        raise PermissionError("Surveys are answered by the program's testers.")
    if response_of(actor, survey) is not None:
        raise Conflict({"": ["You have answered this survey already; thank you."]})
    problems: dict[str, list[str]] = {}
    values = {}
    for q in survey.questions:
        raw = str(data.get(f"q{q.id}") or "").strip()
        if q.kind == Q.RATING:
            if raw not in {str(r) for r in RATINGS}:
                problems[f"q{q.id}"] = ["Choose a rating from 1 to 5."]
            else:
                values[q.id] = {"rating": int(raw)}
        elif q.kind == Q.CHOICE:
            if raw not in q.choices:
                problems[f"q{q.id}"] = ["Choose one of the answers offered."]
            else:
                values[q.id] = {"choice": raw}
        elif not raw:
            problems[f"q{q.id}"] = ["Write a few words (or “nothing to add”)."]
        elif len(raw) > TEXT_MAX:
            problems[f"q{q.id}"] = [f"Keep the answer to {TEXT_MAX:,} characters."]
        else:
            values[q.id] = {"text": raw}
    if problems:
        raise ValidationFailed(problems)
    response = BetaSurveyResponse(survey_id=survey.id, person_id=actor.id)
    db.session.add(response)
    db.session.flush()
    for question_id, value in values.items():
        db.session.add(BetaAnswer(response_id=response.id, question_id=question_id, **value))
    audit.record(
        "beta.survey_answered",
        response,
        actor=actor,
        organization_id=actor.organization_id,
        after={"survey_id": survey.id, "answers": len(values)},
        summary=f"{actor.name} answered “{survey.title}” in “{program.title}”",
    )
    db.session.flush()
    return response


@dataclass
class QuestionResult:
    question: BetaQuestion
    counts: list[tuple[str, int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    average: float | None = None
    answered: int = 0

    @property
    def most(self) -> int:
        return max((n for _, n in self.counts), default=0)


def results(survey: BetaSurvey) -> tuple[int, list[QuestionResult]]:
    """(how many responded, a result per question) for the product manager."""
    responded = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(BetaSurveyResponse)
        .where(BetaSurveyResponse.survey_id == survey.id)
    )
    found = []
    for q in survey.questions:
        answers = list(
            db.session.scalars(
                sa.select(BetaAnswer)
                .where(BetaAnswer.question_id == q.id)
                .order_by(BetaAnswer.response_id)
            )
        )
        result = QuestionResult(q, answered=len(answers))
        if q.kind == Q.RATING:
            ratings = [a.rating for a in answers if a.rating is not None]
            result.counts = [(str(r), ratings.count(r)) for r in RATINGS]
            result.average = round(sum(ratings) / len(ratings), 1) if ratings else None
        elif q.kind == Q.CHOICE:
            chosen = [a.choice for a in answers]
            result.counts = [(c, chosen.count(c)) for c in q.choices]
        else:
            result.texts = [a.text for a in answers if a.text]
        found.append(result)
    return responded, found
