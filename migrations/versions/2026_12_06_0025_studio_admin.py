"""studio admin: uploaded deck templates and the record of template use

A deck template the program admin uploads is stored (checked and rewritten) with the
tokens it holds; each download or attachment of a studio output is recorded, so the
admin sees which partners use which templates.

Revision ID: 0025_studio_admin
Revises: 0024_ideas_bench
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_studio_admin"
down_revision = "0024_ideas_bench"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "studio_deck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.JSON(), nullable=False),
        sa.Column("unknown", sa.JSON(), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"], name=op.f("fk_studio_deck_file_id_stored_file")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_studio_deck_created_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_deck")),
        sa.UniqueConstraint("key", name=op.f("uq_studio_deck_key")),
    )
    op.create_table(
        "studio_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("template_key", sa.String(length=60), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("download", "attach", name="usageaction", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("fmt", sa.String(length=10), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_studio_usage_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_usage")),
    )
    op.create_index("ix_studio_usage_template", "studio_usage", ["kind", "template_key"])
    op.create_index(op.f("ix_studio_usage_organization_id"), "studio_usage", ["organization_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_studio_usage_organization_id"), table_name="studio_usage")
    op.drop_index("ix_studio_usage_template", table_name="studio_usage")
    op.drop_table("studio_usage")
    op.drop_table("studio_deck")
