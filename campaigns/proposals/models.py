"""Campaign proposals: activity categories and approval rules, proposals with their
budget lines, assets, thread events and suggested edits, claims with proof files, proof
files held for a claim form sent back with a problem, and the API's idempotency keys."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.coop.models import Hold, Money
from hub.audit import register_append_only
from hub.db import Base, enum_type, utcnow
from hub.models import Organization, Person, StoredFile

Share = sa.Numeric(5, 4)


class ActivityCategory(Base):
    """A kind of co-op activity: the share of eligible cost it reimburses, the proof a
    claim needs, whether it needs approval before it runs, and whether it may be claimed
    before it starts."""

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
    # Costs paid before the campaign's start date (a deposit, printing ahead of the event)
    # may be claimed before it starts; otherwise claims open on the start date.
    allows_precampaign_costs: Mapped[bool] = mapped_column(default=False)
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
    role: Mapped[ApproverRole] = mapped_column(enum_type(ApproverRole, 20))
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
        enum_type(ProposalStatus, 20), default=ProposalStatus.DRAFT
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
    source: Mapped[AssetSource] = mapped_column(
        enum_type(AssetSource, 20), default=AssetSource.DEALER
    )
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
    kind: Mapped[ProposalEventKind] = mapped_column(enum_type(ProposalEventKind, 20))
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
        enum_type(SuggestionStatus, 20), default=SuggestionStatus.OPEN
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
    status: Mapped[ClaimStatus] = mapped_column(
        enum_type(ClaimStatus, 20), default=ClaimStatus.SUBMITTED
    )
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


class HeldProof(Base):
    """A proof file chosen on the claim form whose claim was not accepted yet (another field
    was wrong): kept for the person who chose it, on that proposal, in the slot of the form
    it was chosen in, until the claim goes through, they remove it, or it expires."""

    __tablename__ = "campaign_held_proof"
    __table_args__ = (
        sa.UniqueConstraint(
            "person_id", "proposal_id", "line", "slot", name="uq_campaign_held_proof_slot"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign_proposal.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int]  # the claim form's cost line (0-based)
    slot: Mapped[int]  # the proof slot in that line (0-based)
    kind: Mapped[str] = mapped_column(sa.String(30))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

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
