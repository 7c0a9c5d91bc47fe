"""ideas more: merging, tags, evidence from conversations, field intelligence

Merges of duplicate ideas with what moved (so they can be undone exactly), product
managers' tags on ideas, conversation messages attached to ideas as evidence, and
field observations (with their tags and links to ideas). The idea gets three nullable
columns: the idea it is merged into, and — when a product manager turned a
conversation message into it — who did and the message. They are plain ADD COLUMNs
(with REFERENCES) so SQLite keeps the idea table, and with it the search triggers.

Revision ID: 0021_ideas_more
Revises: 0020_learn_assess
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_ideas_more"
down_revision = "0020_learn_assess"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=True),
        sa.Column("competitor", sa.String(length=120), nullable=False),
        sa.Column("product", sa.String(length=160), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "price IS NULL OR price >= 0", name=op.f("ck_field_observation_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_field_observation_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_field_observation_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["photo_file_id"],
            ["stored_file.id"],
            name=op.f("fk_field_observation_photo_file_id_stored_file"),
        ),
        sa.ForeignKeyConstraint(
            ["product_line_id"],
            ["product_line.id"],
            name=op.f("fk_field_observation_product_line_id_product_line"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_observation")),
    )
    with op.batch_alter_table("field_observation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_observation_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_observation_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            "ix_field_observation_org_created", ["organization_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_observation_product_line_id"), ["product_line_id"], unique=False
        )

    op.create_table(
        "field_observation_tag",
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["field_observation.id"],
            name=op.f("fk_field_observation_tag_observation_id_field_observation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("observation_id", "tag", name=op.f("pk_field_observation_tag")),
    )
    with op.batch_alter_table("field_observation_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_field_observation_tag_tag"), ["tag"], unique=False)

    op.create_table(
        "field_observation_idea",
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_field_observation_idea_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"],
            ["person.id"],
            name=op.f("fk_field_observation_idea_linked_by_id_person"),
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["field_observation.id"],
            name=op.f("fk_field_observation_idea_observation_id_field_observation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "observation_id", "idea_id", name=op.f("pk_field_observation_idea")
        ),
    )
    with op.batch_alter_table("field_observation_idea", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_observation_idea_idea_id"), ["idea_id"], unique=False
        )

    op.create_table(
        "idea_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["person.id"], name=op.f("fk_idea_evidence_added_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_idea_evidence_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_evidence_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_idea_evidence_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_idea_evidence_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_evidence")),
        sa.UniqueConstraint("idea_id", "message_id", name="uq_idea_evidence_message"),
    )
    with op.batch_alter_table("idea_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_evidence_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_idea_evidence_message_id"), ["message_id"], unique=False
        )

    op.create_table(
        "idea_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column(
            "source_status",
            sa.Enum(
                "new",
                "under_review",
                "planned",
                "in_progress",
                "in_beta",
                "shipped",
                "declined",
                "merged",
                name="ideastatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source_status_changed_at", sa.DateTime(), nullable=False),
        sa.Column("target_vote_count", sa.Integer(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_by_id"], ["person.id"], name=op.f("fk_idea_merge_merged_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["idea.id"],
            name=op.f("fk_idea_merge_source_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["idea.id"],
            name=op.f("fk_idea_merge_target_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["person.id"], name=op.f("fk_idea_merge_undone_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_merge")),
    )
    with op.batch_alter_table("idea_merge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_merge_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_idea_merge_target_id"), ["target_id"], unique=False)

    op.create_table(
        "idea_tag",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_tag_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("idea_id", "tag", name=op.f("pk_idea_tag")),
    )
    with op.batch_alter_table("idea_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_tag_tag"), ["tag"], unique=False)

    _add_idea_columns()
    op.create_index(op.f("ix_idea_merged_into_id"), "idea", ["merged_into_id"], unique=False)


IDEA_COLUMNS = [
    # (name, type, SQLite type, referenced table, ON DELETE)
    ("merged_into_id", sa.Integer(), "INTEGER", "idea", None),
    ("filed_by_id", sa.Integer(), "INTEGER", "person", None),
    ("source_message_id", sa.BigInteger(), "INTEGER", "message", None),
]


def _add_idea_columns() -> None:
    """Three nullable columns with foreign keys on idea. SQLite: ALTER TABLE … ADD COLUMN
    … REFERENCES (alembic would copy the table, dropping the search triggers)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, type_, sqlite_type, table, ondelete in IDEA_COLUMNS:
        fk_name = f"fk_idea_{name}_{table}"
        if sqlite:
            on_delete = f" ON DELETE {ondelete}" if ondelete else ""
            op.execute(
                f"ALTER TABLE idea ADD COLUMN {name} {sqlite_type} "
                f"CONSTRAINT {fk_name} REFERENCES {table} (id){on_delete}"
            )
        else:
            op.add_column("idea", sa.Column(name, type_, nullable=True))
            op.create_foreign_key(fk_name, "idea", table, [name], ["id"], ondelete=ondelete)


def downgrade() -> None:
    op.drop_index(op.f("ix_idea_merged_into_id"), table_name="idea")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite can't drop a column that references another table without copying the
        # table (which would lose the search triggers): the columns stay, unused.
        pass
    else:
        for column in ("source_message_id", "filed_by_id", "merged_into_id"):
            op.drop_column("idea", column)

    with op.batch_alter_table("idea_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_tag_tag"))

    op.drop_table("idea_tag")
    with op.batch_alter_table("idea_merge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_merge_target_id"))
        batch_op.drop_index(batch_op.f("ix_idea_merge_source_id"))

    op.drop_table("idea_merge")
    with op.batch_alter_table("idea_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_evidence_message_id"))
        batch_op.drop_index(batch_op.f("ix_idea_evidence_idea_id"))

    op.drop_table("idea_evidence")
    with op.batch_alter_table("field_observation_idea", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_observation_idea_idea_id"))

    op.drop_table("field_observation_idea")
    with op.batch_alter_table("field_observation_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_observation_tag_tag"))

    op.drop_table("field_observation_tag")
    with op.batch_alter_table("field_observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_observation_product_line_id"))
        batch_op.drop_index("ix_field_observation_org_created")
        batch_op.drop_index(batch_op.f("ix_field_observation_created_at"))
        batch_op.drop_index(batch_op.f("ix_field_observation_author_id"))

    op.drop_table("field_observation")
