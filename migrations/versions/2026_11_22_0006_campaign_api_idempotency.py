"""campaign API idempotency keys

What a money-moving call of /api/v1/campaigns sent with an Idempotency-Key header asked
(a fingerprint) and answered, so a retry gets the same answer and moves nothing.

Revision ID: 0006_campaign_api_idempotency
Revises: 0005_proposals
Create Date: 2026-11-22 07:59:56.381539
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_campaign_api_idempotency"
down_revision = "0005_proposals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_campaign_idempotency_key_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["campaign_proposal.id"],
            name=op.f("fk_campaign_idempotency_key_proposal_id_campaign_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_idempotency_key")),
        sa.UniqueConstraint("person_id", "key", name="uq_campaign_idempotency_key_person_key"),
    )
    with op.batch_alter_table("campaign_idempotency_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_idempotency_key_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_idempotency_key_proposal_id"))
    op.drop_table("campaign_idempotency_key")
