"""categories that allow claiming costs before the campaign starts

Claims open on a campaign's start date unless its activity category allows costs paid
before it (a deposit, printing ahead of an event). Existing categories do not.

Revision ID: 0007_precampaign_costs
Revises: 0006_coop_indexes
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_precampaign_costs"
down_revision = "0006_coop_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_category") as batch:
        batch.add_column(
            sa.Column(
                "allows_precampaign_costs", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_category") as batch:
        batch.drop_column("allows_precampaign_costs")
