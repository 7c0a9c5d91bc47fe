"""Passwords and the one-time links that set them: reset links and invitations.

No Flask request in here: the caller passes `link_for`, which turns a token into the
absolute URL the e-mail carries.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from hub import audit, dates, db, mail, policy
from hub.accounts.service import (
    check_may_manage_staff,
    end_all_sessions,
    normalise_email,
    person_by_email,
)
from hub.db import utcnow
from hub.errors import EMAIL_MESSAGE, ValidationFailed
from hub.models import AccountToken, Organization, Person, Role
from hub.plain import row_of
from hub.security import hash_password, new_token, password_problems, token_hash, verify_password


def set_password(person: Person, password: str, *, actor: Person | None = None) -> None:
    person = row_of(person)  # the row these change
    problems = password_problems(password, email=person.email, name=person.name)
    if problems:
        raise ValidationFailed({"password": problems})
    had_password = person.password_hash is not None
    person.password_hash = hash_password(password)
    audit.record(
        "person.password_changed" if had_password else "person.password_set",
        person,
        actor=actor or person,
        summary=f"Password {'changed' if had_password else 'set'} for {person.email}",
    )


def change_password(person: Person, current: str, new: str) -> None:
    person = row_of(person)  # the row these change
    if not verify_password(person.password_hash, current):
        raise ValidationFailed({"current_password": ["Your current password is not right."]})
    set_password(person, new)


def _issue_link_token(person: Person, purpose: str, lifetime: timedelta, creator=None) -> str:
    token = new_token()
    db.session.add(
        AccountToken(
            person_id=person.id,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=utcnow() + lifetime,
            created_by_id=getattr(creator, "id", None),
        )
    )
    return token


def request_password_reset(email: str, link_for) -> None:
    """E-mail a reset link if the account exists; the caller answers the same either way."""
    person = person_by_email(email)
    if person is None or not person.active or person.password_hash is None:
        return
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    token = _issue_link_token(person, "reset", timedelta(hours=hours))
    mail.send_mail(
        person.email,
        "Reset your Partner Hub password",
        f"Hello {person.name},\n\nSomeone (hopefully you) asked to reset your Partner Hub password.\n"
        f"Open this link within {hours} hours to choose a new one:\n\n{link_for(token)}\n\n"
        "The link works once. If you did not ask for it, ignore this message — "
        "your password stays as it is.\n",
    )
    audit.record(
        "auth.reset_requested", person, actor=person, summary=f"Reset link sent to {person.email}"
    )


def _redeem(token: str, purpose: str) -> AccountToken:
    row = db.session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        what = "reset link" if purpose == "reset" else "invitation"
        raise ValidationFailed(
            f"This {what} is no longer valid — it has expired or was used already. "
            + (
                "Ask for a new one from the sign-in page."
                if purpose == "reset"
                else "Ask your administrator to invite you again."
            )
        )
    return row


def peek_link_token(token: str, purpose: str) -> Person:
    """The person a valid link token is for (raises when expired or used)."""
    return _redeem(token, purpose).person


def reset_password(token: str, password: str) -> Person:
    """Set a new password from a reset link; the link is spent and all sessions end."""
    row = _redeem(token, "reset")
    set_password(row.person, password)
    row.used_at = utcnow()
    end_all_sessions(row.person)
    return row.person


def invite(
    actor: Person, org: Organization, *, email: str, name: str, role: str, link_for
) -> Person:
    """Create a person at org with no password yet and e-mail them an invitation link."""
    check_may_manage_staff(actor, org)
    problems: dict[str, list[str]] = {}
    email = normalise_email(email)
    name = (name or "").strip()
    allowed = policy.assignable_roles(actor, org)
    if "@" not in email or "." not in email.split("@")[-1]:
        problems["email"] = [EMAIL_MESSAGE]
    elif person_by_email(email) is not None:
        problems["email"] = ["Someone with this e-mail is already in Partner Hub."]
    if not name:
        problems["name"] = ["Enter the person's name."]
    if role not in {r.value for r in allowed}:
        problems["role"] = ["Choose one of the roles offered."]
    if problems:
        raise ValidationFailed(problems)
    person = Person(
        organization_id=org.id,
        email=email,
        name=name[:120],
        role=Role(role),
        timezone=dates.program_zone().key,  # the program's until they choose their own
    )
    db.session.add(person)
    db.session.flush()
    days = current_app.config["INVITATION_DAYS"]
    token = _issue_link_token(person, "invite", timedelta(days=days), creator=actor)
    mail.send_mail(
        email,
        f"{actor.name} invited you to Partner Hub",
        f"Hello {name},\n\n{actor.name} ({org.name}) invited you to Partner Hub as "
        f"{Role(role).label.lower()}.\nChoose your password within {days} days here:\n\n"
        f"{link_for(token)}\n",
    )
    audit.record(
        "person.invited",
        person,
        actor=actor,
        after=audit.snapshot(person, ["email", "name", "role", "organization_id"]),
        summary=f"{actor.name} invited {email} as {Role(role).label}",
    )
    return person


def accept_invitation(token: str, password: str) -> Person:
    row = _redeem(token, "invite")
    set_password(row.person, password)
    row.used_at = utcnow()
    audit.record(
        "person.joined",
        row.person,
        actor=row.person,
        summary=f"{row.person.email} accepted the invitation",
    )
    return row.person
