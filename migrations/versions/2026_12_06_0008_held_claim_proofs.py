"""proof files held for a claim form sent back with a problem

When a claim form has a problem, the proof files that passed the upload checks are kept
for the person who chose them (on that proposal, in their slot of the form) until the
claim goes through, they remove them, or they expire.

Revision ID: 0008_held_claim_proofs
Revises: 0007_precampaign_costs
Create Date: 2026-12-06 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_held_claim_proofs"
down_revision = "0007_precampaign_costs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_held_proof",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_campaign_held_proof_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["campaign_proposal.id"],
            name=op.f("fk_campaign_held_proof_proposal_id_campaign_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"], name=op.f("fk_campaign_held_proof_file_id_stored_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_held_proof")),
        sa.UniqueConstraint(
            "person_id", "proposal_id", "line", "slot", name="uq_campaign_held_proof_slot"
        ),
    )
    op.create_index(
        op.f("ix_campaign_held_proof_proposal_id"), "campaign_held_proof", ["proposal_id"]
    )
    op.create_index(
        op.f("ix_campaign_held_proof_expires_at"), "campaign_held_proof", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_campaign_held_proof_expires_at"), table_name="campaign_held_proof")
    op.drop_index(op.f("ix_campaign_held_proof_proposal_id"), table_name="campaign_held_proof")
    op.drop_table("campaign_held_proof")
