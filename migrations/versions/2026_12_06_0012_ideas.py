"""ideas

Ideas from the channel (feedback.ideas): ideas, photos, votes, comments, subscriptions,
status changes with who was told, tier weights — and full-text search per database:

- SQLite: idea_fts, an external-content FTS5 table (porter stemming, so "mowing" meets
  "mow") over title, problem and description, and idea_trigram, an FTS5 trigram table
  over titles for small typos; triggers keep both in step with idea.
- PostgreSQL: idea.search_vector, a generated tsvector (title weighted A, problem B,
  description C) with a GIN index, and a pg_trgm GIN index on the title for typos.

Revision ID: 0012_ideas
Revises: 0011_learning
Create Date: 2026-12-06 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_ideas"
down_revision = "0011_learning"
branch_labels = None
depends_on = None

STATUS = sa.Enum(
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
)

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE idea_fts USING fts5(title, problem, description, "
    "content='idea', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE idea_trigram USING fts5(title, content='idea', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER idea_search_insert AFTER INSERT ON idea BEGIN "
    "INSERT INTO idea_fts(rowid, title, problem, description) "
    "VALUES (new.id, new.title, new.problem, new.description); "
    "INSERT INTO idea_trigram(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER idea_search_delete AFTER DELETE ON idea BEGIN "
    "INSERT INTO idea_fts(idea_fts, rowid, title, problem, description) "
    "VALUES ('delete', old.id, old.title, old.problem, old.description); "
    "INSERT INTO idea_trigram(idea_trigram, rowid, title) VALUES ('delete', old.id, old.title); "
    "END",
    "CREATE TRIGGER idea_search_update AFTER UPDATE OF title, problem, description ON idea "
    "BEGIN "
    "INSERT INTO idea_fts(idea_fts, rowid, title, problem, description) "
    "VALUES ('delete', old.id, old.title, old.problem, old.description); "
    "INSERT INTO idea_fts(rowid, title, problem, description) "
    "VALUES (new.id, new.title, new.problem, new.description); "
    "INSERT INTO idea_trigram(idea_trigram, rowid, title) VALUES ('delete', old.id, old.title); "
    "INSERT INTO idea_trigram(rowid, title) VALUES (new.id, new.title); END",
]

POSTGRES_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE idea ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(problem, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'C')) STORED",
    "CREATE INDEX ix_idea_search_vector ON idea USING gin (search_vector)",
    "CREATE INDEX ix_idea_title_trgm ON idea USING gin (title gin_trgm_ops)",
]


def upgrade() -> None:
    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("vote_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("vote_count >= 0", name=op.f("ck_idea_vote_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_idea_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_idea_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["product_line_id"],
            ["product_line.id"],
            name=op.f("fk_idea_product_line_id_product_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea")),
    )
    for column in ("author_id", "organization_id", "product_line_id", "created_at"):
        op.create_index(op.f(f"ix_idea_{column}"), "idea", [column])
    op.create_index("ix_idea_line_status", "idea", ["product_line_id", "status"])

    op.create_table(
        "idea_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"], name=op.f("fk_idea_photo_file_id_stored_file")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_photo_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_photo")),
        sa.UniqueConstraint("file_id", name=op.f("uq_idea_photo_file_id")),
    )
    op.create_index(op.f("ix_idea_photo_idea_id"), "idea_photo", ["idea_id"])

    op.create_table(
        "idea_vote",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_vote_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_idea_vote_person_id_person")
        ),
        sa.PrimaryKeyConstraint("idea_id", "person_id", name=op.f("pk_idea_vote")),
    )
    op.create_index(op.f("ix_idea_vote_person_id"), "idea_vote", ["person_id"])

    op.create_table(
        "idea_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_idea_comment_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_comment_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["idea_comment.id"], name=op.f("fk_idea_comment_parent_id_idea_comment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_comment")),
    )
    for column in ("author_id", "idea_id", "parent_id"):
        op.create_index(op.f(f"ix_idea_comment_{column}"), "idea_comment", [column])

    op.create_table(
        "idea_subscription",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_idea_subscription_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_idea_subscription_person_id_person")
        ),
        sa.PrimaryKeyConstraint("idea_id", "person_id", name=op.f("pk_idea_subscription")),
    )
    op.create_index(op.f("ix_idea_subscription_person_id"), "idea_subscription", ["person_id"])

    op.create_table(
        "idea_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("from_status", STATUS, nullable=False),
        sa.Column("to_status", STATUS, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("notified_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["person.id"],
            name=op.f("fk_idea_status_change_changed_by_id_person"),
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_idea_status_change_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_status_change")),
    )
    op.create_index(op.f("ix_idea_status_change_idea_id"), "idea_status_change", ["idea_id"])

    op.create_table(
        "idea_notice",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["idea_status_change.id"],
            name=op.f("fk_idea_notice_change_id_idea_status_change"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_idea_notice_person_id_person")
        ),
        sa.PrimaryKeyConstraint("change_id", "person_id", name=op.f("pk_idea_notice")),
    )

    op.create_table(
        "idea_tier_weight",
        sa.Column("tier_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_idea_tier_weight_weight_not_negative")),
        sa.ForeignKeyConstraint(
            ["tier_id"],
            ["tier.id"],
            name=op.f("fk_idea_tier_weight_tier_id_tier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tier_id", name=op.f("pk_idea_tier_weight")),
    )

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_SEARCH, "postgresql": POSTGRES_SEARCH}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS idea_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS idea_trigram")
        op.execute("DROP TABLE IF EXISTS idea_fts")
    for table in (
        "idea_tier_weight",
        "idea_notice",
        "idea_status_change",
        "idea_subscription",
        "idea_comment",
        "idea_vote",
        "idea_photo",
        "idea",
    ):
        op.drop_table(table)
