"""A beta program as the product manager sets it up: what it is, who may apply, how many,
its dates and its NDA (editing the text raises the version, so testers sign again), the
idea it answers — whose voters are invited to apply when the program is published or the
idea is linked to a published program, and again — for those who voted since — when the
product manager moves the idea to "in beta" (each person once)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa

from feedback.betas.access import MANAGERS_ONLY, can_manage
from feedback.betas.eligibility import qualification_labels, regions, tiers
from feedback.betas.models import (
    TEXT_MAX,
    TITLE_MAX,
    BetaApplication,
    BetaInvitation,
    BetaProgram,
)
from feedback.betas.schedule import Phase, phase
from feedback.ideas.models import Idea, IdeaStatus, IdeaVote
from hub import audit, db, notifications
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import PARTNER_ROLES, Person, ProductLine

MAX_PARTICIPANTS = 500
FIELDS = (
    "product_line_id",
    "title",
    "description",
    "tester_tasks",
    "tier_ids",
    "regions",
    "qualification_keys",
    "max_participants",
    "applications_open",
    "applications_close",
    "starts_on",
    "ends_on",
    "nda_text",
    "idea_id",
)
DATES = (
    ("applications_open", "the day applications open"),
    ("applications_close", "the day applications close"),
    ("starts_on", "the start date"),
    ("ends_on", "the end date"),
)
INVITE_KIND = "beta.invited"


def _listed(data, name) -> list[str]:
    getlist = getattr(data, "getlist", None)
    value = getlist(name) if getlist else data.get(name)
    if value in (None, ""):
        return []
    return [str(v) for v in (value if isinstance(value, list | tuple) else [value])]


def _text(data, name) -> str:
    return str(data.get(name) or "").strip()


def clean(data) -> tuple[dict, dict[str, list[str]]]:
    """The program's fields from a form or API body, and a sentence per problem."""
    problems: dict[str, list[str]] = {}
    values: dict = {}
    title = _text(data, "title")
    if not title:
        problems["title"] = ["Give the program a title, e.g. “Loader joystick field trial”."]
    elif len(title) > TITLE_MAX:
        problems["title"] = [f"Keep the title to {TITLE_MAX} characters."]
    values["title"] = title
    for name, what in (("description", "the description"), ("tester_tasks", "what testers do")):
        values[name] = _text(data, name)
        if len(values[name]) > TEXT_MAX:
            problems[name] = [f"Keep {what} to {TEXT_MAX:,} characters."]
    if not values["description"]:
        problems["description"] = ["Describe the program: what is being tried, and why."]
    if not values["tester_tasks"]:
        problems["tester_tasks"] = ["Say what testers will do, and how much time it takes."]
    line_id = _text(data, "product_line_id")
    line = db.session.get(ProductLine, int(line_id)) if line_id.isdigit() else None
    if line is None:
        problems["product_line_id"] = ["Choose the product line the program is for."]
    values["product_line_id"] = line.id if line else None
    offered = (
        ("tier_ids", {str(t.id) for t in tiers()}, "tiers"),
        ("regions", set(regions()), "regions"),
        ("qualification_keys", set(qualification_labels()), "qualifications"),
    )
    for name, known, what in offered:
        chosen = _listed(data, name)
        if any(c not in known for c in chosen):
            problems[name] = [f"Choose only from the {what} offered."]
        values[name] = sorted(c for c in chosen if c in known)
    values["tier_ids"] = sorted(int(t) for t in values["tier_ids"])
    raw = _text(data, "max_participants")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PARTICIPANTS:
        problems["max_participants"] = [
            f"Enter how many testers you take, from 1 to {MAX_PARTICIPANTS}."
        ]
    values["max_participants"] = int(raw) if raw.isdigit() else None
    for name, what in DATES:
        try:
            values[name] = date.fromisoformat(_text(data, name))
        except ValueError:
            values[name] = None
            problems[name] = [f"Enter {what} as a date, like 2027-03-01."]
    d = values
    if all(d[name] for name, _ in DATES):
        if d["applications_close"] < d["applications_open"]:
            problems["applications_close"] = ["Applications must close after they open."]
        elif d["starts_on"] < d["applications_close"]:
            problems["starts_on"] = ["Start the program once applications have closed."]
        elif d["ends_on"] < d["starts_on"]:
            problems["ends_on"] = ["End the program after it starts."]
    values["nda_text"] = _text(data, "nda_text")
    if not values["nda_text"]:
        problems["nda_text"] = ["Write the NDA testers sign before they see anything."]
    elif len(values["nda_text"]) > TEXT_MAX:
        problems["nda_text"] = [f"Keep the NDA to {TEXT_MAX:,} characters."]
    idea_id = _text(data, "idea_id")
    values["idea_id"] = None
    if idea_id:
        idea = db.session.get(Idea, int(idea_id)) if idea_id.isdigit() else None
        if idea is None:
            problems["idea_id"] = ["Choose one of the ideas offered, or none."]
        else:
            values["idea_id"] = idea.id
    return values, problems


def create(actor: Person, data) -> BetaProgram:
    """A new program, as a draft (partners see it once it is published)."""
    if not can_manage(actor):
        raise PermissionError(MANAGERS_ONLY)
    values, problems = clean(data)
    if problems:
        raise ValidationFailed(problems)
    program = BetaProgram(created_by_id=actor.id, nda_version=1, **values)
    db.session.add(program)
    db.session.flush()
    audit.record(
        "beta.created",
        program,
        actor=actor,
        after=audit.snapshot(program, FIELDS),
        summary=f"Beta program “{program.title}” drafted",
    )
    return program


def update(actor: Person, program: BetaProgram, data, *, path: str = "") -> BetaProgram:
    """Change the program; a changed NDA text raises its version (testers sign again), a
    newly linked idea's voters are invited when the program is published."""
    if not can_manage(actor):
        raise PermissionError(MANAGERS_ONLY)
    values, problems = clean(data)
    if problems:
        raise ValidationFailed(problems)
    before = audit.snapshot(program, (*FIELDS, "nda_version"))
    linked = values["idea_id"] is not None and values["idea_id"] != program.idea_id
    for name, value in values.items():
        setattr(program, name, value)
    if values["nda_text"] != before["nda_text"]:
        program.nda_version += 1
    db.session.flush()
    audit.record(
        "beta.updated",
        program,
        actor=actor,
        before=before,
        after=audit.snapshot(program, (*FIELDS, "nda_version")),
        summary=f"Beta program “{program.title}” changed",
    )
    if linked and program.published_at is not None:
        invite_voters(actor, program, path=path)
    return program


def publish(actor: Person, program: BetaProgram, *, path: str = "") -> int:
    """Show the program to partner users and invite the linked idea's voters; returns how
    many were invited."""
    if not can_manage(actor):
        raise PermissionError(MANAGERS_ONLY)
    if program.published_at is not None:
        raise ValidationFailed("The program is published already.")
    program.published_at = utcnow()
    audit.record(
        "beta.published",
        program,
        actor=actor,
        after={"published": True},
        summary=f"Beta program “{program.title}” published",
    )
    return invite_voters(actor, program, path=path)


def invite_voters(actor: Person, program: BetaProgram, *, path: str) -> int:
    """Invite the active partner users who voted for the linked idea, have not applied and
    were not invited before: one notification each, and a record so it happens once."""
    if program.idea_id is None:
        return 0
    already = sa.select(BetaInvitation.person_id).where(BetaInvitation.program_id == program.id)
    applied = sa.select(BetaApplication.person_id).where(BetaApplication.program_id == program.id)
    people = list(
        db.session.scalars(
            sa.select(Person.id)
            .join(IdeaVote, IdeaVote.person_id == Person.id)
            .where(
                IdeaVote.idea_id == program.idea_id,
                Person.active.is_(True),
                Person.role.in_(PARTNER_ROLES),
                Person.id.not_in(already),
                Person.id.not_in(applied),
            )
            .order_by(Person.id)
        )
    )
    if not people:
        return 0
    now = utcnow()
    db.session.execute(
        sa.insert(BetaInvitation),
        [{"program_id": program.id, "person_id": pid, "invited_at": now} for pid in people],
    )
    idea = db.session.get(Idea, program.idea_id)
    notifications.notify_many(
        people,
        INVITE_KIND,
        f"You voted for “{idea.title}”: apply to test it in the beta program “{program.title}”.",
        path,
        actor=actor,
    )
    audit.record(
        "beta.invited",
        program,
        actor=actor,
        after={"invited": len(people), "idea_id": program.idea_id},
        summary=f"{len(people)} voters of “{idea.title}” invited to “{program.title}”",
    )
    return len(people)


def invite_for_idea(
    actor: Person, idea: Idea, *, path_for: Callable[[BetaProgram], str]
) -> list[tuple[BetaProgram, int]]:
    """When an idea goes "in beta": invite its voters not invited yet to every published
    program linked to it that takes applications now or soon (a running or ended program
    has no place to offer). Idempotent; each program's invitations are audited by
    invite_voters. Returns (program, how many were invited) for the programs that took
    someone. `path_for(program)`: the program page's address for the notification."""
    if idea.status != IdeaStatus.IN_BETA:
        return []
    linked = db.session.scalars(
        sa.select(BetaProgram)
        .where(BetaProgram.idea_id == idea.id, BetaProgram.published_at.is_not(None))
        .order_by(BetaProgram.id)
    )
    done = []
    for program in linked:
        if phase(program) not in (Phase.UPCOMING, Phase.APPLICATIONS_OPEN):
            continue
        count = invite_voters(actor, program, path=path_for(program))
        if count:
            done.append((program, count))
    return done


def invited(person: Person, program: BetaProgram) -> bool:
    return (
        db.session.get(BetaInvitation, {"program_id": program.id, "person_id": person.id})
        is not None
    )
