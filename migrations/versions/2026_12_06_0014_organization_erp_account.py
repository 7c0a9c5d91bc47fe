"""organization ERP account number

The partner's account number in the OEM's ERP, so purchase files can name partners the
way the ERP does. Nullable; unique where set (a unique index: NULLs never collide).

Revision ID: 0014_organization_erp_account
Revises: 0013_coop_buckets
Create Date: 2026-12-06 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_organization_erp_account"
down_revision = "0013_coop_buckets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN and CREATE INDEX: no batch table copy.
    op.add_column("organization", sa.Column("erp_account_number", sa.String(length=40)))
    op.create_index(
        "uq_organization_erp_account_number", "organization", ["erp_account_number"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_organization_erp_account_number", table_name="organization")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("erp_account_number")
