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

from campaigns.coop import period_totals
from campaigns.coop.balances import BALANCE_FIELDS, BUCKET_EFFECTS, BUCKET_FIELDS, EFFECTS
from campaigns.coop.models import CoopAccount, CoopBucket, CoopProgram, EntryKind, Hold, LedgerEntry
from campaigns.coop.money import ZERO
from campaigns.coop.periods import expires_on
from hub import bulk, db
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


@dataclass(slots=True)
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


def _steps(effects: dict) -> dict:
    """Each kind's effects as (column index, +1 or -1) for the columns it moves: the weights
    are all ±1, so a move is one addition or subtraction, not a multiplication."""
    if any(w not in (-1, 0, 1) for weights in effects.values() for w in weights):
        raise ValueError("an entry moves a cached column by +1, -1 or 0 times its amount")
    return {
        kind: tuple((i, w) for i, w in enumerate(weights) if w) for kind, weights in effects.items()
    }


_ACCOUNT_STEPS, _BUCKET_STEPS = _steps(EFFECTS), _steps(BUCKET_EFFECTS)


def apply_moves(accounts: dict, moves: list[Move]) -> None:
    """Move the cached columns of the accounts (locked by the caller: `CoopAccount` objects or
    `LockedAccount` rows) and of their buckets by the entries being written in this
    transaction — the only place either cache changes (I3).

    Three statements whatever the number of entries: the buckets' rows made (when new) and
    moved by their deltas, the accounts updated by executemany with their version checked (a
    stale read fails instead of overwriting).
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
        totals = changes.get(account_id)
        if totals is None:
            totals = changes[account_id] = [ZERO] * len(BALANCE_FIELDS)
        for i, weight in _ACCOUNT_STEPS[kind]:
            totals[i] += amount if weight > 0 else -amount
        sums = deltas.get((account_id, bucket))
        if sums is None:
            sums = deltas[account_id, bucket] = [ZERO] * len(BUCKET_FIELDS)
        for i, weight in _BUCKET_STEPS[kind]:
            sums[i] += amount if weight > 0 else -amount
    _move_buckets(accounts, deltas)
    _move_accounts(accounts, changes)


def _move_accounts(accounts: dict, changes: dict[int, list[Decimal]]) -> None:
    table = CoopAccount.__table__
    # Only the columns some entry moves are written (an import's accruals move earned and
    # available alone).
    moving = [
        (i, name)
        for i, name in enumerate(BALANCE_FIELDS)
        if any(totals[i] for totals in changes.values())
    ]
    checked = [name for _i, name in moving if name in ("available", "held")]
    params = []
    for account_id, totals in changes.items():
        account = accounts[account_id]
        values = {name: getattr(account, name) + totals[i] for i, name in moving}
        if any(values[name] < 0 for name in checked):  # callers check first: unreachable
            raise RuntimeError(f"co-op account {account_id} would go below zero")
        values["b_id"], values["b_version"] = account_id, account.version
        params.append(values)
    changed = update_rows(table, params, ("b_id", "b_version"), bump_version=True)
    if changed != len(params):
        raise StaleDataError("a co-op account changed under its lock; nothing was written")
    for p in params:
        account = accounts[p["b_id"]]
        values = {name: p[name] for _i, name in moving} | {"version": p["b_version"] + 1}
        if isinstance(account, CoopAccount):  # the ORM object says what the row says
            for name, value in values.items():
                set_committed_value(account, name, value)
        else:
            for name, value in values.items():
                setattr(account, name, value)


def _move_buckets(accounts: dict, deltas: dict[tuple[int, str], list[Decimal]]) -> None:
    """Add the deltas to the buckets' rows in the database — one statement on PostgreSQL,
    two executemany on SQLite, whatever the number of buckets: a bucket's row is made at
    its first entry and moved by its deltas, never read back into Python first. Exact on both
    databases: PostgreSQL adds NUMERIC; SQLite, which stores Numeric as REAL, adds whole
    cents (`round(x * 100)`) and divides once — the same REAL a Python Decimal sum would
    store. The table's checks refuse a bucket below zero (held < 0 or free < 0), which
    callers have made unreachable by checking first (I2)."""
    table = CoopBucket.__table__
    programs: dict[int, CoopProgram] = {}
    last_days: dict[tuple[int, str], date] = {}
    rows = []
    for (account_id, bucket), sums in deltas.items():
        program_id = accounts[account_id].program_id
        key = (program_id, bucket)
        last_day = last_days.get(key)
        if last_day is None:
            program = programs.get(program_id) or programs.setdefault(
                program_id, db.session.get(CoopProgram, program_id)
            )
            last_day = last_days[key] = expires_on(program, bucket)
        rows.append((account_id, program_id, bucket, last_day, *sums))
    period_totals.stage(rows)  # the programs' periods, moved alike as the transaction ends
    columns = ("account_id", "program_id", "bucket", "expires_on", *BUCKET_FIELDS)
    if db.session.connection().dialect.name == "postgresql":
        _add_to_buckets_postgresql(table, columns, rows)
        return
    # SQLite checks a row's CHECK constraints before its unique key, so an upsert of the
    # deltas would refuse a hold on an existing bucket: the missing rows are made empty
    # first (a no-op for those that exist), then every row moved by its deltas.
    names = ", ".join(f'"{c}"' for c in columns[:4])
    keys = bulk.driver_rows(table, columns[:4], [row[:4] for row in rows])
    bulk.driver_executemany(
        f'INSERT INTO "{table.name}" ({names}, {", ".join(BUCKET_FIELDS)}) '
        "VALUES (?, ?, ?, ?, 0, 0, 0, 0) "
        "ON CONFLICT (account_id, bucket) DO NOTHING",
        keys,
    )
    # Only the columns some entry moves (an import's accruals move earned alone).
    moving = [i for i in range(len(BUCKET_FIELDS)) if any(row[4 + i] for row in rows)]
    if not moving:
        return
    adds = ", ".join(
        f'"{BUCKET_FIELDS[i]}" = (round("{BUCKET_FIELDS[i]}" * 100) + ?) / 100.0' for i in moving
    )
    bulk.driver_executemany(
        f'UPDATE "{table.name}" SET {adds} WHERE account_id = ? AND bucket = ?',
        [(*(int(row[4 + i].scaleb(2)) for i in moving), row[0], row[2]) for row in rows],
    )


def _add_to_buckets_postgresql(table: sa.Table, columns: tuple, rows: list[tuple]) -> None:
    """PostgreSQL's `_move_buckets`: the rows that exist moved by one UPDATE … FROM the
    deltas (sent as one array per column), the others inserted from the same deltas, in one
    statement — no INSERT … ON CONFLICT, which would take an id from the sequence for every
    row it updates. The accounts are locked, so no one else makes their buckets meanwhile."""
    dialect = db.session.connection().dialect
    arrays = ", ".join(
        f'unnest(%s::{table.c[c].type.compile(dialect=dialect)}[]) AS "{c}"' for c in columns
    )
    sets = ", ".join(f'"{n}" = t."{n}" + v."{n}"' for n in BUCKET_FIELDS)
    names = ", ".join(f'"{c}"' for c in columns)
    sql = (
        f"WITH v AS (SELECT {arrays}), "
        f'moved AS (UPDATE "{table.name}" AS t SET {sets} FROM v '
        "WHERE t.account_id = v.account_id AND t.bucket = v.bucket "
        "RETURNING t.account_id, t.bucket) "
        f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM v '
        "WHERE NOT EXISTS (SELECT FROM moved "
        "WHERE moved.account_id = v.account_id AND moved.bucket = v.bucket)"
    )
    db.session.flush()
    db.session.connection().exec_driver_sql(
        sql, tuple(list(column) for column in zip(*rows, strict=True))
    )


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
        rows = bulk.driver_rows(table, columns, ([p[n] for n in (*names, *keys)] for p in params))
        return bulk.driver_executemany(
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
    bulk.insert_rows(LedgerEntry.__table__, ENTRY_COLUMNS, rows)
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
