"""coop indexes

The period close walks the buckets of a program label to label and sums, for the closed
buckets, each account's free money; both read ix_coop_ledger_entry_bucket_account
(bucket, account_id, kind, amount) instead of every entry of the program.

It follows 0006_campaign_api_idempotency (written at the same time): one line of
revisions, so `upgrade head` stays unambiguous.

Revision ID: 0006_coop_indexes
Revises: 0006_campaign_api_idempotency
Create Date: 2026-11-22 09:13:04.053475
"""

from alembic import op

revision = "0006_coop_indexes"
down_revision = "0006_campaign_api_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX: no batch table copy, which on SQLite would drop the ledger's
    # append-only triggers.
    op.create_index(
        "ix_coop_ledger_entry_bucket_account",
        "coop_ledger_entry",
        ["bucket", "account_id", "kind", "amount"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_coop_ledger_entry_bucket_account", table_name="coop_ledger_entry")
