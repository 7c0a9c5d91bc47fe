"""betas: beta programs

Product managers' beta programs (eligibility, dates, NDA with a version), the
applications and decisions, NDA signatures, invitations of a linked idea's voters,
and each program's private space: documents, reports with photos, surveys and answers.

Revision ID: 0016_betas
Revises: 0015_studio
Create Date: 2026-12-06 08:55:35.321942
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_betas"
down_revision = "0015_studio"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "beta_program",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tester_tasks", sa.Text(), nullable=False),
        sa.Column("tier_ids", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("qualification_keys", sa.JSON(), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        sa.Column("applications_open", sa.Date(), nullable=False),
        sa.Column("applications_close", sa.Date(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("nda_text", sa.Text(), nullable=False),
        sa.Column("nda_version", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("outcome_posted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_beta_program_created_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_beta_program_idea_id_idea"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["product_line_id"],
            ["product_line.id"],
            name=op.f("fk_beta_program_product_line_id_product_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_program")),
    )
    with op.batch_alter_table("beta_program", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beta_program_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_beta_program_product_line_id"), ["product_line_id"], unique=False
        )

    op.create_table(
        "beta_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "accepted",
                "waitlisted",
                "declined",
                name="applicationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["person.id"], name=op.f("fk_beta_application_decided_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_beta_application_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_beta_application_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["beta_program.id"],
            name=op.f("fk_beta_application_program_id_beta_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_application")),
        sa.UniqueConstraint("program_id", "person_id", name=op.f("uq_beta_application_program_id")),
    )
    with op.batch_alter_table("beta_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_beta_application_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_beta_application_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_beta_application_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "beta_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"], name=op.f("fk_beta_document_file_id_stored_file")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["beta_program.id"],
            name=op.f("fk_beta_document_program_id_beta_program"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["person.id"], name=op.f("fk_beta_document_uploaded_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_document")),
    )
    with op.batch_alter_table("beta_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_beta_document_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "beta_invitation",
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_beta_invitation_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["beta_program.id"],
            name=op.f("fk_beta_invitation_program_id_beta_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("program_id", "person_id", name=op.f("pk_beta_invitation")),
    )
    op.create_table(
        "beta_nda_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_beta_nda_signature_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["beta_program.id"],
            name=op.f("fk_beta_nda_signature_program_id_beta_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_nda_signature")),
        sa.UniqueConstraint(
            "program_id", "person_id", "version", name=op.f("uq_beta_nda_signature_program_id")
        ),
    )
    with op.batch_alter_table("beta_nda_signature", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_beta_nda_signature_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_beta_nda_signature_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "beta_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("issue", "idea", "praise", name="reportkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "low", "medium", "high", "critical", name="severity", native_enum=False, length=32
            ),
            nullable=True,
        ),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_beta_report_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_beta_report_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["beta_program.id"],
            name=op.f("fk_beta_report_program_id_beta_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_report")),
    )
    with op.batch_alter_table("beta_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beta_report_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_beta_report_program_id"), ["program_id"], unique=False)

    op.create_table(
        "beta_survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_beta_survey_created_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["beta_program.id"],
            name=op.f("fk_beta_survey_program_id_beta_program"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_survey")),
    )
    with op.batch_alter_table("beta_survey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beta_survey_program_id"), ["program_id"], unique=False)

    op.create_table(
        "beta_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("rating", "choice", "text", name="questionkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("prompt", sa.String(length=300), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["beta_survey.id"],
            name=op.f("fk_beta_question_survey_id_beta_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_question")),
    )
    with op.batch_alter_table("beta_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beta_question_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "beta_report_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"], name=op.f("fk_beta_report_photo_file_id_stored_file")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["beta_report.id"],
            name=op.f("fk_beta_report_photo_report_id_beta_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_report_photo")),
        sa.UniqueConstraint("file_id", name=op.f("uq_beta_report_photo_file_id")),
    )
    with op.batch_alter_table("beta_report_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_beta_report_photo_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "beta_survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_beta_survey_response_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["beta_survey.id"],
            name=op.f("fk_beta_survey_response_survey_id_beta_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beta_survey_response")),
        sa.UniqueConstraint(
            "survey_id", "person_id", name=op.f("uq_beta_survey_response_survey_id")
        ),
    )
    with op.batch_alter_table("beta_survey_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_beta_survey_response_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_beta_survey_response_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "beta_answer",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("choice", sa.String(length=300), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "rating IS NULL OR (rating BETWEEN 1 AND 5)", name=op.f("ck_beta_answer_rating_1_to_5")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["beta_question.id"],
            name=op.f("fk_beta_answer_question_id_beta_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["beta_survey_response.id"],
            name=op.f("fk_beta_answer_response_id_beta_survey_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "question_id", name=op.f("pk_beta_answer")),
    )
    with op.batch_alter_table("beta_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_beta_answer_question_id"), ["question_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("beta_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_answer_question_id"))

    op.drop_table("beta_answer")
    with op.batch_alter_table("beta_survey_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_survey_response_survey_id"))
        batch_op.drop_index(batch_op.f("ix_beta_survey_response_person_id"))

    op.drop_table("beta_survey_response")
    with op.batch_alter_table("beta_report_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_report_photo_report_id"))

    op.drop_table("beta_report_photo")
    with op.batch_alter_table("beta_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_question_survey_id"))

    op.drop_table("beta_question")
    with op.batch_alter_table("beta_survey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_survey_program_id"))

    op.drop_table("beta_survey")
    with op.batch_alter_table("beta_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_report_program_id"))
        batch_op.drop_index(batch_op.f("ix_beta_report_person_id"))

    op.drop_table("beta_report")
    with op.batch_alter_table("beta_nda_signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_nda_signature_program_id"))
        batch_op.drop_index(batch_op.f("ix_beta_nda_signature_person_id"))

    op.drop_table("beta_nda_signature")
    op.drop_table("beta_invitation")
    with op.batch_alter_table("beta_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_document_program_id"))

    op.drop_table("beta_document")
    with op.batch_alter_table("beta_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_application_program_id"))
        batch_op.drop_index(batch_op.f("ix_beta_application_person_id"))
        batch_op.drop_index(batch_op.f("ix_beta_application_organization_id"))

    op.drop_table("beta_application")
    with op.batch_alter_table("beta_program", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beta_program_product_line_id"))
        batch_op.drop_index(batch_op.f("ix_beta_program_idea_id"))

    op.drop_table("beta_program")
