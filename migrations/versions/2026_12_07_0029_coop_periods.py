"""coop per-period totals of a program

`coop_period` keeps, per program and period (bucket label), its accounts' bucket rows
added up (earned, held, reimbursed, expired) and the period's last day, so the OEM's
overview and dashboard chart and total a program from a handful of rows instead of
grouping every account's buckets on every request. Backfilled here from the bucket rows
(in whole cents: SQLite keeps money as REAL); from now on moved by the same deltas as the
buckets (`campaigns.coop.period_totals`), and checked against the entries by
`verify_ledger`.

Revision ID: 0029_coop_periods
Revises: 0028_coop_import_keys
Create Date: 2026-12-07 08:30:00
"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0029_coop_periods"
down_revision = "0028_coop_import_keys"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)
FIELDS = ("earned", "held", "reimbursed", "expired")


def upgrade() -> None:
    op.create_table(
        "coop_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=7), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        *(sa.Column(name, MONEY, nullable=False) for name in FIELDS),
        sa.ForeignKeyConstraint(
            ["program_id"], ["coop_program.id"], name=op.f("fk_coop_period_program_id_coop_program")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coop_period")),
        sa.UniqueConstraint("program_id", "bucket", name="uq_coop_period_program_bucket"),
    )
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    in_cents = ", ".join(f"SUM(CAST(ROUND({name} * 100) AS BIGINT))" for name in FIELDS)
    sums = bind.execute(
        sa.text(
            f"SELECT program_id, bucket, MIN(expires_on) AS expires_on, {in_cents} "
            "FROM coop_bucket GROUP BY program_id, bucket"
        ).columns(expires_on=sa.Date)  # a date, not SQLite's text
    ).all()
    if not sums:
        return
    table = sa.table(
        "coop_period",
        sa.column("program_id", sa.Integer),
        sa.column("bucket", sa.String),
        sa.column("expires_on", sa.Date),
        *(sa.column(name, MONEY) for name in FIELDS),
    )
    bind.execute(
        sa.insert(table),
        [
            {"program_id": program_id, "bucket": bucket, "expires_on": expires_on}
            | {name: Decimal(int(c or 0)).scaleb(-2) for name, c in zip(FIELDS, cents, strict=True)}
            for program_id, bucket, expires_on, *cents in sums
        ],
    )


def downgrade() -> None:
    op.drop_table("coop_period")
