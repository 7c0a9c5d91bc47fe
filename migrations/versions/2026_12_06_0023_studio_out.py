"""studio out: the record of generated studio assets

Each generated image or deck gets a row with its verification code (printed on it,
derived from the hash of its inputs and the organisation), the template, the
organisation, the inputs' hash and the tracking URL, so a code can be looked up.

Revision ID: 0023_studio_out
Revises: 0022_consult
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_studio_out"
down_revision = "0022_consult"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "studio_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("image", "deck", name="assetkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("template_key", sa.String(length=60), nullable=False),
        sa.Column("template_name", sa.String(length=160), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("campaign", sa.String(length=80), nullable=False),
        sa.Column("tracking_url", sa.String(length=600), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_studio_asset_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_studio_asset_created_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_asset")),
        sa.UniqueConstraint("code", name=op.f("uq_studio_asset_code")),
    )
    op.create_index(op.f("ix_studio_asset_organization_id"), "studio_asset", ["organization_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_studio_asset_organization_id"), table_name="studio_asset")
    op.drop_table("studio_asset")
