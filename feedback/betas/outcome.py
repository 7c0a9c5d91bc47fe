"""The program's outcome: once it has ended, the product manager posts a summary that
every tester receives — in the app and by e-mail — and that stays on the program page."""

from __future__ import annotations

from feedback.betas.access import MANAGERS_ONLY, can_manage
from feedback.betas.applications import testers
from feedback.betas.models import TEXT_MAX, BetaProgram
from feedback.betas.schedule import Phase, phase
from hub import audit, mail, notifications
from hub.dates import format_date
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Person

OUTCOME_KIND = "beta.outcome"


def post_outcome(actor: Person, program: BetaProgram, summary: str, *, link: str, path: str) -> int:
    """Post the outcome and send it to every active tester; returns how many were told."""
    if not can_manage(actor):
        raise PermissionError(MANAGERS_ONLY)
    if phase(program) != Phase.ENDED:
        raise ValidationFailed(
            {
                "outcome": [
                    f"Post the outcome once the program has ended ({format_date(program.ends_on)})."
                ]
            }
        )
    summary = (summary or "").strip()
    if not summary:
        raise ValidationFailed({"outcome": ["Write what came of the program for its testers."]})
    if len(summary) > TEXT_MAX:
        raise ValidationFailed({"outcome": [f"Keep the outcome to {TEXT_MAX:,} characters."]})
    before = program.outcome
    program.outcome, program.outcome_posted_at = summary, utcnow()
    people = [a.person for a in testers(program) if a.person.active]
    notifications.notify_many(
        [p.id for p in people],
        OUTCOME_KIND,
        f"What came of the beta program “{program.title}”: {summary}",
        path,
        actor=actor,
    )
    mail.send_many(
        [
            (
                p.email,
                f"Beta program “{program.title}”: the outcome",
                f"Thank you for testing.\n\n{summary}\n\nThe program: {link}\n",
            )
            for p in people
        ]
    )
    audit.record(
        "beta.outcome_posted",
        program,
        actor=actor,
        before={"outcome": before[:200]},
        after={"outcome": summary[:200], "told": len(people)},
        summary=f"Outcome of “{program.title}” posted ({len(people)} testers told)",
    )
    return len(people)
