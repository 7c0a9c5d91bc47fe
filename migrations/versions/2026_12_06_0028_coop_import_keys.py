"""co-op import: a purchase line's partner and program checked as one key; fewer entry indexes

Every row an import writes is checked by the database against its foreign keys, one lookup
per key and row (on PostgreSQL a trigger per key and row of the COPY). Three changes make
that less work without checking less (docs/performance.md, "Co-op ledger at OEM scale"):

- coop_purchase_line: the two keys organization_id → organization and program_id →
  coop_program become one, (organization_id, program_id) → coop_account (organization_id,
  program_id) — its unique constraint. The account row itself references the organisation
  and the program, so a line whose organisation or program does not exist is still
  refused, and so is — newly — a line of an organisation without an account in the
  program (the import opens the accounts before it writes the lines).
- ix_coop_ledger_entry_hold_id indexes a hold's entries only (`WHERE hold_id IS NOT NULL`):
  every lookup is by a hold's id (`hold_id = ?`, `IN (…)`, `IS NOT NULL`), which both
  databases match to the partial index, and accruals — most of the ledger — have no hold,
  so an import writes nothing to it.
- ix_coop_ledger_entry_purchase_line_id is dropped: no query looks entries up by their
  purchase line (the export joins from the entry to the line, by the line's primary key),
  and purchase lines are never deleted (append-only, refused by their trigger), so the
  foreign key never needs it either. One index fewer to write per accrual.

SQLite rebuilds coop_purchase_line to change its keys (batch mode: copy, drop, rename). Its
foreign keys would refuse dropping a table other rows reference, so they are turned off
around the rebuild — outside a transaction, as SQLite's ALTER TABLE procedure says — and
every key of the database is checked before they are turned on again; the append-only
triggers, dropped with the old table, are made again.

Revision ID: 0028_coop_import_keys
Revises: 0027_org_path_c
Create Date: 2026-12-06 15:30:00
"""

import sqlalchemy as sa
from alembic import op

from hub.migrate import create_append_only_guard, drop_append_only_guard

revision = "0028_coop_import_keys"
down_revision = "0027_org_path_c"
branch_labels = None
depends_on = None

LINE = "coop_purchase_line"


def upgrade() -> None:
    _rebuild(_one_key)
    with op.batch_alter_table("coop_ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_coop_ledger_entry_purchase_line_id")
        batch_op.drop_index("ix_coop_ledger_entry_hold_id")
        batch_op.create_index(
            "ix_coop_ledger_entry_hold_id",
            ["hold_id"],
            unique=False,
            sqlite_where=sa.text("hold_id IS NOT NULL"),
            postgresql_where=sa.text("hold_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("coop_ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_coop_ledger_entry_hold_id")
        batch_op.create_index("ix_coop_ledger_entry_hold_id", ["hold_id"], unique=False)
        batch_op.create_index(
            "ix_coop_ledger_entry_purchase_line_id", ["purchase_line_id"], unique=False
        )
    _rebuild(_two_keys)


def _one_key() -> None:
    with op.batch_alter_table(LINE, schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_coop_purchase_line_organization_id_organization", type_="foreignkey"
        )
        batch_op.drop_constraint(
            "fk_coop_purchase_line_program_id_coop_program", type_="foreignkey"
        )
        batch_op.create_foreign_key(
            "fk_coop_purchase_line_organization_id_coop_account",
            "coop_account",
            ["organization_id", "program_id"],
            ["organization_id", "program_id"],
        )


def _two_keys() -> None:
    with op.batch_alter_table(LINE, schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_coop_purchase_line_organization_id_coop_account", type_="foreignkey"
        )
        batch_op.create_foreign_key(
            "fk_coop_purchase_line_program_id_coop_program", "coop_program", ["program_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_coop_purchase_line_organization_id_organization",
            "organization",
            ["organization_id"],
            ["id"],
        )


def _rebuild(change) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        change()
        return
    bind.commit()  # PRAGMA foreign_keys is ignored inside a transaction
    raw = bind.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        drop_append_only_guard(op, LINE)
        change()
        create_append_only_guard(op, LINE)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"rows whose foreign keys point nowhere: {broken[:5]}")
        bind.commit()
    finally:
        raw.execute("PRAGMA foreign_keys=ON")
