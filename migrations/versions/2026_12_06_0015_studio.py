"""studio: image templates, approved copy, forbidden words, brand profiles

The co-branding studio's tables: OEM image templates (an artwork the app draws and a
layout), the program's approved copy and forbidden words, and each organisation's
brand profile (logo, colour, contact details).

Revision ID: 0015_studio
Revises: 0014_organization_erp_account
Create Date: 2026-12-06 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_studio"
down_revision = "0014_organization_erp_account"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "studio_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("artwork", sa.String(length=40), nullable=False),
        sa.Column("size", sa.String(length=20), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_template")),
        sa.UniqueConstraint("key", name=op.f("uq_studio_template_key")),
    )
    op.create_table(
        "studio_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("headline", "offer", name="copykind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_copy")),
    )
    op.create_table(
        "studio_forbidden_word",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_forbidden_word")),
        sa.UniqueConstraint("word", name=op.f("uq_studio_forbidden_word_word")),
    )
    op.create_table(
        "studio_brand_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("logo_file_id", sa.Integer(), nullable=True),
        sa.Column("brand_colour", sa.String(length=7), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_studio_brand_profile_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["logo_file_id"],
            ["stored_file.id"],
            name=op.f("fk_studio_brand_profile_logo_file_id_stored_file"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_brand_profile")),
        sa.UniqueConstraint(
            "organization_id", name=op.f("uq_studio_brand_profile_organization_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("studio_brand_profile")
    op.drop_table("studio_forbidden_word")
    op.drop_table("studio_copy")
    op.drop_table("studio_template")
