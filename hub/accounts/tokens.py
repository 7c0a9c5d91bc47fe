"""API tokens: issued, listed and revoked, and the bearer token's check on every API call
(the person it belongs to, or — for reads that need no more — the caller as one row).
`hub.accounts.service` offers these names too, as it always has."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from hub import audit, db, policy
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import ApiToken, Organization, Person, Role
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


@dataclass(frozen=True)
class CallerOrganization:
    id: int
    path: str


@dataclass(frozen=True)
class ApiCaller:
    """Who an API request comes from, read as one row rather than loaded as a Person: what
    hub.policy reads of a viewer to scope a list (the role, the organisation's path), for
    the reads that need no more (hub.api's `as_caller` operations). It answers Flask-Login
    as the person would."""

    id: int
    role: Role
    organization: CallerOrganization

    is_authenticated = True
    is_active = True
    is_anonymous = False

    @property
    def organization_id(self) -> int:
        return self.organization.id

    @property
    def is_oem(self) -> bool:
        return self.role.is_oem

    def get_id(self) -> None:
        return None  # signed in by token, never by a login session

    @classmethod
    def of(cls, person: Person) -> ApiCaller:
        org = person.organization
        return cls(person.id, person.role, CallerOrganization(org.id, org.path))


# Built once: every API call runs one of them. The person (eager with their organisation
# and tier) or, for a caller, the columns of ApiCaller; then the three columns the check
# needs, not the token object.
_TOKEN_CHECK = (Person.active, ApiToken.id, ApiToken.last_used_at)
_TOKEN_HOLDER = (
    sa.select(Person, *_TOKEN_CHECK)
    .join(ApiToken, ApiToken.person_id == Person.id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)
_TOKEN_CALLER = db.prepared(
    sa.select(Person.id, Person.role, Organization.id, Organization.path, *_TOKEN_CHECK)
    .join(ApiToken, ApiToken.person_id == Person.id)
    .join(Organization, Organization.id == Person.organization_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def person_for_api_token(secret: str) -> Person | None:
    """The active person a bearer token belongs to, or None."""
    row = _token_row(secret, lambda params: db.session.execute(_TOKEN_HOLDER, params).first())
    return None if row is None else row[0]


def api_caller_for_token(secret: str) -> ApiCaller | None:
    """Who a bearer token speaks for (the same check as person_for_api_token), as an
    ApiCaller read in one row without the ORM, or None."""
    row = _token_row(secret, lambda params: db.read(_TOKEN_CALLER, params).first())
    if row is None:
        return None
    person_id, role, organization_id, path = row[:4]
    return ApiCaller(person_id, role, CallerOrganization(organization_id, path))


def _token_row(secret: str, read):
    """The row `read` finds for the token (its last three columns: _TOKEN_CHECK) when it
    belongs to an active person, or None; its use stamped."""
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    row = read({"token_hash": token_hash(secret)})
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
    return row


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
