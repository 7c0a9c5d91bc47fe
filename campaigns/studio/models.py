"""The studio's tables: image templates (artwork drawn by the app plus a layout), the
program's approved copy and forbidden words, and each organisation's brand profile."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, enum_type, utcnow
from hub.models import Organization, StoredFile


class CopyKind(enum.StrEnum):
    HEADLINE = "headline"
    OFFER = "offer"


class StudioTemplate(Base):
    """An image template: `artwork` names the base picture the app draws, `size` one of
    render.SIZES, `layout` the logo zone, text slots and disclaimer (see render.Layout)."""

    __tablename__ = "studio_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    artwork: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[str] = mapped_column(sa.String(20))
    layout: Mapped[dict] = mapped_column(sa.JSON)
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovedCopy(Base):
    """A headline or an offer the program approved, which a dealer may pick or adapt."""

    __tablename__ = "studio_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CopyKind] = mapped_column(enum_type(CopyKind, 20))
    text: Mapped[str] = mapped_column(sa.String(200))


class ForbiddenWord(Base):
    """A word or phrase no personalised output may hold (matched whole, any case)."""

    __tablename__ = "studio_forbidden_word"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(sa.String(80), unique=True)


class BrandProfile(Base):
    """An organisation's brand for co-branded outputs: logo, colour and contact details."""

    __tablename__ = "studio_brand_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), unique=True)
    logo_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    brand_colour: Mapped[str] = mapped_column(sa.String(7), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    website: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    logo: Mapped[StoredFile | None] = relationship(lazy="joined")


class AssetKind(enum.StrEnum):
    IMAGE = "image"
    DECK = "deck"


class StudioAsset(Base):
    """One generated asset (a personalised image in any of its formats, or a deck): its
    verification code — printed on it and derived from the inputs' hash and the
    organisation, so the same inputs give the same code and the same cached file — and
    the tracking URL printed where the template has a call to action."""

    __tablename__ = "studio_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(9), unique=True)
    kind: Mapped[AssetKind] = mapped_column(enum_type(AssetKind, 10))
    template_key: Mapped[str] = mapped_column(sa.String(60))
    template_name: Mapped[str] = mapped_column(sa.String(160))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    inputs_hash: Mapped[str] = mapped_column(sa.String(64))
    campaign: Mapped[str] = mapped_column(sa.String(80))
    tracking_url: Mapped[str] = mapped_column(sa.String(600), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()


class StudioDeck(Base):
    """A PowerPoint deck template the program admin uploaded (checked, rewritten by
    python-pptx and stored); dealers see it once published. `tokens` are the tokens its
    text holds, `unknown` those the studio does not fill, `titles` each slide's title."""

    __tablename__ = "studio_deck"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    tokens: Mapped[list] = mapped_column(sa.JSON)
    unknown: Mapped[list] = mapped_column(sa.JSON)
    titles: Mapped[list] = mapped_column(sa.JSON)
    published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    file: Mapped[StoredFile] = relationship(lazy="joined")


class UsageAction(enum.StrEnum):
    DOWNLOAD = "download"
    ATTACH = "attach"


class StudioUsage(Base):
    """One use of a template by an organisation: an output downloaded or attached to a
    campaign (previews are not counted). `template_key` names an image template's key or
    a deck's key, so a use outlives nothing it points at."""

    __tablename__ = "studio_usage"
    __table_args__ = (sa.Index("ix_studio_usage_template", "kind", "template_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # "image" or "deck"
    template_key: Mapped[str] = mapped_column(sa.String(60))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    action: Mapped[UsageAction] = mapped_column(enum_type(UsageAction, 20))
    fmt: Mapped[str] = mapped_column(sa.String(10), default="")
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
