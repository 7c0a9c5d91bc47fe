"""API tokens: issued, listed and revoked, and the bearer token's check on every API call
(the person it belongs to, read as one row: a SignedIn).
`hub.accounts.service` offers these names too, as it always has."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from hub import audit, db, policy
from hub.accounts import identity
from hub.accounts.identity import SignedIn
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import ApiToken, Person
from hub.realtime.service import disconnect_person
from hub.security import new_token, token_hash

# --- API tokens -------------------------------------------------------------------

API_TOKEN_PREFIX = "phub_"  # noqa: S105 — a public prefix, not a secret


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str


def create_api_token(person: Person, name: str, *, actor: Person | None = None) -> IssuedToken:
    """Issue a bearer token for person; the secret is shown once and only its hash stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            {"name": ["Give the token a name, e.g. the system that will use it."]}
        )
    if db.session.scalar(
        sa.select(ApiToken.id).where(
            ApiToken.person_id == person.id, ApiToken.name == name, ApiToken.revoked_at.is_(None)
        )
    ):
        raise Conflict({"name": ["You already have a token with this name."]})
    secret = new_token(API_TOKEN_PREFIX)
    row = ApiToken(
        person_id=person.id, name=name[:80], token_hash=token_hash(secret), prefix=secret[:12]
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token.created",
        row,
        actor=actor or person,
        organization_id=person.organization_id,
        summary=f"API token {name!r} created for {person.email}",
    )
    return IssuedToken(row, secret)


def active_api_tokens(person: Person) -> list[ApiToken]:
    """The person's API tokens that still work, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_api_token(actor: Person, token: ApiToken) -> None:
    if token.person_id != actor.id and not policy.is_program_admin(actor):
        raise PermissionError("not your token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        disconnect_person(token.person_id, api_token_id=token.id)
        audit.record(
            "api_token.revoked",
            token,
            actor=actor,
            organization_id=token.person.organization_id,
            summary=f"API token {token.name!r} revoked",
        )


# Built once and prepared: every API call runs it. The token's person as the columns of a
# SignedIn (hub.accounts.identity: no ORM objects), then the three columns the check needs,
# not the token object.
_TOKEN_CHECK = (Person.active, ApiToken.id, ApiToken.last_used_at)
_TOKEN_HOLDER = db.prepared(
    identity.with_organization(
        sa.select(*identity.COLUMNS, *_TOKEN_CHECK)
        .select_from(ApiToken)
        .join(Person, Person.id == ApiToken.person_id),
        Person.organization_id,
    ).where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def person_for_api_token(secret: str) -> SignedIn | None:
    """The active person a bearer token belongs to — a SignedIn whose get_id is None (signed
    in by token, never by a login session) — or None; the token's use stamped."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    row = db.read(_TOKEN_HOLDER, {"token_hash": token_hash(secret)}).first()
    if row is None:
        return None
    active, token_id, last_used_at = row[-3:]
    if not active:
        return None
    now = utcnow()
    if last_used_at is None or now - last_used_at > timedelta(minutes=5):
        # Stamped in its own short transaction after this one, so API reads never
        # become writers (on SQLite a writer waits for the database lock).
        db.on_commit(
            functools.partial(_stamp_token_use, current_app._get_current_object(), token_id, now)
        )
    return identity.signed_in_from(row, None)


def _stamp_token_use(app, token_id: int, now) -> None:
    with app.app_context():
        sa_session = app.extensions["hub.db"]["factory"]()
        try:
            sa_session.execute(
                sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
            )
            sa_session.commit()
        except sa.exc.SQLAlchemyError:
            sa_session.rollback()  # a missed "last used" stamp is not worth failing anything for
        finally:
            sa_session.close()
