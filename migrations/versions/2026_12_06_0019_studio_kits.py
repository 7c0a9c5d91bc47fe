"""studio kits: campaign kits and the studio templates that go with them

A campaign kit is a campaign the OEM prepared (category, title, objective, audience,
budget lines, expected results, default dates) plus the studio templates personalised
and attached when a dealer launches it.

Revision ID: 0019_studio_kits
Revises: 0018_learn_standing
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_studio_kits"
down_revision = "0018_learn_standing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_kit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=300), nullable=False),
        sa.Column("budget_lines", sa.JSON(), nullable=False),
        sa.Column("expected_leads", sa.Integer(), nullable=True),
        sa.Column("expected_revenue", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("lead_days >= 0", name=op.f("ck_campaign_kit_lead_days_not_negative")),
        sa.CheckConstraint(
            "duration_days >= 1", name=op.f("ck_campaign_kit_duration_days_positive")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["coop_program.id"],
            name=op.f("fk_campaign_kit_program_id_coop_program"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["campaign_category.id"],
            name=op.f("fk_campaign_kit_category_id_campaign_category"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_campaign_kit_created_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_kit")),
    )
    op.create_index(op.f("ix_campaign_kit_program_id"), "campaign_kit", ["program_id"])
    op.create_table(
        "campaign_kit_template",
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kit_id"],
            ["campaign_kit.id"],
            name=op.f("fk_campaign_kit_template_kit_id_campaign_kit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["studio_template.id"],
            name=op.f("fk_campaign_kit_template_template_id_studio_template"),
        ),
        sa.PrimaryKeyConstraint("kit_id", "template_id", name=op.f("pk_campaign_kit_template")),
    )


def downgrade() -> None:
    op.drop_table("campaign_kit_template")
    op.drop_index(op.f("ix_campaign_kit_program_id"), table_name="campaign_kit")
    op.drop_table("campaign_kit")
