"""Writing ledger entries: the account lock, and an operation's entries under one
idempotency key (I1, I2, I4).

Functions that move money lock the account row first — SELECT … FOR UPDATE on
PostgreSQL; on SQLite the transaction began IMMEDIATE and already holds the database's
write lock — and only then read balances, so two holds arriving at the same moment are
decided one after the other, never against a stale balance (I2). Entries are only ever
added: there is no update or delete path (I1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from campaigns.coop.balances import BALANCE_FIELDS, BUCKET_EFFECTS, BUCKET_FIELDS, EFFECTS
from campaigns.coop.models import CoopAccount, CoopBucket, CoopProgram, EntryKind, Hold, LedgerEntry
from campaigns.coop.money import ZERO
from campaigns.coop.periods import expires_on
from hub import db
from hub.errors import Conflict, ValidationFailed

KEY_MAX_LENGTH = 100


def check_key(key: str | None, required: bool = True) -> str | None:
    """Idempotency keys: short printable text, without '#', which derived keys use."""
    if key is None or (isinstance(key, str) and not key.strip()):
        if required:
            raise ValidationFailed(
                {"idempotency_key": ["Send an idempotency key, so a retry cannot pay twice."]}
            )
        return None
    if not isinstance(key, str):
        raise ValidationFailed({"idempotency_key": ["The idempotency key must be text."]})
    key = key.strip()
    if len(key) > KEY_MAX_LENGTH or "#" in key or not key.isprintable():
        raise ValidationFailed(
            {
                "idempotency_key": [
                    f"Use an idempotency key of at most {KEY_MAX_LENGTH} printable characters "
                    "without “#”."
                ]
            }
        )
    return key


def lock_account(account_id: int) -> CoopAccount:
    """The account row, locked for this transaction and re-read (its cache may be stale).

    PostgreSQL: SELECT … FOR UPDATE waits for any other transaction holding the row.
    SQLite: FOR UPDATE does not exist; the transaction began IMMEDIATE (hub.db), so it
    already holds the database's only write lock and this read sees the latest commit.
    """
    return db.session.execute(
        sa.select(CoopAccount)
        .where(CoopAccount.id == account_id)
        .with_for_update(of=CoopAccount)
        .execution_options(populate_existing=True)
    ).scalar_one()


def lock_accounts(account_ids) -> dict[int, CoopAccount]:
    """Several accounts locked as `lock_account` does, by id."""
    # Always in id order, so two writers locking overlapping sets cannot deadlock.
    accounts = db.session.scalars(
        sa.select(CoopAccount)
        .where(CoopAccount.id.in_(sorted(set(account_ids))))
        .order_by(CoopAccount.id)
        .with_for_update(of=CoopAccount)
        .execution_options(populate_existing=True)
    )
    return {account.id: account for account in accounts}


def fresh_hold(hold_id: int) -> Hold:
    """The hold re-read after its account was locked (its status may have changed)."""
    return db.session.execute(
        sa.select(Hold).where(Hold.id == hold_id).execution_options(populate_existing=True)
    ).scalar_one()


class Operation:
    """The entries one call writes, sharing its idempotency key.

    The first entry carries the key itself, the n-th `key#n`: every entry's key stays
    unique per account (I4), and a replay finds all of them by the key.
    """

    def __init__(self, account: CoopAccount, key: str | None, actor, on: date):
        self.account, self.key, self.actor, self.on = account, key, actor, on
        self.entries: list[LedgerEntry] = []

    def add(self, kind: EntryKind, amount: Decimal, bucket: str, **fields) -> LedgerEntry:
        """Write one entry and move the account's and the bucket's cached columns with it (I3)."""
        n = len(self.entries) + 1
        key = None if self.key is None else self.key if n == 1 else f"{self.key}#{n}"
        fields.setdefault("effective_on", self.on)
        entry = LedgerEntry(
            account_id=self.account.id,
            kind=kind,
            amount=amount,
            bucket=bucket,
            actor_id=getattr(self.actor, "id", None),
            idempotency_key=key,
            **fields,
        )
        db.session.add(entry)
        self.entries.append(entry)
        apply_moves({self.account.id: self.account}, [(self.account.id, kind, amount, bucket)])
        return entry

    def total(self, kind: EntryKind) -> Decimal:
        return sum((e.amount for e in self.entries if e.kind == kind), ZERO)


Move = tuple[int, EntryKind, Decimal, str]  # account id, kind, amount, bucket


@dataclass
class LockedAccount:
    """An account row read under its lock, without an ORM object (bulk imports lock hundreds)."""

    id: int
    organization_id: int
    program_id: int
    version: int
    earned: Decimal
    held: Decimal
    reimbursed: Decimal
    expired: Decimal
    available: Decimal


def lock_account_rows(account_ids) -> dict[int, LockedAccount]:
    """Accounts locked as `lock_accounts` does (id order), read as plain rows."""
    table = CoopAccount.__table__
    rows = db.session.execute(
        sa.select(
            table.c.id,
            table.c.organization_id,
            table.c.program_id,
            table.c.version,
            *(table.c[name] for name in BALANCE_FIELDS),
        )
        .where(db.among(table.c.id, sorted(set(account_ids))))
        .order_by(table.c.id)
        .with_for_update()
    )
    return {row.id: LockedAccount(*row) for row in rows}


def apply_moves(accounts: dict, moves: list[Move]) -> None:
    """Move the cached columns of the accounts (locked by the caller: `CoopAccount` objects or
    `LockedAccount` rows) and of their buckets by the entries being written in this
    transaction — the only place either cache changes (I3).

    Three or four statements whatever the number of entries: the buckets' rows read in one
    SELECT, changed ones updated and new ones inserted by executemany, the accounts updated by
    executemany with their version checked (a stale read fails instead of overwriting).
    """
    if not moves:
        return
    # Summed by account, bucket and kind first (one addition per entry), then weighted once
    # per sum: an import's 5,000 entries are a few thousand sums of one kind.
    by_kind: dict[tuple[int, str, EntryKind], Decimal] = {}
    for account_id, kind, amount, bucket in moves:
        key = (account_id, bucket, kind)
        by_kind[key] = by_kind.get(key, ZERO) + amount
    changes: dict[int, list[Decimal]] = {}
    deltas: dict[tuple[int, str], list[Decimal]] = {}
    for (account_id, bucket, kind), amount in by_kind.items():
        totals = changes.setdefault(account_id, [ZERO] * len(BALANCE_FIELDS))
        for i, weight in enumerate(EFFECTS[kind]):
            if weight:
                totals[i] += weight * amount
        sums = deltas.setdefault((account_id, bucket), [ZERO] * len(BUCKET_FIELDS))
        for i, weight in enumerate(BUCKET_EFFECTS[kind]):
            if weight:
                sums[i] += weight * amount
    _move_buckets(accounts, deltas)
    _move_accounts(accounts, changes)


def _move_accounts(accounts: dict, changes: dict[int, list[Decimal]]) -> None:
    table = CoopAccount.__table__
    params = []
    for account_id, totals in changes.items():
        account = accounts[account_id]
        values = {
            name: getattr(account, name) + delta
            for name, delta in zip(BALANCE_FIELDS, totals, strict=True)
        }
        if values["available"] < 0 or values["held"] < 0:  # callers check first: unreachable
            raise RuntimeError(f"co-op account {account_id} would go below zero")
        params.append({"b_id": account_id, "b_version": account.version, **values})
    changed = update_rows(table, params, ("b_id", "b_version"), bump_version=True)
    if changed != len(params):
        raise StaleDataError("a co-op account changed under its lock; nothing was written")
    for p in params:
        account = accounts[p["b_id"]]
        values = {name: p[name] for name in BALANCE_FIELDS} | {"version": p["b_version"] + 1}
        for name, value in values.items():
            if isinstance(account, CoopAccount):  # the ORM object says what the row says
                set_committed_value(account, name, value)
            else:
                setattr(account, name, value)


def _move_buckets(accounts: dict, deltas: dict[tuple[int, str], list[Decimal]]) -> None:
    table = CoopBucket.__table__
    existing = {
        (row.account_id, row.bucket): row
        for row in db.read(
            sa.select(
                table.c.id,
                table.c.account_id,
                table.c.bucket,
                *(table.c[name] for name in BUCKET_FIELDS),
            ).where(
                db.among(table.c.account_id, {a for a, _ in deltas}),
                table.c.bucket.in_({b for _, b in deltas}),
            )
        )
    }
    updates, inserts = [], []
    for (account_id, bucket), sums in deltas.items():
        row = existing.get((account_id, bucket))
        before = [getattr(row, name) for name in BUCKET_FIELDS] if row else [ZERO] * 4
        values = dict(
            zip(BUCKET_FIELDS, (b + d for b, d in zip(before, sums, strict=True)), strict=True)
        )
        free = values["earned"] - values["reimbursed"] - values["expired"] - values["held"]
        if values["held"] < 0 or free < 0:  # callers check first: unreachable
            raise RuntimeError(f"co-op account {account_id}, bucket {bucket} would go below zero")
        if row is not None:
            updates.append({"b_id": row.id, **values})
            continue
        account = accounts[account_id]
        program = db.session.get(CoopProgram, account.program_id)
        inserts.append(
            {
                "account_id": account_id,
                "program_id": account.program_id,
                "bucket": bucket,
                "expires_on": expires_on(program, bucket),
                **values,
            }
        )
    if updates:
        update_rows(table, updates, ("b_id",))
    if inserts:
        db.bulk_insert(table, inserts)


def update_rows(table: sa.Table, params: list[dict], keys: tuple[str, ...], bump_version=False):
    """Update many rows, each by its own values, and say how many rows changed. `keys` name
    the params matched against id (and version). PostgreSQL: one `UPDATE … FROM (SELECT
    unnest(…))` statement, a parameter per column (psycopg's executemany costs a round of
    Python per row); SQLite: one executemany."""
    names = [k for k in params[0] if k not in keys]
    match = {"b_id": "id", "b_version": "version"}
    if db.session.connection().dialect.name != "postgresql":
        # One executemany of a statement written for the driver, values converted by the
        # columns' types once (SQLAlchemy's per-row parameter work costs more than SQLite).
        sets = [f'"{n}" = ?' for n in names] + (["version = version + 1"] if bump_version else [])
        where = " AND ".join(f"{match[k]} = ?" for k in keys)
        columns = [*names, *(match[k] for k in keys)]
        rows = db.driver_rows(table, columns, ([p[n] for n in (*names, *keys)] for p in params))
        return db.driver_executemany(
            f'UPDATE "{table.name}" SET {", ".join(sets)} WHERE {where}', rows
        )
    # PostgreSQL: one statement whatever the number of rows, its values sent as one array
    # per column and unnested into rows — six parameters, not six per row, and nothing
    # for SQLAlchemy to compile per call (a VALUES list of 2,000 rows cost 0.3 s to build).
    dialect = db.session.connection().dialect
    columns = [*keys, *names]
    arrays = ", ".join(
        f'unnest(%s::{table.c[match.get(c, c)].type.compile(dialect=dialect)}[]) AS "{c}"'
        for c in columns
    )
    sets = [f'"{n}" = v."{n}"' for n in names]
    if bump_version:
        sets.append("version = t.version + 1")
    where = " AND ".join(f't.{match[k]} = v."{k}"' for k in keys)
    sql = f'UPDATE "{table.name}" AS t SET {", ".join(sets)} FROM (SELECT {arrays}) AS v WHERE {where}'
    db.session.flush()
    result = db.session.connection().exec_driver_sql(
        sql, tuple([p[c] for p in params] for c in columns)
    )
    return result.rowcount


# The columns of a ledger entry a bulk write gives, in the order of its tuples.
ENTRY_COLUMNS = (
    "account_id", "kind", "amount", "bucket", "hold_id", "rate", "purchase_line_id", "reason",
    "actor_id", "idempotency_key", "effective_on", "created_at",
)  # fmt: skip


def insert_entries(accounts: dict[int, CoopAccount], rows: list[tuple]) -> None:
    """Write many entries in one executemany INSERT (COPY on PostgreSQL) and move the caches
    with them (I3) — the bulk path of `Operation.add`, for imports. The accounts must be
    locked; each row is a tuple of `ENTRY_COLUMNS`' values."""
    if not rows:
        return
    db.insert_rows(LedgerEntry.__table__, ENTRY_COLUMNS, rows)
    apply_moves(accounts, [row[:4] for row in rows])


def operation_entries(account_id: int, key: str) -> list[LedgerEntry]:
    """The entries an earlier operation with this idempotency key wrote (none: a new one)."""
    return list(
        db.session.scalars(
            sa.select(LedgerEntry)
            .where(
                LedgerEntry.account_id == account_id,
                sa.or_(
                    LedgerEntry.idempotency_key == key,
                    LedgerEntry.idempotency_key.startswith(f"{key}#", autoescape=True),
                ),
            )
            .order_by(LedgerEntry.id)
        )
    )


def used_key(key: str) -> Conflict:
    """The conflict of an idempotency key sent again for a different request."""
    return Conflict(
        {
            "idempotency_key": [
                f"The idempotency key “{key}” was already used for a different request; "
                "use a new key for a new request."
            ]
        }
    )
