"""learning: paths, levels, modules, progress, quizzes, certifications

Mastery paths (a track of a product line) with levels and their prerequisites, modules
and each person's progress; quizzes with their question bank and attempts; and the
certifications a level earns, found in public by an unguessable credential id.

Revision ID: 0011_learning
Revises: 0010_organization_name_index
Create Date: 2026-12-06 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_learning"
down_revision = "0010_organization_name_index"
branch_labels = None
depends_on = None

TRACKS = ("sales", "technical", "installation_service")


def upgrade() -> None:
    op.create_table(
        "learning_path",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=False),
        sa.Column(
            "track",
            sa.Enum(*TRACKS, name="learningtrack", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_line_id"],
            ["product_line.id"],
            name=op.f("fk_learning_path_product_line_id_product_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_path")),
        sa.UniqueConstraint("product_line_id", "track", name="uq_learning_path_line_track"),
    )
    op.create_index(op.f("ix_learning_path_product_line_id"), "learning_path", ["product_line_id"])
    op.create_table(
        "learning_level",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("validity_months", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "validity_months > 0", name=op.f("ck_learning_level_validity_is_positive")
        ),
        sa.ForeignKeyConstraint(
            ["path_id"],
            ["learning_path.id"],
            name=op.f("fk_learning_level_path_id_learning_path"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_level")),
        sa.UniqueConstraint("path_id", "rank", name="uq_learning_level_path_rank"),
    )
    op.create_table(
        "learning_level_prerequisite",
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("required_level_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["learning_level.id"],
            name=op.f("fk_learning_level_prerequisite_level_id_learning_level"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["required_level_id"],
            ["learning_level.id"],
            name=op.f("fk_learning_level_prerequisite_required_level_id_learning_level"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "level_id", "required_level_id", name=op.f("pk_learning_level_prerequisite")
        ),
    )
    op.create_index(
        op.f("ix_learning_level_prerequisite_required_level_id"),
        "learning_level_prerequisite",
        ["required_level_id"],
    )
    op.create_table(
        "learning_module",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_learning_module_minutes_is_positive")),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["learning_level.id"],
            name=op.f("fk_learning_module_level_id_learning_level"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_module")),
    )
    op.create_index(op.f("ix_learning_module_level_id"), "learning_module", ["level_id"])
    op.create_table(
        "learning_module_progress",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["learning_module.id"],
            name=op.f("fk_learning_module_progress_module_id_learning_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_learning_module_progress_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "module_id", name=op.f("pk_learning_module_progress")),
    )
    op.create_index(
        op.f("ix_learning_module_progress_module_id"), "learning_module_progress", ["module_id"]
    )
    op.create_table(
        "learning_quiz",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("pass_percent", sa.Integer(), nullable=False),
        sa.Column("draw", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("cooldown_hours", sa.Integer(), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "pass_percent BETWEEN 1 AND 100", name=op.f("ck_learning_quiz_pass_percent_in_range")
        ),
        sa.CheckConstraint(
            "max_attempts > 0", name=op.f("ck_learning_quiz_max_attempts_is_positive")
        ),
        sa.CheckConstraint(
            "time_limit_minutes > 0", name=op.f("ck_learning_quiz_time_limit_is_positive")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["learning_module.id"],
            name=op.f("fk_learning_quiz_module_id_learning_module"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_quiz")),
        sa.UniqueConstraint("module_id", name=op.f("uq_learning_quiz_module_id")),
    )
    op.create_table(
        "learning_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.String(length=500), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("explanation", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["learning_quiz.id"],
            name=op.f("fk_learning_question_quiz_id_learning_quiz"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_question")),
    )
    op.create_index(op.f("ix_learning_question_quiz_id"), "learning_question", ["quiz_id"])
    op.create_table(
        "learning_choice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["learning_question.id"],
            name=op.f("fk_learning_choice_question_id_learning_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_choice")),
    )
    op.create_index(op.f("ix_learning_choice_question_id"), "learning_choice", ["question_id"])
    op.create_table(
        "learning_quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("drawn", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("score_percent", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_learning_quiz_attempt_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["learning_quiz.id"],
            name=op.f("fk_learning_quiz_attempt_quiz_id_learning_quiz"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_quiz_attempt")),
    )
    op.create_index(
        "ix_learning_quiz_attempt_person_quiz", "learning_quiz_attempt", ["person_id", "quiz_id"]
    )
    op.create_table(
        "learning_certification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "valid_until > issued_at", name=op.f("ck_learning_certification_valid_after_issue")
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["learning_level.id"],
            name=op.f("fk_learning_certification_level_id_learning_level"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_learning_certification_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["person.id"],
            name=op.f("fk_learning_certification_revoked_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_certification")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_learning_certification_credential_id")),
    )
    op.create_index(
        op.f("ix_learning_certification_level_id"), "learning_certification", ["level_id"]
    )
    op.create_index(
        "ix_learning_certification_person_level",
        "learning_certification",
        ["person_id", "level_id"],
    )


def downgrade() -> None:
    for table in (
        "learning_certification",
        "learning_quiz_attempt",
        "learning_choice",
        "learning_question",
        "learning_quiz",
        "learning_module_progress",
        "learning_module",
        "learning_level_prerequisite",
        "learning_level",
        "learning_path",
    ):
        op.drop_table(table)
