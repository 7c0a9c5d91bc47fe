"""Product managers' tags on ideas: free words, normalised (lower-case, single spaces,
letters, digits, spaces and hyphens), so "Hydraulics", " hydraulics " and "HYDRAULICS"
are one tag. The board and the triage view filter by one."""

from __future__ import annotations

import re

import sqlalchemy as sa

from feedback.ideas.access import can_triage
from feedback.ideas.models import TAG_MAX, Idea, IdeaTag
from hub import audit, db
from hub.errors import ValidationFailed
from hub.models import Person

MAX_TAGS = 12
TAGGERS_ONLY = "Only product managers and program admins tag ideas."
_ALLOWED = re.compile(r"^[\w][\w \-]*$")


def normalise(raw: str) -> str:
    """One tag as stored: trimmed, lower-case, inner spaces collapsed."""
    return " ".join((raw or "").split()).lower()


def parse(raw: str, *, field: str = "tags") -> list[str]:
    """Tags from a comma-separated text, normalised and without repeats (in the order
    typed); refused with a sentence when one is too long, odd, or there are too many."""
    tags: list[str] = []
    for part in (raw or "").split(","):
        tag = normalise(part)
        if not tag or tag in tags:
            continue
        if len(tag) > TAG_MAX:
            raise ValidationFailed(
                {field: [f"Keep each tag to {TAG_MAX} characters (“{tag[:20]}…”)."]}
            )
        if not _ALLOWED.match(tag) or "_" in tag:
            raise ValidationFailed(
                {field: [f"Use letters, digits, spaces and hyphens in tags (“{tag}” has others)."]}
            )
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationFailed({field: [f"Give at most {MAX_TAGS} tags."]})
    return tags


# Built once (the board asks on every request), run as rows.
_TAGS_OF = db.prepared(
    sa.select(IdeaTag.idea_id, IdeaTag.tag)
    .where(IdeaTag.idea_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(IdeaTag.idea_id, IdeaTag.tag)
)
_ALL_TAGS = db.prepared(sa.select(IdeaTag.tag).distinct().order_by(IdeaTag.tag))


def tags_of(idea_ids: list[int]) -> dict[int, list[str]]:
    """Per idea: its tags, alphabetically (one query for a page of ideas)."""
    if not idea_ids:
        return {}
    out: dict[int, list[str]] = {}
    for idea_id, tag in db.read(_TAGS_OF, {"ids": list(idea_ids)}):
        out.setdefault(idea_id, []).append(tag)
    return out


def all_tags() -> list[str]:
    """Every tag in use on ideas, alphabetically (the filters' choices)."""
    return list(db.read(_ALL_TAGS).scalars())


def set_tags(actor: Person, idea: Idea, raw: str) -> list[str]:
    """Replace the idea's tags with those in `raw` (comma-separated); returns them."""
    if not can_triage(actor):
        raise PermissionError(TAGGERS_ONLY)
    tags = parse(raw)
    before = tags_of([idea.id]).get(idea.id, [])
    if sorted(tags) == before:
        return before
    db.session.execute(sa.delete(IdeaTag).where(IdeaTag.idea_id == idea.id))
    if tags:
        db.session.execute(sa.insert(IdeaTag), [{"idea_id": idea.id, "tag": t} for t in tags])
    after = sorted(tags)
    audit.record(
        "idea.tagged",
        idea,
        actor=actor,
        before={"tags": before},
        after={"tags": after},
        summary=f"Tags of “{idea.title}”: {', '.join(after) or 'none'}",
    )
    return after
