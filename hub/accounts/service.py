"""Sign-in, sessions, passwords, invitations, two-factor, staff and API tokens — the rules.

No Flask request in here: views, API routes and CLI commands pass in what they know.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import available_timezones

import pyotp
import sqlalchemy as sa
from flask import current_app

from hub import audit, db, policy
from hub.accounts import identity
from hub.accounts.identity import SignedIn
from hub.accounts.tokens import (  # noqa: F401 — its rules, offered here as before
    API_TOKEN_PREFIX,
    IssuedToken,
    active_api_tokens,
    create_api_token,
    person_for_api_token,
    revoke_api_token,
)
from hub.db import utcnow
from hub.errors import TooManyAttempts, ValidationFailed
from hub.models import (
    ApiToken,
    LoginAttempt,
    LoginSession,
    Organization,
    Person,
    ProgramSettings,
    Role,
)
from hub.plain import row_of
from hub.realtime.service import disconnect_person
from hub.security import new_token, token_hash, verify_password

GENERIC_LOGIN_ERROR = "That e-mail and password don't match an active account."


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def person_by_email(email: str) -> Person | None:
    """The person (active or not) with this e-mail address, in any case or spacing."""
    return db.session.scalar(sa.select(Person).where(Person.email == normalise_email(email)))


def person_by_id(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


# --- Sign-in --------------------------------------------------------------------


def check_login_allowed(email: str, ip: str) -> None:
    """Refuse further attempts after too many recent failures for this account or address."""
    cfg = current_app.config
    window = timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    since = utcnow() - window
    failures = sa.select(sa.func.count(), sa.func.min(LoginAttempt.at)).where(
        LoginAttempt.at >= since
    )
    by_account, first_account = db.session.execute(
        failures.where(LoginAttempt.email == normalise_email(email))
    ).one()
    by_address, first_address = db.session.execute(failures.where(LoginAttempt.ip == ip)).one()
    if by_account >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
        minutes = _minutes_until(first_account + window)
        raise TooManyAttempts(
            f"Too many failed sign-ins for this account. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}, or reset your password."
        )
    if by_address >= cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        minutes = _minutes_until(first_address + window)
        raise TooManyAttempts(
            f"Too many failed sign-ins from your network. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}."
        )


def record_failed_attempt(email: str, ip: str) -> None:
    """Count a failed sign-in (password or code) towards check_login_allowed's limits."""
    db.session.add(LoginAttempt(email=normalise_email(email), ip=ip))


def prune_login_attempts(older_than: datetime) -> int:
    """Forget failed sign-ins from before older_than (they no longer count); how many."""
    return db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < older_than)).rowcount


def _minutes_until(moment) -> int:
    return max(1, math.ceil((moment - utcnow()).total_seconds() / 60))


def authenticate(email: str, password: str, ip: str) -> Person:
    """The active person with this e-mail and password; failures are counted and audited."""
    email = normalise_email(email)
    check_login_allowed(email, ip)
    person = person_by_email(email)
    if (
        person is None
        or not verify_password(person.password_hash, password)
        or not person.is_active
    ):
        record_failed_attempt(email, ip)
        audit.record(
            "auth.login_failed",
            object_type="Person",
            object_id=person.id if person else "",
            organization_id=person.organization_id if person else None,
            summary=f"Failed sign-in for {email}",
        )
        raise ValidationFailed(GENERIC_LOGIN_ERROR)
    return person


def start_session(person: Person, ip: str = "", user_agent: str = "") -> str:
    """Open a new sign-in for person and return its token (kept in the session cookie)."""
    token = new_token()
    db.session.add(
        LoginSession(
            token_hash=token_hash(token), person_id=person.id, ip=ip, user_agent=user_agent[:200]
        )
    )
    person.last_login_at = utcnow()
    person.login_token = token
    audit.record("auth.login", person, actor=person, summary=f"{person.email} signed in")
    return token


# The program's settings as every page reads them (ProgramFacts, below).
_FACTS_COLUMNS = (
    ProgramSettings.id,
    ProgramSettings.name,
    ProgramSettings.currency,
    ProgramSettings.mfa_required_roles,
    ProgramSettings.updated_at,
)

# Built once and prepared: every signed-in request runs it (docs/performance.md, "prepared
# reads"). The person, their organisation and its tier as plain columns (a SignedIn, not
# ORM objects), and beside them the program's settings (none saved yet: NULLs), which the
# 2FA gate and the layout read next — one statement, not two.
_FACTS_ROW = sa.select(*_FACTS_COLUMNS).limit(1).subquery("program_facts")
_SIGNED_IN = db.prepared(
    identity.with_organization(
        sa.select(*identity.COLUMNS, *_FACTS_ROW.c)
        .select_from(LoginSession)
        .join(Person, Person.id == LoginSession.person_id),
        Person.organization_id,
    )
    .outerjoin(_FACTS_ROW, sa.true())
    .where(
        LoginSession.token_hash == sa.bindparam("token_hash"),
        LoginSession.ended_at.is_(None),
        LoginSession.created_at > sa.bindparam("since"),
    )
)
_FACTS_AT = len(identity.COLUMNS)


def load_session(token: str) -> SignedIn | None:
    """The person signed in with this session token, if the session is still live, as a
    SignedIn (hub.accounts.identity); the program's settings read with them are kept for
    the request (program_facts())."""
    if not token:
        return None
    hours = current_app.config["SESSION_HOURS"]
    row = db.read(
        _SIGNED_IN,
        {"token_hash": token_hash(token), "since": utcnow() - timedelta(hours=hours)},
    ).first()
    if row is None:
        return None
    db.memo(_FACTS_MEMO, lambda: _facts_of(row[_FACTS_AT:]))
    person = identity.signed_in_from(row, token)
    return person if person.is_active else None


def end_session(token: str, person: Person | None = None) -> None:
    """Sign out one session (this device)."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if person is not None:
        audit.record("auth.logout", person, actor=person, summary=f"{person.email} signed out")
        disconnect_person(person.id, login_token=token)


def end_other_session(person: Person, login_session: LoginSession) -> None:
    """Sign out one of the person's sessions (another device) and close its sockets."""
    if login_session.person_id != person.id or login_session.ended_at is not None:
        return
    login_session.ended_at = utcnow()
    disconnect_person(person.id, login_session_id=login_session.id)
    audit.record("auth.session_ended", person, actor=person, summary="Signed out another session")


def end_all_sessions(person: Person) -> int:
    """Sign a person out everywhere and close their sockets (deactivation, password reset)."""
    ended = db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.person_id == person.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    ).rowcount
    disconnect_person(person.id)
    return ended


OwnRow = TypeVar("OwnRow", ApiToken, LoginSession)


def own_row(model: type[OwnRow], row_id: int, person: Person) -> OwnRow | None:
    """One of person's own API tokens or sign-in sessions by id; None when it does not
    exist or belongs to someone else."""
    row = db.session.get(model, row_id)
    return row if row is not None and row.person_id == person.id else None


def live_sessions(person: Person) -> list[LoginSession]:
    """The person's sign-ins that are still open, newest first."""
    hours = current_app.config["SESSION_HOURS"]
    return list(
        db.session.scalars(
            sa.select(LoginSession)
            .where(
                LoginSession.person_id == person.id,
                LoginSession.ended_at.is_(None),
                LoginSession.created_at > utcnow() - timedelta(hours=hours),
            )
            .order_by(LoginSession.created_at.desc())
        )
    )


# --- Staff management -------------------------------------------------------------


def check_may_manage_staff(actor: Person, org: Organization) -> None:
    """Refuse (PermissionError) unless the actor manages org's staff."""
    if not policy.can_manage_staff(actor, org):
        raise PermissionError("not allowed to manage this organisation's staff")


def change_role(actor: Person, person: Person, role: str) -> None:
    check_may_manage_staff(actor, person.organization)
    allowed = {r.value for r in policy.assignable_roles(actor, person.organization)}
    if role not in allowed:
        raise ValidationFailed({"role": ["Choose one of the roles offered."]})
    if person.id == actor.id:
        raise ValidationFailed(
            {"role": ["You can't change your own role; ask another administrator."]}
        )
    before = audit.snapshot(person, ["role"])
    person.role = Role(role)
    audit.record(
        "person.role_changed",
        person,
        actor=actor,
        before=before,
        after=audit.snapshot(person, ["role"]),
        summary=f"{person.email} is now {person.role.label}",
    )


def deactivate(actor: Person, person: Person) -> None:
    """Switch a person off: their sessions and sockets end at once."""
    check_may_manage_staff(actor, person.organization)
    if person.id == actor.id:
        raise ValidationFailed("You can't deactivate yourself; ask another administrator.")
    if not person.active:
        return
    person.active = False
    end_all_sessions(person)
    _record_active_change(actor, person)


def reactivate(actor: Person, person: Person) -> None:
    check_may_manage_staff(actor, person.organization)
    if person.active:
        return
    person.active = True
    _record_active_change(actor, person)


def _record_active_change(actor: Person, person: Person) -> None:
    change = "reactivated" if person.active else "deactivated"
    audit.record(
        f"person.{change}",
        person,
        actor=actor,
        before={"active": not person.active},
        after={"active": person.active},
        summary=f"{person.email} {change}",
    )


def update_profile(person: Person, *, name: str, title: str, phone: str, timezone: str) -> None:
    person = row_of(person)  # the row these change
    problems: dict[str, list[str]] = {}
    if not name.strip():
        problems["name"] = ["Enter your name."]
    if timezone not in available_timezones() and timezone != "UTC":
        problems["timezone"] = ["Choose a time zone from the list."]
    if problems:
        raise ValidationFailed(problems)
    before = audit.snapshot(person, ["name", "title", "phone", "timezone"])
    person.name, person.title, person.phone, person.timezone = (
        name.strip()[:120],
        title.strip()[:120],
        phone.strip()[:40],
        timezone,
    )
    audit.record(
        "person.updated",
        person,
        before=before,
        after=audit.snapshot(person, ["name", "title", "phone", "timezone"]),
        actor=person,
        summary=f"{person.email} updated their profile",
    )


# --- Two-factor (TOTP) -----------------------------------------------------------


_PROGRAM_SETTINGS = sa.select(ProgramSettings).limit(1)


def program_settings() -> ProgramSettings:
    """The program's settings row (an unsaved default until the program admin saves one).
    Read once per request (`db.memo`): the navigation, the 2FA gate and pages all ask."""
    settings = db.memo("program_settings", lambda: db.session.scalar(_PROGRAM_SETTINGS))
    if settings is None:
        settings = ProgramSettings(name="Partner program", currency="USD", mfa_required_roles=[])
    return settings


@dataclass(frozen=True)
class ProgramFacts:
    """The program's settings as every page reads them (the layout's name and currency, the
    2FA gate's roles): the row's values, not an object to change (program_settings())."""

    id: int | None
    name: str
    currency: str
    mfa_required_roles: list[str]
    updated_at: datetime | None


_PROGRAM_FACTS = db.prepared(sa.select(*_FACTS_COLUMNS).limit(1))
_FACTS_MEMO = "program_facts"


def _facts_of(row) -> ProgramFacts:
    if row is None or row[0] is None:  # the unsaved default of program_settings()
        return ProgramFacts(None, "Partner program", "USD", [], None)
    return ProgramFacts(*row)


def program_facts() -> ProgramFacts:
    """program_settings() as values, read as a row once per request (`db.memo`, so read
    again after any write): the layout and the 2FA gate ask on every page. A signed-in
    request has them already, from load_session's statement."""
    return db.memo(_FACTS_MEMO, lambda: _facts_of(db.read(_PROGRAM_FACTS).first()))


def mfa_required(person: Person) -> bool:
    return person.role.value in (program_facts().mfa_required_roles or [])


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(person: Person, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=person.email, issuer_name="Partner Hub")


def _accept_code(secret: str, code: str, last_step: int) -> int | None:
    """The time step the code belongs to, if it is valid and newer than last_step."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(utcnow_aware())
    for step in (now_step - 1, now_step, now_step + 1):
        if step > last_step and totp.generate_otp(step) == code:
            return step
    return None


def utcnow_aware() -> datetime:
    return datetime.now(UTC)


def enable_totp(person: Person, secret: str, code: str) -> None:
    person = row_of(person)  # the row these change
    step = _accept_code(secret, code, 0)
    if step is None:
        raise ValidationFailed(
            {
                "code": [
                    "That code is not right. Check the time on your phone and enter the current 6 digits."
                ]
            }
        )
    person.totp_secret, person.totp_enabled, person.totp_last_step = secret, True, step
    audit.record(
        "person.totp_enabled",
        person,
        actor=person,
        summary=f"{person.email} turned on two-factor sign-in",
    )


def verify_totp(person: Person, code: str) -> None:
    """Check a sign-in code; each code works once."""
    person = row_of(person)  # the row these change
    step = _accept_code(person.totp_secret or "", code, person.totp_last_step)
    if step is None:
        raise ValidationFailed(
            {
                "code": [
                    "That code is not right or was used already. Enter the current 6 digits from your app."
                ]
            }
        )
    person.totp_last_step = step


def disable_totp(person: Person, code: str) -> None:
    person = row_of(person)  # the row these change
    if not person.totp_enabled:
        raise ValidationFailed("Two-factor sign-in is already off.")
    if mfa_required(person):
        raise ValidationFailed("Your role must use two-factor sign-in, so it can't be turned off.")
    verify_totp(person, code)
    person.totp_enabled, person.totp_secret = False, None
    audit.record(
        "person.totp_disabled",
        person,
        actor=person,
        summary=f"{person.email} turned off two-factor sign-in",
    )


def set_mfa_required_roles(actor: Person, roles: list[str]) -> None:
    if not policy.can_configure_program(actor):
        raise PermissionError("only the program admin sets two-factor rules")
    valid = {r.value for r in Role}
    if any(r not in valid for r in roles):
        raise ValidationFailed({"mfa_required_roles": ["Choose roles from the list."]})
    settings = program_settings()
    db.session.add(settings)
    before = {"mfa_required_roles": list(settings.mfa_required_roles or [])}
    settings.mfa_required_roles = sorted(set(roles))
    db.session.flush()
    audit.record(
        "program.mfa_roles_changed",
        settings,
        actor=actor,
        before=before,
        after={"mfa_required_roles": settings.mfa_required_roles},
        summary="Two-factor requirement changed",
    )
