"""consult: program consultations

A proposed program change opened for comment (with the rule it concerns as worded that
day, the comment period and the audience), one agree/concerned signal per person,
comments, and who was told of the published response.

Revision ID: 0022_consult
Revises: 0021_ideas_more
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_consult"
down_revision = "0021_ideas_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("rule_key", sa.String(length=120), nullable=False),
        sa.Column("rule_label", sa.String(length=200), nullable=False),
        sa.Column("rule_current", sa.Text(), nullable=False),
        sa.Column("rule_url", sa.String(length=300), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("audience_tier_ids", sa.JSON(), nullable=False),
        sa.Column("audience_regions", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "confirmed",
                "changed",
                "dropped",
                name="outcome",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("notified_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("closes_on >= opens_on", name=op.f("ck_consultation_period_in_order")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_consultation_created_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"], ["person.id"], name=op.f("fk_consultation_responded_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation")),
    )
    op.create_index(op.f("ix_consultation_opens_on"), "consultation", ["opens_on"])
    op.create_index(op.f("ix_consultation_closes_on"), "consultation", ["closes_on"])

    op.create_table(
        "consultation_signal",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "signal",
            sa.Enum(
                "agree",
                "concerned",
                name="signal",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_consultation_signal_consultation_id_consultation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_consultation_signal_person_id_person")
        ),
        sa.PrimaryKeyConstraint(
            "consultation_id", "person_id", name=op.f("pk_consultation_signal")
        ),
    )
    op.create_index(op.f("ix_consultation_signal_person_id"), "consultation_signal", ["person_id"])

    op.create_table(
        "consultation_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_consultation_comment_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_consultation_comment_consultation_id_consultation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_consultation_comment_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_comment")),
    )
    for column in ("consultation_id", "author_id", "organization_id"):
        op.create_index(op.f(f"ix_consultation_comment_{column}"), "consultation_comment", [column])

    op.create_table(
        "consultation_notice",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_consultation_notice_consultation_id_consultation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_consultation_notice_person_id_person")
        ),
        sa.PrimaryKeyConstraint(
            "consultation_id", "person_id", name=op.f("pk_consultation_notice")
        ),
    )


def downgrade() -> None:
    op.drop_table("consultation_notice")
    for column in ("organization_id", "author_id", "consultation_id"):
        op.drop_index(op.f(f"ix_consultation_comment_{column}"), table_name="consultation_comment")
    op.drop_table("consultation_comment")
    op.drop_index(op.f("ix_consultation_signal_person_id"), table_name="consultation_signal")
    op.drop_table("consultation_signal")
    op.drop_index(op.f("ix_consultation_closes_on"), table_name="consultation")
    op.drop_index(op.f("ix_consultation_opens_on"), table_name="consultation")
    op.drop_table("consultation")
