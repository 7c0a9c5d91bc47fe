"""Co-op tables: programs and their accrual rates, one account per partner and program,
the append-only ledger, holds, and the ERP purchase lines accruals come from.

The rules that move money live in `campaigns.coop.ledger`; docs/coop.md maps them to
COOP-RULES.md. Money columns are Numeric(14, 2) and always Decimal in Python.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.audit import register_append_only
from hub.db import Base, enum_type, utcnow
from hub.models import Organization

Money = sa.Numeric(14, 2)
Rate = sa.Numeric(7, 5)


def enum_column(kind: type[enum.Enum], length: int = 20) -> sa.Enum:
    """An enum column of this capability's tables (VARCHAR(20) unless said otherwise)."""
    return enum_type(kind, length)


class PeriodKind(enum.StrEnum):
    """How a program slices time into buckets."""

    YEAR = "year"
    QUARTER = "quarter"


class EntryKind(enum.StrEnum):
    """What a ledger entry records. Only adjustments carry a sign; see docs/coop.md."""

    ACCRUAL = "accrual"
    ADJUSTMENT = "adjustment"
    HOLD = "hold"
    RELEASE = "release"
    REIMBURSEMENT = "reimbursement"
    EXPIRY = "expiry"


class HoldStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class CoopProgram(Base):
    """A co-op program: its currency, how it slices time, and how long money carries over."""

    __tablename__ = "coop_program"
    __table_args__ = (
        sa.CheckConstraint("carryover_periods >= 0", name="carryover_not_negative"),
        sa.CheckConstraint("claim_window_days >= 0", name="claim_window_not_negative"),
        sa.CheckConstraint("minimum_claim >= 0", name="minimum_claim_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    period: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind), default=PeriodKind.YEAR)
    carryover_periods: Mapped[int] = mapped_column(default=1)
    claim_window_days: Mapped[int] = mapped_column(default=60)
    minimum_claim: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # Proposals built on an OEM template asking for at most this are approved at once.
    fast_lane_limit: Mapped[Decimal | None] = mapped_column(Money)
    # A dealer's distributor approves its proposals before the OEM does.
    distributor_first: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rates: Mapped[list[AccrualRate]] = relationship(
        back_populates="program", order_by="AccrualRate.effective_from"
    )

    def __repr__(self) -> str:
        return f"<CoopProgram {self.id} {self.name!r}>"


class AccrualRate(Base):
    """The fraction of a purchase that accrues, from a date on, for a tier and/or product line.

    The most specific row wins (tier + product line, then product line, then tier);
    among equally specific rows the latest `effective_from` on the purchase date.
    A rate change is a new row, so past purchases keep the rate of their day.
    """

    __tablename__ = "coop_accrual_rate"
    __table_args__ = (
        sa.CheckConstraint("rate >= 0 AND rate <= 1", name="rate_is_a_fraction"),
        sa.Index("ix_coop_accrual_rate_program_from", "program_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"))
    tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tier.id"), index=True)
    product_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_line.id"), index=True
    )
    rate: Mapped[Decimal] = mapped_column(Rate)
    effective_from: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))

    program: Mapped[CoopProgram] = relationship(back_populates="rates")


class CoopAccount(Base):
    """One partner organisation's co-op money in one program.

    The money columns are a cache of the ledger (COOP-RULES I3), changed only together
    with the entries that justify them and only while the row is locked; `version`
    counts the changes (and makes a lost update fail loudly instead of silently).
    """

    __tablename__ = "coop_account"
    __table_args__ = (
        sa.UniqueConstraint(
            "organization_id", "program_id", name="uq_coop_account_organization_program"
        ),
        sa.CheckConstraint("available >= 0", name="available_not_negative"),
        sa.CheckConstraint("held >= 0", name="held_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"), index=True)
    earned: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    held: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    reimbursed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    expired: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    available: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    program: Mapped[CoopProgram] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<CoopAccount {self.id} org={self.organization_id} program={self.program_id}>"


class BucketSums:
    """A program's bucket label, its last day and its money (BUCKET_FIELDS' columns): the
    columns an account's bucket row and a program's period row share."""

    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"))
    bucket: Mapped[str] = mapped_column(sa.String(7))
    expires_on: Mapped[date]
    earned: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    held: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    reimbursed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    expired: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


class CoopBucket(BucketSums, Base):
    """One bucket of one account: the cached sums of its entries (COOP-RULES I3, per bucket).

    Written only beside the entries that change it, in the same transaction and under the
    account's lock (`entries.apply_moves`); `verify_ledger` proves it equal to the sums.
    `expires_on` is the bucket's last day, fixed once money is in it (a carryover change
    only applies to periods that have not begun), so "expiring soon" is a range read.
    """

    __tablename__ = "coop_bucket"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "bucket", name="uq_coop_bucket_account_bucket"),
        sa.CheckConstraint("held >= 0", name="held_not_negative"),
        # free ≥ 0, with half a cent of slack: SQLite computes it in floating point.
        sa.CheckConstraint(
            "earned - reimbursed - expired - held > -0.005", name="free_not_negative"
        ),
        sa.Index("ix_coop_bucket_program_expires", "program_id", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_account.id"))

    def __repr__(self) -> str:
        return f"<CoopBucket account={self.account_id} {self.bucket}>"


class CoopPeriod(BucketSums, Base):
    """One period of one program: its accounts' buckets of that period added up — what the
    OEM's overview and dashboard chart and total, read as a handful of rows.

    Moved by the same deltas as the buckets (`period_totals`), written as the last work of
    the transaction that moves them (`db.stage`: program-wide rows are locked only as a
    transaction ends, so two writers never wait on each other's accounts for them);
    `verify_ledger` proves each equal to its entries' sums. No CHECK constraints: a row is
    moved by an upsert of the deltas, which SQLite checks before it finds the row (each
    bucket it adds up is checked itself).
    """

    __tablename__ = "coop_period"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "bucket", name="uq_coop_period_program_bucket"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)

    def __repr__(self) -> str:
        return f"<CoopPeriod program={self.program_id} {self.bucket}>"


class Hold(Base):
    """Money set aside for an approved campaign; resolved once by reimbursement and release.

    What it earmarks in each bucket is recorded by its hold entries (one per bucket).
    """

    __tablename__ = "coop_hold"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_coop_hold_account_key"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_account.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str] = mapped_column(sa.String(120), index=True)
    status: Mapped[HoldStatus] = mapped_column(enum_column(HoldStatus), default=HoldStatus.OPEN)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))
    placed_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    resolved_on: Mapped[date | None]

    account: Mapped[CoopAccount] = relationship()

    def __repr__(self) -> str:
        return f"<Hold {self.id} {self.reference!r} {self.amount} {self.status.value}>"


class PurchaseLine(Base):
    """A qualifying purchase as the ERP sent it. Its external_id is unique per program."""

    __tablename__ = "coop_purchase_line"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "external_id", name="uq_coop_purchase_line_external"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        # One key for the partner and the program: the line's account (which references
        # both). A line is checked once per row instead of twice (migration 0028).
        sa.ForeignKeyConstraint(
            ["organization_id", "program_id"],
            ["coop_account.organization_id", "coop_account.program_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int]
    organization_id: Mapped[int] = mapped_column(index=True)
    external_id: Mapped[str] = mapped_column(sa.String(120))
    product_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_line.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    purchased_on: Mapped[date]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))


class LedgerEntry(Base):
    """One movement of co-op money. Never updated or deleted (COOP-RULES I1).

    `amount` is positive for every kind but adjustment, which is signed; the kind says
    which way the money moves (docs/coop.md, "Sign convention").
    """

    __tablename__ = "coop_ledger_entry"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_coop_ledger_entry_key"),
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.CheckConstraint("kind = 'adjustment' OR amount > 0", name="amount_positive_by_kind"),
        sa.CheckConstraint(
            "kind IN ('accrual', 'adjustment', 'hold', 'release', 'reimbursement', 'expiry')",
            name="kind_known",
        ),
        sa.Index("ix_coop_ledger_entry_account_bucket", "account_id", "bucket"),
        # The period close: the buckets of a program (walked label to label) and, for the
        # closed ones, each account's free money summed from the index alone.
        sa.Index("ix_coop_ledger_entry_bucket_account", "bucket", "account_id", "kind", "amount"),
        # A hold's entries only: accruals (most of the ledger) have none, and every lookup
        # is by a hold's id (migration 0028).
        sa.Index(
            "ix_coop_ledger_entry_hold_id",
            "hold_id",
            sqlite_where=sa.text("hold_id IS NOT NULL"),
            postgresql_where=sa.text("hold_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_account.id"))
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind))
    amount: Mapped[Decimal] = mapped_column(Money)
    bucket: Mapped[str] = mapped_column(sa.String(7))
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coop_hold.id"))
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    # Not indexed: nothing looks entries up by their line, and lines are never deleted.
    purchase_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coop_purchase_line.id"))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(120))
    effective_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LedgerEntry {self.id} {self.kind.value} {self.amount} {self.bucket}>"


register_append_only(LedgerEntry)
register_append_only(PurchaseLine)


class CarryoverRule(Base):
    """A change of the carryover, effective for money earned from `from_bucket` on.

    Money already earned keeps the expiry date it was promised; without a rule the
    program's own `carryover_periods` applies.
    """

    __tablename__ = "coop_carryover_rule"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "from_bucket", name="uq_coop_carryover_rule_bucket"),
        sa.CheckConstraint("carryover_periods >= 0", name="carryover_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"), index=True)
    from_bucket: Mapped[str] = mapped_column(sa.String(7))
    carryover_periods: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
