"""organisation paths indexed in code-point order on PostgreSQL

A channel manager's territory is read as ranges of materialised paths ("/1/4/" up to
"/1/40"), which need the paths compared character by character (hub.db.code_point_order:
`path COLLATE "C"` on PostgreSQL, whatever collation the database was created with — a
language collation such as en_US ignores the slashes at first). This indexes them so;
ix_organization_path, in the database's collation, stays for equality and LIKE.

SQLite: nothing (BINARY is code-point order; ix_organization_path serves the ranges).

Revision ID: 0027_org_path_c
Revises: 0026_ideas_search_pg
Create Date: 2026-12-06 14:10:00
"""

from alembic import op

revision = "0027_org_path_c"
down_revision = "0026_ideas_search_pg"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_organization_path_c ON organization (path COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_organization_path_c")
