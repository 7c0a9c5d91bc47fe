"""The core tables: the channel tree, people and their roles, product lines, and what
the platform itself keeps (audit events, notifications, tokens, mail, login attempts)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.db import enum_type as _enum


class OrgKind(enum.StrEnum):
    """Where an organisation sits in the channel tree."""

    OEM = "oem"
    MASTER_DISTRIBUTOR = "master_distributor"
    DISTRIBUTOR = "distributor"
    DEALER = "dealer"

    @property
    def label(self) -> str:
        return "OEM" if self is OrgKind.OEM else self.value.replace("_", " ").capitalize()


class Track(enum.StrEnum):
    """The business models a partner organisation runs."""

    WHOLESALE_DISTRIBUTOR = "wholesale_distributor"
    DEALER_VAR = "dealer_var"
    SYSTEM_INTEGRATOR = "system_integrator"
    SERVICE_PARTNER = "service_partner"

    @property
    def label(self) -> str:
        return {
            "wholesale_distributor": "Wholesale distributor",
            "dealer_var": "Dealer / VAR",
            "system_integrator": "System integrator",
            "service_partner": "Service partner",
        }[self.value]


class Role(enum.StrEnum):
    """What a person does in the program. The first three work at partners, the rest at the OEM."""

    DEALER_MARKETER = "dealer_marketer"
    PARTNER_STAFF = "partner_staff"
    PARTNER_ADMIN = "partner_admin"
    CHANNEL_MANAGER = "channel_manager"
    PRODUCT_MANAGER = "product_manager"
    PROGRAM_ADMIN = "program_admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_oem(self) -> bool:
        return self in OEM_ROLES


PARTNER_ROLES = (Role.DEALER_MARKETER, Role.PARTNER_STAFF, Role.PARTNER_ADMIN)
OEM_ROLES = (Role.CHANNEL_MANAGER, Role.PRODUCT_MANAGER, Role.PROGRAM_ADMIN)


class Tier(Base):
    """A partner tier (Authorized, Premier, Elite by default); rank orders them."""

    __tablename__ = "tier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    rank: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.Text, default="")


class OrganizationFacts:
    """What an organisation answers from its columns — the ORM row and the read-only one
    of the signed-in person (hub.accounts.identity) alike."""

    __slots__ = ()

    @property
    def is_oem(self) -> bool:
        return self.kind == OrgKind.OEM

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class Organization(OrganizationFacts, Base):
    """A node of the channel tree: the OEM, a (master) distributor or a dealer.

    `path` holds the ids from the root down ("/1/4/9/"), so a subtree is one
    indexed prefix match — the access policy's scope for distributors.
    """

    __tablename__ = "organization"
    __table_args__ = (
        sa.Index("ix_organization_path", "path"),
        # The directory lists organisations by name (then id): read in order, no sort.
        sa.Index("ix_organization_name_id", "name", "id"),
        # The partner's number in the OEM's ERP (purchase files may name partners by it):
        # unique where set; NULL for organisations without one.
        sa.Index("uq_organization_erp_account_number", "erp_account_number", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(400), default="")
    tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tier.id"), index=True)
    region: Mapped[str] = mapped_column(sa.String(80), default="")
    erp_account_number: Mapped[str | None] = mapped_column(sa.String(40))
    domain: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    website: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.Text, default="")
    logo_path: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id])
    tier: Mapped[Tier | None] = relationship(lazy="joined")
    track_rows: Mapped[list[OrganizationTrack]] = relationship(
        cascade="all, delete-orphan", order_by="OrganizationTrack.track"
    )

    @property
    def tracks(self) -> list[Track]:
        return [row.track for row in self.track_rows]

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


# PostgreSQL only (migration 0027): the paths indexed in code-point order, for the ranges
# that db.code_point_order compares (a channel manager's territory); the models cannot
# declare an expression index for one database.
Base.metadata.info.setdefault("database_only", set()).add("ix_organization_path_c")


class OrganizationTrack(Base):
    """One business track an organisation runs."""

    __tablename__ = "organization_track"

    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    track: Mapped[Track] = mapped_column(_enum(Track), primary_key=True)


def initials_of(name: str) -> str:
    """'AB' for "Ana Bell": the avatar's letters for a person's name."""
    parts = [p for p in name.split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


class PersonFacts:
    """What a person answers Flask-Login and the layout from their columns — the ORM row
    and the read-only one of a signed-in request (hub.accounts.identity) alike."""

    __slots__ = ()
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def is_oem(self) -> bool:
        return self.role.is_oem

    @property
    def initials(self) -> str:
        return initials_of(self.name)


class Person(PersonFacts, Base):
    """Someone who signs in. Belongs to one organisation and holds one role there."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_active(self) -> bool:
        return self.active and self.password_hash is not None

    # Set at sign-in: the token of the LoginSession in use.
    login_token = None

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email}>"


class TerritoryAssignment(Base):
    """A partner organisation a channel manager covers."""

    __tablename__ = "territory_assignment"

    channel_manager_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProductLine(Base):
    """A family of the OEM's products, with the product managers responsible for it."""

    __tablename__ = "product_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    managers: Mapped[list[Person]] = relationship(
        secondary="product_line_manager", lazy="selectin", order_by="Person.name"
    )


class ProductLineManager(Base):
    """A product manager responsible for a product line."""

    __tablename__ = "product_line_manager"

    product_line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product_line.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProgramSettings(Base):
    """The program's own settings, one row: name, currency, which roles must use 2FA."""

    __tablename__ = "program_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="Partner program")
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    mfa_required_roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """One state change: who did what to which object, before → after. Never updated."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_org_at", "organization_id", "at"),
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"))
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(60))
    object_id: Mapped[str] = mapped_column(sa.String(64), default="")
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    request_id: Mapped[str] = mapped_column(sa.String(40), default="")
    ip: Mapped[str] = mapped_column(sa.String(64), default="")

    # selectin, not joined: a joined Person drags its joined Organization into a nested
    # join that SQLite plans badly on large tables (see tests/hub/test_query_counts.py).
    actor: Mapped[Person | None] = relationship(lazy="selectin")
    organization: Mapped[Organization | None] = relationship(lazy="selectin")


class Notification(Base):
    """An in-app message to one person, shown under the bell until read."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_person_read", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(60))
    text: Mapped[str] = mapped_column(sa.String(500))
    url: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Whose step it reports (None for what the hub says by itself).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))

    # selectin, not joined: Person joins its Organization (see AuditEvent.actor).
    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id], lazy="selectin")


class ApiToken(Base):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class AccountToken(Base):
    """A single-use, expiring link token for a password reset or an invitation (hashed)."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(20))  # "reset" or "invite"
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined", innerjoin=True)


class OutboxMail(Base):
    """Every e-mail the hub sends; in development this is the only place it goes."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(sa.String(300), default="")


class LoginAttempt(Base):
    """A failed sign-in, kept for rate limiting per account and per address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_email_at", "email", "at"),
        sa.Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginSession(Base):
    """One sign-in on one device. Signing out, a password reset or deactivation ends it."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class SocketSession(Base):
    """A connected Socket.IO client, so a person's sockets can be ended from any process."""

    __tablename__ = "socket_session"

    sid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    login_session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("login_session.id", ondelete="CASCADE"), index=True
    )
    api_token_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_token.id", ondelete="CASCADE"), index=True
    )
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Refreshed while the socket lives, so rows a killed process left behind can be pruned.
    last_seen_at: Mapped[datetime | None] = mapped_column(index=True)


class StoredFile(Base):
    """A checked upload kept in the storage directory: an image re-encoded by Pillow or a
    PDF that parsed. Conversations attach them to messages, campaigns to proposals and
    claims; the row says what it is, whose it is and how to serve it.
    """

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Relative to HUB_STORAGE_DIR; content-addressed, so equal uploads share one file.
    path: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(80))
    size: Mapped[int]
    # The name the uploader gave it, cleaned; shown and used as the download name only.
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # The partner organisation it belongs to (None for OEM-owned files).
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<StoredFile {self.id} {self.filename!r} {self.content_type}>"


class JobRun(Base):
    """When a scheduled job last ran to completion (`hub tick` reads it to stay idempotent)."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    last_run_at: Mapped[datetime]
    last_result: Mapped[str] = mapped_column(sa.String(300), default="")
