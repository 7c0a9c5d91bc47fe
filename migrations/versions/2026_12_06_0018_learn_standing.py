"""learn_standing: tier requirements, specialisations, badges, kudos, recognition opt-out

Tier requirements (hub: a tier, a measure key offered through the registry, a minimum);
learning's specialisations (a track of a product line, a lowest level, how many people);
badges awarded for milestones (unique per person, kind and key, so awarding is
idempotent); kudos; and each person's choice to stay off leaderboards and the wall.

Revision ID: 0018_learn_standing
Revises: 0017_learn_certs
Create Date: 2026-12-06 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_learn_standing"
down_revision = "0017_learn_certs"
branch_labels = None
depends_on = None

TRACKS = ("sales", "technical", "installation_service")
BADGES = ("first_certification", "full_track", "renewed_on_time", "mentor")
CATEGORIES = ("learning", "customer", "teamwork", "mentoring")


def upgrade() -> None:
    op.create_table(
        "tier_requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tier_id", sa.Integer(), nullable=False),
        sa.Column("measure_key", sa.String(length=120), nullable=False),
        sa.Column("minimum", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("minimum > 0", name=op.f("ck_tier_requirement_minimum_is_positive")),
        sa.ForeignKeyConstraint(
            ["tier_id"],
            ["tier.id"],
            name=op.f("fk_tier_requirement_tier_id_tier"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_requirement")),
        sa.UniqueConstraint("tier_id", "measure_key", name="uq_tier_requirement_tier_measure"),
    )
    op.create_index(op.f("ix_tier_requirement_tier_id"), "tier_requirement", ["tier_id"])
    op.create_table(
        "learning_specialisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=False),
        sa.Column(
            "track",
            sa.Enum(*TRACKS, name="learningtrack", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("min_rank", sa.Integer(), nullable=False),
        sa.Column("min_people", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "min_people > 0", name=op.f("ck_learning_specialisation_min_people_is_positive")
        ),
        sa.CheckConstraint(
            "min_rank > 0", name=op.f("ck_learning_specialisation_min_rank_is_positive")
        ),
        sa.ForeignKeyConstraint(
            ["product_line_id"],
            ["product_line.id"],
            name=op.f("fk_learning_specialisation_product_line_id_product_line"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_specialisation")),
        sa.UniqueConstraint("name", name=op.f("uq_learning_specialisation_name")),
    )
    op.create_index(
        op.f("ix_learning_specialisation_product_line_id"),
        "learning_specialisation",
        ["product_line_id"],
    )
    op.create_table(
        "learning_badge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum(*BADGES, name="badgekind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("awarded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_learning_badge_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_badge")),
        sa.UniqueConstraint("person_id", "kind", "key", name="uq_learning_badge_person_kind_key"),
    )
    op.create_table(
        "learning_kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("giver_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(*CATEGORIES, name="kudoscategory", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("message", sa.String(length=280), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["giver_id"],
            ["person.id"],
            name=op.f("fk_learning_kudos_giver_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["person.id"],
            name=op.f("fk_learning_kudos_recipient_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_kudos")),
    )
    op.create_index(op.f("ix_learning_kudos_recipient_id"), "learning_kudos", ["recipient_id"])
    op.create_index(op.f("ix_learning_kudos_created_at"), "learning_kudos", ["created_at"])
    op.create_table(
        "learning_recognition_setting",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_learning_recognition_setting_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_learning_recognition_setting")),
    )


def downgrade() -> None:
    op.drop_table("learning_recognition_setting")
    op.drop_index(op.f("ix_learning_kudos_created_at"), table_name="learning_kudos")
    op.drop_index(op.f("ix_learning_kudos_recipient_id"), table_name="learning_kudos")
    op.drop_table("learning_kudos")
    op.drop_table("learning_badge")
    op.drop_index(
        op.f("ix_learning_specialisation_product_line_id"), table_name="learning_specialisation"
    )
    op.drop_table("learning_specialisation")
    op.drop_index(op.f("ix_tier_requirement_tier_id"), table_name="tier_requirement")
    op.drop_table("tier_requirement")
