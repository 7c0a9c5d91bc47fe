"""coop per-bucket balances

`coop_bucket` keeps, per account and bucket, the sums of its entries (earned, held,
reimbursed, expired) and the bucket's last day, beside the account's cached columns, so
the OEM's overview and dashboard panels read a few thousand rows instead of every entry.
Backfilled here from the existing entries; from now on written with the entries.

The expiry date is computed as `campaigns.coop.periods.expires_on` does (end of the
bucket's period plus the carryover in force for it), without importing the app.

Revision ID: 0013_coop_buckets
Revises: 0012_ideas
Create Date: 2026-12-06 06:00:00
"""

import calendar
import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0013_coop_buckets"
down_revision = "0012_ideas"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=14, scale=2)
KINDS = {  # kind → (earned, held, reimbursed, expired)
    "accrual": (1, 0, 0, 0),
    "adjustment": (1, 0, 0, 0),
    "hold": (0, 1, 0, 0),
    "release": (0, -1, 0, 0),
    "reimbursement": (0, -1, 1, 0),
    "expiry": (0, 0, 0, 1),
}


def upgrade() -> None:
    op.create_table(
        "coop_bucket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=7), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("earned", MONEY, nullable=False),
        sa.Column("held", MONEY, nullable=False),
        sa.Column("reimbursed", MONEY, nullable=False),
        sa.Column("expired", MONEY, nullable=False),
        sa.CheckConstraint("held >= 0", name=op.f("ck_coop_bucket_held_not_negative")),
        sa.CheckConstraint(
            "earned - reimbursed - expired - held > -0.005",
            name=op.f("ck_coop_bucket_free_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["coop_account.id"], name=op.f("fk_coop_bucket_account_id_coop_account")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["coop_program.id"], name=op.f("fk_coop_bucket_program_id_coop_program")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coop_bucket")),
        sa.UniqueConstraint("account_id", "bucket", name="uq_coop_bucket_account_bucket"),
    )
    op.create_index(
        "ix_coop_bucket_program_expires", "coop_bucket", ["program_id", "expires_on"], unique=False
    )
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    programs = {
        row.id: (row.period, row.carryover_periods)
        for row in bind.execute(sa.text("SELECT id, period, carryover_periods FROM coop_program"))
    }
    rules: dict[int, list[tuple[str, int]]] = {}
    for row in bind.execute(
        sa.text("SELECT program_id, from_bucket, carryover_periods FROM coop_carryover_rule")
    ):
        rules.setdefault(row.program_id, []).append((row.from_bucket, row.carryover_periods))
    in_cents = "CAST(ROUND(e.amount * 100) AS BIGINT)"
    sums = bind.execute(
        sa.text(
            f"SELECT e.account_id, a.program_id, e.bucket, e.kind, SUM({in_cents}) AS total "
            "FROM coop_ledger_entry e JOIN coop_account a ON a.id = e.account_id "
            "GROUP BY e.account_id, a.program_id, e.bucket, e.kind"
        )
    )
    rows: dict[tuple[int, str], dict] = {}
    for account_id, program_id, bucket, kind, total in sums:
        row = rows.get((account_id, bucket))
        if row is None:
            row = rows[(account_id, bucket)] = {
                "account_id": account_id,
                "program_id": program_id,
                "bucket": bucket,
                "expires_on": _expires_on(programs[program_id], rules.get(program_id, []), bucket),
                "cents": [0, 0, 0, 0],
            }
        for i, weight in enumerate(KINDS[kind]):
            row["cents"][i] += weight * int(total or 0)
    if not rows:
        return
    table = sa.table(
        "coop_bucket",
        sa.column("account_id", sa.Integer),
        sa.column("program_id", sa.Integer),
        sa.column("bucket", sa.String),
        sa.column("expires_on", sa.Date),
        *(sa.column(name, MONEY) for name in ("earned", "held", "reimbursed", "expired")),
    )
    values = []
    for row in rows.values():
        earned, held, reimbursed, expired = (Decimal(c).scaleb(-2) for c in row.pop("cents"))
        values.append(
            row | {"earned": earned, "held": held, "reimbursed": reimbursed, "expired": expired}
        )
    bind.execute(sa.insert(table), values)


def _index(label: str) -> tuple[str, int]:
    match = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?", label)
    year = int(match.group(1))
    if match.group(2):
        return "quarter", year * 4 + int(match.group(2)) - 1
    return "year", year


def _expires_on(program: tuple[str, int], rules: list[tuple[str, int]], label: str) -> date:
    period, carryover = program
    kind, index = _index(label)
    if kind == period:
        for start, periods in sorted((_index(b)[1], p) for b, p in rules):
            if start > index:
                break
            carryover = periods
    index += carryover
    if kind == "year":
        return date(index, 12, 31)
    year, quarter = divmod(index, 4)
    last = 3 * quarter + 3
    return date(year, last, calendar.monthrange(year, last)[1])


def downgrade() -> None:
    op.drop_index("ix_coop_bucket_program_expires", table_name="coop_bucket")
    op.drop_table("coop_bucket")
