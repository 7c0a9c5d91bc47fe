"""organization name index

The directory lists the organisations a viewer may see by (name, id), 25 at a time: with
ix_organization_name_id the database reads them in that order and stops after the page,
instead of sorting every organisation in scope (2,025 for the OEM) on each request.

Revision ID: 0010_organization_name_index
Revises: 0009_notification_actor
Create Date: 2026-12-06 05:50:00.000000
"""

from alembic import op

revision = "0010_organization_name_index"
down_revision = "0009_notification_actor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_organization_name_id", "organization", ["name", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_organization_name_id", table_name="organization")
