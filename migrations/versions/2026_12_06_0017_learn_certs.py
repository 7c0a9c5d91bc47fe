"""learn_certs: certification renewal chains, grace and renewal reminders

A certification gets its validity start, the end of its grace period and the one it
renews (the chain); a level its grace days; a module may be its level's recertification
module; and a table records which renewal reminder went out for which certification.
Existing certifications start when issued and have no grace (their grace ends at expiry).

Revision ID: 0017_learn_certs
Revises: 0016_betas
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_learn_certs"
down_revision = "0016_betas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learning_level") as batch:
        batch.add_column(sa.Column("grace_days", sa.Integer(), nullable=False, server_default="60"))
    with op.batch_alter_table("learning_module") as batch:
        batch.add_column(
            sa.Column("recert", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("learning_certification") as batch:
        batch.add_column(sa.Column("valid_from", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("grace_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("renews_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE learning_certification SET valid_from = issued_at, grace_until = valid_until"
    )
    with op.batch_alter_table("learning_certification") as batch:
        batch.alter_column("valid_from", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("grace_until", existing_type=sa.DateTime(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_learning_certification_renews_id_learning_certification"),
            "learning_certification",
            ["renews_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_unique_constraint(op.f("uq_learning_certification_renews_id"), ["renews_id"])
        batch.create_check_constraint(
            op.f("ck_learning_certification_valid_after_start"), "valid_until > valid_from"
        )
        batch.create_check_constraint(
            op.f("ck_learning_certification_grace_after_expiry"), "grace_until >= valid_until"
        )
    op.create_table(
        "learning_renewal_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["learning_certification.id"],
            name=op.f("fk_learning_renewal_reminder_certification_id_learning_certification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_renewal_reminder")),
        sa.UniqueConstraint(
            "certification_id", "days_before", name="uq_learning_renewal_reminder_window"
        ),
    )


def downgrade() -> None:
    op.drop_table("learning_renewal_reminder")
    with op.batch_alter_table("learning_certification") as batch:
        batch.drop_constraint(op.f("ck_learning_certification_grace_after_expiry"), type_="check")
        batch.drop_constraint(op.f("ck_learning_certification_valid_after_start"), type_="check")
        batch.drop_constraint(op.f("uq_learning_certification_renews_id"), type_="unique")
        batch.drop_constraint(
            op.f("fk_learning_certification_renews_id_learning_certification"),
            type_="foreignkey",
        )
        batch.drop_column("renews_id")
        batch.drop_column("grace_until")
        batch.drop_column("valid_from")
    with op.batch_alter_table("learning_module") as batch:
        batch.drop_column("recert")
    with op.batch_alter_table("learning_level") as batch:
        batch.drop_column("grace_days")
