"""Authoring rules (the program admin): create and edit paths, levels (order, validity,
prerequisites, practical assessment), modules (Markdown, minutes), quiz settings and
questions with their choices. Each save checks everything and refuses with one sentence
per problem (nothing changed), and leaves an audit event of what changed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from hub import audit, db, policy
from hub.errors import ValidationFailed
from hub.models import Person, ProductLine
from learning.assessments import service as assessments
from learning.paths.models import LearningTrack, Level, Module, Path
from learning.quizzes.models import Choice, Question, Quiz, QuizAttempt

ADMINS_ONLY = "Only program admins author learning content."
MAX_CHOICES = 6
BODY_MAX = 100_000
QUIZ_DEFAULTS = {
    "pass_percent": 80,
    "draw": 0,
    "max_attempts": 3,
    "cooldown_hours": 24,
    "time_limit_minutes": 30,
}


def require_admin(actor: Person) -> None:
    if not policy.is_program_admin(actor):
        raise PermissionError(ADMINS_ONLY)


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _number(data: dict, key: str, low: int, high: int, label: str, problems: dict) -> int | None:
    raw = data.get(key)
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        problems[key] = [f"Give {label} as a whole number."]
        return None
    if not low <= value <= high:
        problems[key] = [f"Give {label} from {low:,} to {high:,}."]
        return None
    return value


def _length(value: str, key: str, low: int, high: int, label: str, problems: dict) -> None:
    if len(value) < low:
        problems[key] = [
            f"Give the {label}." if low == 1 else f"Give the {label} ({low}+ characters)."
        ]
    elif len(value) > high:
        problems[key] = [f"Keep the {label} to {high:,} characters or fewer."]


def _audit(action: str, obj, before: dict | None, after: dict, summary: str, actor: Person):
    if before is None:
        audit.record(action, obj, after=audit.jsonable(after), summary=summary, actor=actor)
    else:
        audit.record_change(
            action,
            obj,
            before=audit.jsonable(before),
            after=audit.jsonable(after),
            summary=summary,
            actor=actor,
        )


# --- Paths ------------------------------------------------------------------------------


def product_lines() -> list[ProductLine]:
    return list(db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name)))


def save_path(actor: Person, path: Path | None, data: dict) -> Path:
    require_admin(actor)
    problems: dict[str, list[str]] = {}
    title, summary = _text(data, "title"), _text(data, "summary")
    _length(title, "title", 3, 160, "title", problems)
    _length(summary, "summary", 0, 500, "summary", problems)
    line = (
        db.session.get(ProductLine, int(data["product_line_id"]))
        if str(data.get("product_line_id") or "").isdigit()
        else None
    )
    if line is None:
        problems["product_line_id"] = ["Choose a product line."]
    track = data.get("track")
    if track not in {t.value for t in LearningTrack}:
        problems["track"] = ["Choose a track."]
    if problems:
        raise ValidationFailed(problems)
    clash = db.session.scalar(
        sa.select(Path).where(Path.product_line_id == line.id, Path.track == LearningTrack(track))
    )
    if clash is not None and clash is not path:
        raise ValidationFailed(
            {
                "track": [
                    f"{line.name} has a {LearningTrack(track).label} path already: {clash.title}."
                ]
            }
        )
    fields = ("title", "summary", "product_line_id", "track")
    before = None if path is None else {f: getattr(path, f) for f in fields}
    path = path or Path()
    path.title, path.summary, path.product_line_id = title, summary, line.id
    path.track = LearningTrack(track)
    db.session.add(path)
    db.session.flush()
    after = {f: getattr(path, f) for f in fields}
    _audit(
        "learning.path_saved" if before else "learning.path_created",
        path,
        before,
        after,
        f"Learning path “{title}” {'changed' if before else 'created'}",
        actor,
    )
    return path


# --- Levels -----------------------------------------------------------------------------


def prerequisite_choices(level: Level | None) -> list[Level]:
    """Levels a level may require: any other level (of any path)."""
    levels = db.session.scalars(sa.select(Level).order_by(Level.path_id, Level.rank)).unique()
    return [lv for lv in levels if level is None or lv.id != level.id]


def _requires(level: Level, other: Level, seen: set[int] | None = None) -> bool:
    """Whether `level` needs `other`, directly or through its prerequisites."""
    seen = seen or set()
    for p in level.prerequisites:
        if p.id == other.id or (p.id not in seen and _requires(p, other, seen | {p.id})):
            return True
    return False


def save_level(actor: Person, level: Level | None, path: Path, data: dict) -> Level:
    """Create or edit a level; prerequisites from `prerequisite_ids`, the practical
    assessment from `practical` (on/off) and `practical_instructions`."""
    require_admin(actor)
    problems: dict[str, list[str]] = {}
    name, summary = _text(data, "name"), _text(data, "summary")
    _length(name, "name", 1, 80, "level's name", problems)
    _length(summary, "summary", 0, 500, "summary", problems)
    rank = _number(data, "rank", 1, 20, "the order", problems)
    months = _number(data, "validity_months", 1, 120, "the validity in months", problems)
    practical = bool(data.get("practical"))
    instructions = _text(data, "practical_instructions")
    if practical and not instructions:
        problems["practical_instructions"] = ["Say what the learner must do and upload."]
    elif len(instructions) > 5000:
        problems["practical_instructions"] = ["Keep the instructions to 5,000 characters."]
    wanted = {int(v) for v in data.get("prerequisite_ids") or [] if str(v).isdigit()}
    required = [lv for lv in prerequisite_choices(level) if lv.id in wanted]
    if len(required) != len(wanted):
        problems["prerequisite_ids"] = ["Choose only from the levels offered."]
    elif level is not None and any(_requires(r, level) for r in required):
        problems["prerequisite_ids"] = ["A level can't require a level that requires it."]
    if rank is not None:
        clash = db.session.scalar(
            sa.select(Level).where(Level.path_id == path.id, Level.rank == rank)
        )
        if clash is not None and clash is not level:
            problems["rank"] = [f"{clash.name} is number {rank} of this path already."]
    if problems:
        raise ValidationFailed(problems)
    before = None
    if level is not None:
        before = _level_facts(level)
    level = level or Level(path_id=path.id)
    level.name, level.summary, level.rank, level.validity_months = name, summary, rank, months
    level.prerequisites = required
    db.session.add(level)
    db.session.flush()
    assessments.set_practical(actor, level, practical, instructions)
    _audit(
        "learning.level_saved" if before else "learning.level_created",
        level,
        before,
        _level_facts(level),
        f"Level {level.name} of {path.title} {'changed' if before else 'created'}",
        actor,
    )
    return level


def _level_facts(level: Level) -> dict:
    return {
        "name": level.name,
        "summary": level.summary,
        "rank": level.rank,
        "validity_months": level.validity_months,
        "prerequisites": sorted(p.id for p in level.prerequisites),
    }


# --- Modules ----------------------------------------------------------------------------


def save_module(actor: Person, module: Module | None, level: Level, data: dict) -> Module:
    require_admin(actor)
    problems: dict[str, list[str]] = {}
    title, summary = _text(data, "title"), _text(data, "summary")
    body = data.get("body") if isinstance(data.get("body"), str) else ""
    _length(title, "title", 3, 160, "title", problems)
    _length(summary, "summary", 0, 500, "summary", problems)
    if len(body) > BODY_MAX:
        problems["body"] = [f"Keep the content to {BODY_MAX:,} characters."]
    minutes = _number(data, "minutes", 1, 600, "the estimated minutes", problems)
    position = _number(data, "position", 1, 100, "the position", problems)
    if problems:
        raise ValidationFailed(problems)
    fields = ("title", "summary", "minutes", "position")
    before = None if module is None else {f: getattr(module, f) for f in fields}
    body_changed = module is None or module.body != body
    module = module or Module(level_id=level.id)
    module.title, module.summary, module.body = title, summary, body
    module.minutes, module.position = minutes, position
    db.session.add(module)
    db.session.flush()
    # The body in full would swamp the log: whether it changed is recorded.
    after = {f: getattr(module, f) for f in fields}
    if before is not None:
        before["body"], after["body"] = "", ("changed" if body_changed else "")
    _audit(
        "learning.module_saved" if before else "learning.module_created",
        module,
        before,
        after,
        f"Module “{title}” {'changed' if before else 'created'}",
        actor,
    )
    return module


def next_position(level: Level) -> int:
    return max((m.position for m in level.modules), default=0) + 1


# --- Quizzes ----------------------------------------------------------------------------


def quiz_of(module: Module) -> Quiz | None:
    return db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))


def save_quiz(actor: Person, module: Module, data: dict) -> Quiz:
    """Create or change the module's quiz settings."""
    require_admin(actor)
    problems: dict[str, list[str]] = {}
    values = {
        "pass_percent": _number(data, "pass_percent", 1, 100, "the pass mark (%)", problems),
        "draw": _number(data, "draw", 0, 100, "the questions drawn (0: all)", problems),
        "max_attempts": _number(data, "max_attempts", 1, 20, "the attempts", problems),
        "cooldown_hours": _number(data, "cooldown_hours", 0, 720, "the cool-down hours", problems),
        "time_limit_minutes": _number(
            data, "time_limit_minutes", 1, 240, "the time limit (minutes)", problems
        ),
    }
    if problems:
        raise ValidationFailed(problems)
    quiz = quiz_of(module)
    before = None if quiz is None else {k: getattr(quiz, k) for k in values}
    quiz = quiz or Quiz(module_id=module.id)
    for key, value in values.items():
        setattr(quiz, key, value)
    db.session.add(quiz)
    db.session.flush()
    _audit(
        "learning.quiz_saved",
        quiz,
        before,
        values,
        f"Quiz settings of “{module.title}” {'changed' if before else 'created'}",
        actor,
    )
    return quiz


def _answered(question: Question) -> bool:
    """Whether any attempt drew the question (its choices are then kept, not removed)."""
    drawn = db.session.scalars(
        sa.select(QuizAttempt.drawn).where(QuizAttempt.quiz_id == question.quiz_id)
    )
    return any(entry.get("question") == question.id for d in drawn for entry in d or [])


def save_question(actor: Person, question: Question | None, quiz: Quiz, data: dict) -> Question:
    """Create or edit a question; `choices` is a list of (text, right?) rows — blank
    rows are ignored, a blank existing row removes that choice."""
    require_admin(actor)
    problems: dict[str, list[str]] = {}
    prompt, explanation = _text(data, "prompt"), _text(data, "explanation")
    _length(prompt, "prompt", 3, 500, "question", problems)
    _length(explanation, "explanation", 0, 500, "explanation", problems)
    multiple = bool(data.get("multiple"))
    rows = [(t.strip(), bool(r)) for t, r in data.get("choices") or []][:MAX_CHOICES]
    kept = [(t, r) for t, r in rows if t]
    if any(len(t) > 300 for t, _ in kept):
        problems["choices"] = ["Keep each choice to 300 characters."]
    elif len(kept) < 2:
        problems["choices"] = ["Give at least two choices."]
    elif not any(r for _, r in kept):
        problems["choices"] = ["Mark the right choice."]
    elif not multiple and sum(r for _, r in kept) > 1:
        problems["choices"] = [
            "A single-choice question has one right choice; mark one, or allow several."
        ]
    existing = list(question.choices) if question else []
    removes = any(not t for t, _ in rows[: len(existing)]) or len(rows) < len(existing)
    if question is not None and not problems and removes and _answered(question):
        problems["choices"] = [
            "This question is in learners' attempts: change its choices' wording, "
            "don't remove them."
        ]
    if problems:
        raise ValidationFailed(problems)
    before = None if question is None else _question_facts(question)
    if question is None:
        position = max((q.position for q in quiz.questions), default=0) + 1
        question = Question(quiz=quiz, position=position)
        db.session.add(question)
    question.prompt, question.explanation, question.multiple = prompt, explanation, multiple
    position = 0
    for index, (text, right) in enumerate(rows):
        choice = existing[index] if index < len(existing) else None
        if not text:
            if choice is not None:
                question.choices.remove(choice)
            continue
        position += 1
        if choice is None:
            choice = Choice(position=position)
            question.choices.append(choice)
        choice.text, choice.correct, choice.position = text, right, position
    for extra in existing[len(rows) :]:
        question.choices.remove(extra)
    db.session.flush()
    _audit(
        "learning.question_saved" if before else "learning.question_created",
        question,
        before,
        _question_facts(question),
        f"Quiz question of “{quiz.module.title}” {'changed' if before else 'added'}",
        actor,
    )
    return question


def _question_facts(question: Question) -> dict:
    return {
        "prompt": question.prompt,
        "multiple": question.multiple,
        "explanation": question.explanation,
        "choices": [
            [c.text, c.correct] for c in sorted(question.choices, key=lambda c: c.position)
        ],
    }


def get_or_404(model, ident: int):
    found = db.session.get(model, ident)
    if found is None:
        abort(404)
    return found
