"""learning: practical assessments, assignments, module attachments

A level's practical assessment (a row per level that has one), each learner's submission
of evidence and its files (stored_file rows, by round), a partner admin's assignments of a
path or level with a due date and the reminders sent, and modules' downloadable files.

Revision ID: 0020_learn_assess
Revises: 0019_studio_kits
Create Date: 2026-12-06 08:55:32.742372
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_learn_assess"
down_revision = "0019_studio_kits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learning_assessment_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "more_requested",
                "signed_off",
                name="submissionstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_message", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["learning_level.id"],
            name=op.f("fk_learning_assessment_submission_level_id_learning_level"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_learning_assessment_submission_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["person.id"],
            name=op.f("fk_learning_assessment_submission_reviewer_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_assessment_submission")),
        sa.UniqueConstraint("person_id", "level_id", name="uq_learning_assessment_person_level"),
    )
    with op.batch_alter_table("learning_assessment_submission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_assessment_submission_level_id"), ["level_id"], unique=False
        )
        batch_op.create_index(
            "ix_learning_assessment_submission_status", ["status", "submitted_at"], unique=False
        )

    op.create_table(
        "learning_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=True),
        sa.Column("level_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("due_soon_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_reminded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(path_id IS NULL) <> (level_id IS NULL)",
            name=op.f("ck_learning_assignment_path_or_level"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["person.id"],
            name=op.f("fk_learning_assignment_assigned_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["person.id"],
            name=op.f("fk_learning_assignment_cancelled_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["learning_level.id"],
            name=op.f("fk_learning_assignment_level_id_learning_level"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_learning_assignment_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["path_id"],
            ["learning_path.id"],
            name=op.f("fk_learning_assignment_path_id_learning_path"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_learning_assignment_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_assignment")),
    )
    with op.batch_alter_table("learning_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_assignment_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_learning_assignment_person", ["person_id", "due_on"], unique=False
        )

    op.create_table(
        "learning_practical_assessment",
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["learning_level.id"],
            name=op.f("fk_learning_practical_assessment_level_id_learning_level"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("level_id", name=op.f("pk_learning_practical_assessment")),
    )
    op.create_table(
        "learning_assessment_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_file.id"],
            name=op.f("fk_learning_assessment_evidence_file_id_stored_file"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["learning_assessment_submission.id"],
            name=op.f(
                "fk_learning_assessment_evidence_submission_id_learning_assessment_submission"
            ),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_assessment_evidence")),
    )
    with op.batch_alter_table("learning_assessment_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_assessment_evidence_submission_id"),
            ["submission_id"],
            unique=False,
        )

    op.create_table(
        "learning_module_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_file.id"],
            name=op.f("fk_learning_module_attachment_file_id_stored_file"),
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["learning_module.id"],
            name=op.f("fk_learning_module_attachment_module_id_learning_module"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_module_attachment")),
    )
    with op.batch_alter_table("learning_module_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_module_attachment_module_id"), ["module_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("learning_module_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_module_attachment_module_id"))

    op.drop_table("learning_module_attachment")
    with op.batch_alter_table("learning_assessment_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_assessment_evidence_submission_id"))

    op.drop_table("learning_assessment_evidence")
    op.drop_table("learning_practical_assessment")
    with op.batch_alter_table("learning_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_assignment_person")
        batch_op.drop_index(batch_op.f("ix_learning_assignment_organization_id"))

    op.drop_table("learning_assignment")
    with op.batch_alter_table("learning_assessment_submission", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_assessment_submission_status")
        batch_op.drop_index(batch_op.f("ix_learning_assessment_submission_level_id"))

    op.drop_table("learning_assessment_submission")
