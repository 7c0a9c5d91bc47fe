"""The program admin's brand library: approved copy (headlines and offers a dealer may
pick or adapt) and forbidden words (refused in every output). Each change is audited."""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.studio.models import ApprovedCopy, CopyKind, ForbiddenWord
from hub import audit, db, policy
from hub.errors import ValidationFailed
from hub.models import Person

ADMINS_ONLY = "only the program admin edits the brand kit"


def may_author(person: Person) -> bool:
    """The program admin authors templates, decks, copy and forbidden words."""
    return policy.is_program_admin(person)


def _require(actor: Person) -> None:
    if not may_author(actor):
        raise PermissionError(ADMINS_ONLY)


def copy_rows() -> list[ApprovedCopy]:
    return list(
        db.session.scalars(sa.select(ApprovedCopy).order_by(ApprovedCopy.kind, ApprovedCopy.id))
    )


def word_rows() -> list[ForbiddenWord]:
    return list(db.session.scalars(sa.select(ForbiddenWord).order_by(ForbiddenWord.word)))


def check_copy(kind: str, text: str) -> tuple[CopyKind | None, str, dict[str, list[str]]]:
    text = " ".join((text or "").split())
    problems: dict[str, list[str]] = {}
    chosen = CopyKind(kind) if kind in {k.value for k in CopyKind} else None
    if chosen is None:
        problems["kind"] = ["Choose whether this is a headline or an offer."]
    if not text:
        problems["text"] = ["Write the approved text."]
    elif len(text) > 200:
        problems["text"] = [f"Keep approved copy to 200 characters (it has {len(text)})."]
    return chosen, text, problems


def save_copy(actor: Person, kind: str, text: str, row: ApprovedCopy | None = None) -> ApprovedCopy:
    """Add approved copy, or change a row; audited."""
    _require(actor)
    chosen, text, problems = check_copy(kind, text)
    if problems:
        raise ValidationFailed(problems)
    before = {} if row is None else audit.snapshot(row, ["kind", "text"])
    if row is None:
        row = ApprovedCopy(kind=chosen, text=text)
        db.session.add(row)
    row.kind, row.text = chosen, text
    db.session.flush()
    audit.record(
        "studio.copy_saved",
        row,
        before=before,
        after=audit.snapshot(row, ["kind", "text"]),
        summary=f"Approved {chosen.value} “{text}” saved",
        actor=actor,
    )
    return row


def remove_copy(actor: Person, row: ApprovedCopy) -> None:
    _require(actor)
    audit.record(
        "studio.copy_removed",
        row,
        before=audit.snapshot(row, ["kind", "text"]),
        summary=f"Approved {row.kind.value} “{row.text}” removed",
        actor=actor,
    )
    db.session.delete(row)
    db.session.flush()


def add_word(actor: Person, word: str) -> ForbiddenWord:
    """Forbid a word or phrase in every output (matched whole, any case); audited."""
    _require(actor)
    word = " ".join((word or "").split()).lower()
    if not word:
        raise ValidationFailed({"word": ["Write the word or phrase to forbid."]})
    if len(word) > 80:
        raise ValidationFailed({"word": ["Keep a forbidden word or phrase to 80 characters."]})
    if db.session.scalar(sa.select(ForbiddenWord.id).where(ForbiddenWord.word == word)):
        raise ValidationFailed({"word": [f"“{word}” is already forbidden."]})
    row = ForbiddenWord(word=word)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "studio.word_forbidden",
        row,
        after={"word": word},
        summary=f"“{word}” forbidden in studio outputs",
        actor=actor,
    )
    return row


def remove_word(actor: Person, row: ForbiddenWord) -> None:
    _require(actor)
    audit.record(
        "studio.word_allowed",
        row,
        before={"word": row.word},
        summary=f"“{row.word}” no longer forbidden",
        actor=actor,
    )
    db.session.delete(row)
    db.session.flush()
