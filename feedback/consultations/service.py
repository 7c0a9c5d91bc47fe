"""The rules of a consultation: opening one, the signal and comments of the partner users
asked, and the program admin's published response, which reaches everyone who took part.

Pages, API and demo call these; each leaves an audit event; none commits (the request
does, or rolls everything back).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa

from feedback.consultations.access import (
    ADMINS_ONLY,
    PARTNERS_ONLY,
    audience_includes,
    can_open,
    can_take_part,
)
from feedback.consultations.models import (
    COMMENT_MAX,
    RESPONSE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Consultation,
    ConsultationComment,
    ConsultationNotice,
    ConsultationSignal,
    Outcome,
    Signal,
)
from hub import audit, db, mail, notifications
from hub.db import today, utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Organization, Person, Tier
from hub.registry import ProgramRule, registry

TITLE_MIN = 8
NOTICE_KIND = "consultation.response"
CLOSED = "The comment period has closed; signals and comments are no longer taken."
NOT_ASKED = "This consultation asks other partners; your organisation is not in its audience."


def state(consultation: Consultation, on: date | None = None) -> str:
    """ "scheduled" (period not begun), "open", "closed" (awaiting the response) or
    "answered" (the response is published)."""
    on = on or today()
    if consultation.outcome is not None:
        return "answered"
    if on < consultation.opens_on:
        return "scheduled"
    return "open" if on <= consultation.closes_on else "closed"


def is_open(consultation: Consultation) -> bool:
    return state(consultation) == "open"


def rule_choices() -> list[ProgramRule]:
    """The program rules a consultation may concern, as the areas that own them word them
    today (hub's program_rules extension point)."""
    return registry().program_rule_summaries()


def tiers() -> list[Tier]:
    return list(db.session.scalars(sa.select(Tier).order_by(Tier.rank, Tier.id)))


def regions() -> list[str]:
    """The regions partners are in (what an audience may be narrowed to)."""
    return list(
        db.session.scalars(
            sa.select(Organization.region)
            .where(Organization.region != "")
            .distinct()
            .order_by(Organization.region)
        )
    )


def _date(raw, field: str, what: str, problems: dict) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        problems[field] = [f"Give the {what} as a date, for example {today():%Y-%m-%d}."]
        return None


def open_consultation(
    actor: Person, data: Mapping, tier_ids: list = (), region_names: list = ()
) -> Consultation:
    """Open a proposed change for comment: title, plain-language summary, the date it takes
    effect, the rule it concerns (its current wording is kept with it), the comment period,
    and the audience (every partner, or chosen tiers and/or regions)."""
    if not can_open(actor):
        raise PermissionError(ADMINS_ONLY)
    problems: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if len(title) < TITLE_MIN:
        problems["title"] = [f"Give the change a title of at least {TITLE_MIN} characters."]
    elif len(title) > TITLE_MAX:
        problems["title"] = [f"Keep the title to {TITLE_MAX} characters."]
    summary = (data.get("summary") or "").strip()
    if not summary:
        problems["summary"] = ["Say in plain words what changes, for whom and why."]
    elif len(summary) > SUMMARY_MAX:
        problems["summary"] = [f"Keep the summary to {SUMMARY_MAX:,} characters."]
    rule = registry().program_rule(data.get("rule_key") or "")
    if rule is None:
        problems["rule_key"] = ["Choose the rule the change concerns."]
    opens = _date(data.get("opens_on"), "opens_on", "first day of comments", problems)
    closes = _date(data.get("closes_on"), "closes_on", "last day of comments", problems)
    effective = _date(data.get("effective_on"), "effective_on", "date it takes effect", problems)
    if opens and opens < today():
        problems["opens_on"] = ["The comment period can't begin in the past."]
    if opens and closes and closes < opens:
        problems["closes_on"] = ["The comment period must end on or after the day it begins."]
    if closes and effective and effective <= closes:
        problems["effective_on"] = [
            "The change must take effect after the comment period ends, so comments can count."
        ]
    known_tiers = {t.id for t in tiers()}
    chosen_tiers = sorted({int(t) for t in tier_ids if str(t).isdigit()})
    if any(t not in known_tiers for t in chosen_tiers):
        problems["tier_ids"] = ["Choose tiers from the list."]
    known_regions = set(regions())
    chosen_regions = sorted({str(r) for r in region_names if r})
    if any(r not in known_regions for r in chosen_regions):
        problems["regions"] = ["Choose regions from the list."]
    if problems:
        raise ValidationFailed(problems)
    consultation = Consultation(
        title=title,
        summary=summary,
        effective_on=effective,
        rule_key=rule.key,
        rule_label=rule.label,
        rule_current=rule.current,
        rule_url=rule.url,
        opens_on=opens,
        closes_on=closes,
        audience_tier_ids=chosen_tiers,
        audience_regions=chosen_regions,
        created_by_id=actor.id,
    )
    db.session.add(consultation)
    db.session.flush()
    audit.record(
        "consultation.opened",
        consultation,
        actor=actor,
        after={
            "rule": rule.key,
            "opens_on": opens.isoformat(),
            "closes_on": closes.isoformat(),
            "effective_on": effective.isoformat(),
            "tiers": chosen_tiers,
            "regions": chosen_regions,
        },
        summary=f"Consultation “{title}” opened for comment {opens:%d %b} – {closes:%d %b %Y}",
    )
    return consultation


def _check_taking_part(person: Person, consultation: Consultation) -> None:
    if not can_take_part(person):
        raise PermissionError(PARTNERS_ONLY)
    if not audience_includes(consultation, person.organization):
        raise Conflict({"": [NOT_ASKED]})
    if not is_open(consultation):
        raise Conflict({"": [CLOSED]})


def signal_of(person: Person, consultation: Consultation) -> Signal | None:
    row = db.session.get(ConsultationSignal, (consultation.id, person.id))
    return row.signal if row else None


def signals_of(person: Person, consultations: list[Consultation]) -> dict[int, Signal]:
    """{consultation id: the person's signal} for many consultations, in one query."""
    if not consultations:
        return {}
    rows = db.session.execute(
        sa.select(ConsultationSignal.consultation_id, ConsultationSignal.signal).where(
            ConsultationSignal.person_id == person.id,
            ConsultationSignal.consultation_id.in_([c.id for c in consultations]),
        )
    )
    return {consultation_id: signal for consultation_id, signal in rows}


def give_signal(person: Person, consultation: Consultation, value: str) -> Signal:
    """Agree or concerned: one per person, changeable while the period is open."""
    _check_taking_part(person, consultation)
    try:
        chosen = Signal(value)
    except ValueError:
        raise ValidationFailed({"signal": ["Choose “I agree” or “I'm concerned”."]}) from None
    row = db.session.get(ConsultationSignal, (consultation.id, person.id))
    before = row.signal.value if row else None
    if row is None:
        db.session.add(
            ConsultationSignal(consultation_id=consultation.id, person_id=person.id, signal=chosen)
        )
    elif row.signal != chosen:
        row.signal = chosen
    else:
        return chosen
    db.session.flush()
    audit.record(
        "consultation.signalled",
        consultation,
        actor=person,
        organization_id=person.organization_id,
        before={"signal": before},
        after={"signal": chosen.value},
        summary=f"{chosen.label} on “{consultation.title}”",
    )
    return chosen


def add_comment(person: Person, consultation: Consultation, body: str) -> ConsultationComment:
    """A comment while the period is open (plain text, shown escaped)."""
    _check_taking_part(person, consultation)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": ["Write your comment before sending it."]})
    if len(body) > COMMENT_MAX:
        raise ValidationFailed({"body": [f"Keep the comment to {COMMENT_MAX:,} characters."]})
    row = ConsultationComment(
        consultation_id=consultation.id,
        author_id=person.id,
        organization_id=person.organization_id,
        body=body,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "consultation.commented",
        consultation,
        actor=person,
        organization_id=person.organization_id,
        summary=f"Commented on “{consultation.title}”",
    )
    return row


def participants(consultation: Consultation) -> list[tuple[int, str]]:
    """(person id, e-mail) of the active people who signalled or commented."""
    took_part = sa.union(
        sa.select(ConsultationSignal.person_id).where(
            ConsultationSignal.consultation_id == consultation.id
        ),
        sa.select(ConsultationComment.author_id).where(
            ConsultationComment.consultation_id == consultation.id
        ),
    ).subquery()
    return list(
        db.session.execute(
            sa.select(Person.id, Person.email)
            .where(Person.id.in_(sa.select(took_part.c[0])), Person.active.is_(True))
            .order_by(Person.id)
        ).tuples()
    )


def publish_response(
    actor: Person, consultation: Consultation, outcome: str, text: str, *, link: str, path: str
) -> int:
    """The program admin's response — confirmed, changed or dropped, with the reasons — sent
    in the app and by e-mail to everyone who took part, with a record of who was told.
    Publishing ends the comment period if it is still running. Returns how many were told."""
    if not can_open(actor):
        raise PermissionError(ADMINS_ONLY)
    problems: dict[str, list[str]] = {}
    if consultation.outcome is not None:
        raise Conflict({"": ["The response is published already; it can't be sent twice."]})
    if state(consultation) == "scheduled":
        problems[""] = ["The comment period hasn't begun; respond once partners have been asked."]
    try:
        chosen = Outcome(outcome)
    except ValueError:
        chosen = None
        problems["outcome"] = ["Choose whether the change is confirmed, changed or dropped."]
    text = (text or "").strip()
    if not text:
        problems["response"] = ["Write the response: what was decided and why."]
    elif len(text) > RESPONSE_MAX:
        problems["response"] = [f"Keep the response to {RESPONSE_MAX:,} characters."]
    if problems:
        raise ValidationFailed(problems)
    consultation.outcome = chosen
    consultation.response = text
    consultation.responded_at = utcnow()
    consultation.responded_by_id = actor.id
    if consultation.closes_on >= today():
        consultation.closes_on = max(consultation.opens_on, today())
    people = [(pid, email) for pid, email in participants(consultation) if pid != actor.id]
    if people:
        notifications.notify_many(
            [pid for pid, _ in people],
            NOTICE_KIND,
            f"Response to “{consultation.title}”: {chosen.label.lower()}.",
            path,
            actor=actor,
        )
        mail.send_many(
            [
                (
                    email,
                    f"Program change “{consultation.title}”: {chosen.label.lower()}",
                    f"{actor.name} published the response to the consultation "
                    f"“{consultation.title}”.\n\nOutcome: {chosen.label}.\n\n{text}\n\n"
                    f"Read it: {link}\n\nYou get this because you took part in the "
                    "consultation.",
                )
                for _, email in people
            ]
        )
        now = utcnow()
        db.session.execute(
            sa.insert(ConsultationNotice),
            [
                {"consultation_id": consultation.id, "person_id": p, "email": e, "notified_at": now}
                for p, e in people
            ],
        )
    consultation.notified_count = len(people)
    db.session.flush()
    audit.record(
        "consultation.responded",
        consultation,
        actor=actor,
        after={"outcome": chosen.value, "told": len(people)},
        summary=f"Response to “{consultation.title}”: {chosen.label.lower()} ({len(people)} told)",
    )
    return len(people)


def notices(consultation: Consultation) -> list[ConsultationNotice]:
    return list(
        db.session.scalars(
            sa.select(ConsultationNotice)
            .where(ConsultationNotice.consultation_id == consultation.id)
            .order_by(ConsultationNotice.person_id)
        )
    )
