"""ideas bench: status-change fan-out after the request, and indexes for ideas at scale

idea_fanout: a status change whose audience (more than feedback.ideas.fanout.CHUNK
people) is told after the request, chunk by chunk, by a background thread or `hub tick`.
ix_idea_votes, ix_idea_line_votes: the boards' "most votes" order, read from an index
instead of sorting every idea (docs/performance.md, "Ideas at scale").

Revision ID: 0024_ideas_bench
Revises: 0023_studio_out
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_ideas_bench"
down_revision = "0023_studio_out"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idea_fanout",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["idea_status_change.id"],
            name=op.f("fk_idea_fanout_change_id_idea_status_change"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_idea_fanout")),
    )
    op.create_index(op.f("ix_idea_fanout_done_at"), "idea_fanout", ["done_at"])
    # The ideas boards sort by votes (then id) over every idea, or one product line's.
    op.create_index("ix_idea_votes", "idea", ["vote_count", "id"])
    op.create_index("ix_idea_line_votes", "idea", ["product_line_id", "vote_count", "id"])


def downgrade() -> None:
    op.drop_index("ix_idea_line_votes", table_name="idea")
    op.drop_index("ix_idea_votes", table_name="idea")
    op.drop_index(op.f("ix_idea_fanout_done_at"), table_name="idea_fanout")
    op.drop_table("idea_fanout")
