"""Moving an idea to another status — the one rule the idea page and the API call.

`status.change_status` records the change and tells everyone following the idea; then
the other capabilities of feedback that care about an idea's status take their step in
the same transaction (beta programs invite the voters when the idea goes "in beta").
They register as listeners, so ideas names none of them:
app.extensions[LISTENERS] holds callables (actor, idea, change) -> a sentence for the
product manager ("3 voters invited to …") or None.
"""

from __future__ import annotations

from flask import current_app

from feedback.ideas.models import Idea, IdeaStatusChange
from feedback.ideas.status import change_status
from hub.models import Person

LISTENERS = "feedback.idea_status_listeners"


def move(
    actor: Person, idea: Idea, to_status: str, message: str, *, link: str, path: str
) -> tuple[IdeaStatusChange, list[str]]:
    """Change the status (with its message to the followers), then let the listeners act;
    returns the change and what the listeners did, as sentences. A refusal anywhere
    raises, and the caller rolls the whole request back."""
    change = change_status(actor, idea, to_status, message, link=link, path=path)
    done = [
        sentence
        for listener in current_app.extensions.get(LISTENERS, [])
        if (sentence := listener(actor, idea, change))
    ]
    return change, done
