"""notification actor

Who a notification is about — the person whose step it reports (who wrote, handed on,
approved) — so the notifications page shows who, not only what. Nullable: notifications
the hub writes by itself (and those stored before) have none.

Revision ID: 0009_notification_actor
Revises: 0008_held_claim_proofs
Create Date: 2026-12-06 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_notification_actor"
down_revision = "0008_held_claim_proofs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A batch: SQLite adds a named foreign key only by copying the table (it has no
    # triggers to lose); PostgreSQL alters it in place.
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_actor_id_person"),
            "person",
            ["actor_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_actor_id_person"), type_="foreignkey")
        batch_op.drop_column("actor_id")
