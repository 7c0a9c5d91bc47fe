"""calls: video calls in conversations and who was in them

Revision ID: 0004_calls
Revises: 0003_conversations
Create Date: 2026-11-22 06:55:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_calls"
down_revision = "0003_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_call_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["person.id"], name=op.f("fk_call_started_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call")),
    )
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_call_started_by_id"), ["started_by_id"], unique=False)

    op.create_table(
        "call_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["call.id"],
            name=op.f("fk_call_participant_call_id_call"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_call_participant_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_participant")),
    )
    with op.batch_alter_table("call_participant", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_participant_call_person", ["call_id", "person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_participant_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("call_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_participant_person_id"))
        batch_op.drop_index("ix_call_participant_call_person")
    op.drop_table("call_participant")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_started_by_id"))
        batch_op.drop_index(batch_op.f("ix_call_conversation_id"))
    op.drop_table("call")
