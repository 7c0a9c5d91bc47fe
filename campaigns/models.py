"""Co-op tables: programs and their accrual rates, one account per partner and program,
the append-only ledger, holds, and the ERP purchase lines accruals come from.

The rules that move money live in `campaigns.ledger`; docs/coop.md maps them to
COOP-RULES.md. Money columns are Numeric(14, 2) and always Decimal in Python.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.audit import register_append_only
from hub.db import Base, utcnow
from hub.models import Organization, Person, StoredFile

Money = sa.Numeric(14, 2)
Rate = sa.Numeric(7, 5)


def _enum(kind: type[enum.Enum], length: int = 20) -> sa.Enum:
    return sa.Enum(
        kind,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda k: [m.value for m in k],
    )


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
    period: Mapped[PeriodKind] = mapped_column(_enum(PeriodKind), default=PeriodKind.YEAR)
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
    status: Mapped[HoldStatus] = mapped_column(_enum(HoldStatus), default=HoldStatus.OPEN)
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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
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
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_account.id"))
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind))
    amount: Mapped[Decimal] = mapped_column(Money)
    bucket: Mapped[str] = mapped_column(sa.String(7))
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coop_hold.id"), index=True)
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    purchase_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("coop_purchase_line.id"), index=True
    )
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


# --- Campaign proposals ------------------------------------------------------------------

Share = sa.Numeric(5, 4)


class ActivityCategory(Base):
    """A kind of co-op activity: the share of eligible cost it reimburses, the proof a
    claim needs, and whether it needs approval before it runs."""

    __tablename__ = "campaign_category"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "name", name="uq_campaign_category_program_name"),
        sa.CheckConstraint("share > 0 AND share <= 1", name="share_is_a_fraction"),
        sa.CheckConstraint(
            "template_share IS NULL OR (template_share > 0 AND template_share <= 1)",
            name="template_share_is_a_fraction",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    share: Mapped[Decimal] = mapped_column(Share, default=Decimal("0.5"))
    # The share for activities built on an OEM template (None: same as `share`).
    template_share: Mapped[Decimal | None] = mapped_column(Share)
    # Proof kinds a claim line must carry, e.g. ["invoice", "photo"] (see PROOF_KINDS).
    required_proofs: Mapped[list] = mapped_column(sa.JSON, default=list)
    needs_preapproval: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ActivityCategory {self.id} {self.name!r}>"


class ApproverRole(enum.StrEnum):
    DISTRIBUTOR = "distributor"  # the dealer's distributor's partner admin
    CHANNEL_MANAGER = "channel_manager"
    PROGRAM_ADMIN = "program_admin"


class ApprovalRule(Base):
    """One rung of the approval ladder: who must approve a proposal asking for more than
    `above` (optionally only for one tier or category). Rungs apply in `position` order."""

    __tablename__ = "campaign_approval_rule"
    __table_args__ = (sa.CheckConstraint("above >= 0", name="above_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[ApproverRole] = mapped_column(_enum(ApproverRole))
    above: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tier.id"))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign_category.id"))
    active: Mapped[bool] = mapped_column(default=True)


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    DECLINED = "declined"
    APPROVED = "approved"
    RUNNING = "running"
    CLAIM_SUBMITTED = "claim_submitted"
    PAID = "paid"
    RESULTS_REPORTED = "results_reported"
    CLOSED = "closed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Proposal(Base):
    """A dealer's co-branded campaign asking for co-op money, from draft to closed.

    The program's terms that apply to it (share, claim window, minimum claim, approval
    ladder) are stamped on it when it is submitted, so a later rule change only affects
    new proposals. `status_changed_at` starts the SLA clock of whoever it waits on.
    """

    __tablename__ = "campaign_proposal"
    __table_args__ = (
        sa.CheckConstraint("requested_amount >= 0", name="requested_not_negative"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        sa.Index("ix_campaign_proposal_org_status", "organization_id", "status"),
        sa.Index("ix_campaign_proposal_status_changed", "status", "status_changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("coop_program.id"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_category.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    title: Mapped[str] = mapped_column(sa.String(160))
    objective: Mapped[str] = mapped_column(sa.Text, default="")
    audience: Mapped[str] = mapped_column(sa.String(300), default="")
    territory: Mapped[str] = mapped_column(sa.String(160), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    uses_oem_template: Mapped[bool] = mapped_column(default=False)
    requested_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    expected_leads: Mapped[int | None]
    expected_revenue: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[ProposalStatus] = mapped_column(
        _enum(ProposalStatus, 20), default=ProposalStatus.DRAFT
    )
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 1 for the first submission, +1 each time it is resubmitted after changes.
    revision: Mapped[int] = mapped_column(default=0)
    # Terms stamped at submission.
    share: Mapped[Decimal | None] = mapped_column(Share)
    claim_window_days: Mapped[int | None]
    minimum_claim: Mapped[Decimal | None] = mapped_column(Money)
    # The approval ladder for this revision, e.g. ["channel_manager", "program_admin"].
    approval_steps: Mapped[list] = mapped_column(sa.JSON, default=list)
    approvals_done: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # Stamped at approval.
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("coop_hold.id"))
    max_reimbursement: Mapped[Decimal | None] = mapped_column(Money)
    claim_deadline: Mapped[date | None]
    # Days-before-deadline of the last reminder sent (14, then 3).
    reminded_days: Mapped[int | None]
    reimbursed_amount: Mapped[Decimal | None] = mapped_column(Money)
    # Results reported by the dealer after the campaign.
    result_leads: Mapped[int | None]
    result_opportunities: Mapped[int | None]
    result_revenue: Mapped[Decimal | None] = mapped_column(Money)
    results_reported_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    category: Mapped[ActivityCategory] = relationship(lazy="joined", innerjoin=True)
    lines: Mapped[list[BudgetLine]] = relationship(
        order_by="BudgetLine.position", cascade="all, delete-orphan", lazy="selectin"
    )
    hold: Mapped[Hold | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.title!r} {self.status.value}>"


class BudgetLine(Base):
    """One planned cost of a proposal (what the dealer expects to spend on what)."""

    __tablename__ = "campaign_budget_line"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_proposal.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.String(200))
    amount: Mapped[Decimal] = mapped_column(Money)


class AssetSource(enum.StrEnum):
    DEALER = "dealer"  # uploaded or planned by the dealer
    STUDIO = "studio"  # produced by the co-branding studio
    OEM = "oem"  # an OEM template or file


class ProposalAsset(Base):
    """A creative piece of a campaign: planned (no file yet) or attached (a stored file)."""

    __tablename__ = "campaign_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_proposal.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    source: Mapped[AssetSource] = mapped_column(_enum(AssetSource), default=AssetSource.DEALER)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    file: Mapped[StoredFile | None] = relationship(lazy="joined")


class ProposalEventKind(enum.StrEnum):
    COMMENT = "comment"
    STATUS = "status"  # a step of the lifecycle (submitted, approved, …)
    APPROVAL = "approval"  # one rung of the ladder approved
    SUGGESTION = "suggestion"  # an edit suggested, accepted or rejected
    EDIT = "edit"  # the dealer changed fields


class ProposalEvent(Base):
    """The proposal's thread: comments and every step, in order. Never changed."""

    __tablename__ = "campaign_proposal_event"
    __table_args__ = (sa.Index("ix_campaign_proposal_event_proposal", "proposal_id", "id"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_proposal.id", ondelete="CASCADE")
    )
    kind: Mapped[ProposalEventKind] = mapped_column(_enum(ProposalEventKind))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person | None] = relationship(lazy="selectin")


class SuggestionStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Suggestion(Base):
    """An edit the OEM suggests to one field of a proposal; the dealer accepts or rejects."""

    __tablename__ = "campaign_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_proposal.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(sa.String(40))
    old_value: Mapped[str] = mapped_column(sa.Text, default="")
    new_value: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[SuggestionStatus] = mapped_column(
        _enum(SuggestionStatus), default=SuggestionStatus.OPEN
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person] = relationship(foreign_keys=[author_id], lazy="selectin")


class ClaimStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"  # sent back with what to fix
    PAID = "paid"


class Claim(Base):
    """What a campaign really cost, line by line with proof, and what was paid for it.
    One per proposal; a returned claim is fixed and submitted again."""

    __tablename__ = "campaign_claim"
    __table_args__ = (sa.UniqueConstraint("proposal_id", name="uq_campaign_claim_proposal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_proposal.id"))
    status: Mapped[ClaimStatus] = mapped_column(_enum(ClaimStatus), default=ClaimStatus.SUBMITTED)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    eligible_cost: Mapped[Decimal | None] = mapped_column(Money)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    decision_note: Mapped[str] = mapped_column(sa.String(1000), default="")

    lines: Mapped[list[ClaimLine]] = relationship(
        order_by="ClaimLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class ClaimLine(Base):
    """One actual cost of a claim, and how much of it the OEM accepted and why."""

    __tablename__ = "campaign_claim_line"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "approved_cost IS NULL OR (approved_cost >= 0 AND approved_cost <= amount)",
            name="approved_within_amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_claim.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    approved_cost: Mapped[Decimal | None] = mapped_column(Money)
    reason_code: Mapped[str | None] = mapped_column(sa.String(30))
    reason_note: Mapped[str] = mapped_column(sa.String(500), default="")

    proofs: Mapped[list[ClaimProof]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ClaimProof.id"
    )


class ClaimProof(Base):
    """A proof file of a claim line, labelled with the kind of proof it is."""

    __tablename__ = "campaign_claim_proof"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_claim_line.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(30))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))

    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)


class ApiIdempotencyKey(Base):
    """A money-moving API call sent with an Idempotency-Key header: a fingerprint of what
    was asked and the answer given, so a retry gets the same answer and moves nothing,
    and the key sent again with other content is refused. Keys are per person."""

    __tablename__ = "campaign_idempotency_key"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "key", name="uq_campaign_idempotency_key_person_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    key: Mapped[str] = mapped_column(sa.String(100))
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_proposal.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(30))
    # sha256 of method, path and content (JSON canonicalised; files by their sha256).
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    response: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


register_append_only(ProposalEvent)
