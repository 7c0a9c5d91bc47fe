"""Exports of the co-op ledger for the OEM's finance system (and for partners, their own
accounts): CSV with spreadsheet formulas neutralised, and JSON; streamed, filtered by
period or date range and organisation, scoped by hub.policy, audited.

Who may export: OEM staff who work with co-op money (program admin, channel managers)
every account; a partner's admin and dealer marketers the accounts in their scope (their
own; a distributor's also its dealers'). Everyone else gets a 403 — an account outside
the scope never shows: the pages and the API answer 404 for it.

Rows come in entry id order, read in batches (keyset: id > last), up to the last entry
that existed when the export began, so a large ledger streams in constant memory and
entries written meanwhile don't appear half-way.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from campaigns.coop.models import CoopAccount, CoopProgram, Hold, LedgerEntry, PurchaseLine
from campaigns.coop.money import amount_text
from campaigns.coop.periods import expires_on, next_bucket, period_start
from hub import audit, db, policy
from hub.dates import format_date
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Organization, Person, Role

BATCH = 2_000
FORMATS = ("csv", "json")
EXPORTING_ROLES = {
    Role.PROGRAM_ADMIN,
    Role.CHANNEL_MANAGER,
    Role.PARTNER_ADMIN,
    Role.DEALER_MARKETER,
}
COLUMNS = [
    "entry_id",
    "recorded_at",
    "effective_on",
    "organization_id",
    "organization",
    "kind",
    "amount",
    "currency",
    "bucket",
    "bucket_expires_on",
    "hold_id",
    "hold_reference",
    "rate",
    "purchase_external_id",
    "reason",
    "actor",
]


# --- Spreadsheet formula injection ----------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def neutralise(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading
    apostrophe (shown as text, never evaluated). A plain number such as -250.00 stays a
    number: a minus sign followed by digits is not a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_line(cells) -> str:
    """One CSV record (RFC 4180, CRLF) of neutralised cells."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise(c) for c in cells])
    return buffer.getvalue()


# --- Who and what -------------------------------------------------------------------------


def may_export(viewer: Person) -> bool:
    return viewer.role in EXPORTING_ROLES


def require_exporter(viewer: Person) -> None:
    if not may_export(viewer):
        raise PermissionError(
            "only the program admin, channel managers, partner admins and dealer marketers "
            "export the co-op ledger"
        )


def organizations_with_accounts(viewer: Person, program: CoopProgram) -> list[Organization]:
    """Organisations with an account in the program that the viewer may see, by name."""
    stmt = (
        sa.select(Organization)
        .join(CoopAccount, CoopAccount.organization_id == Organization.id)
        .where(CoopAccount.program_id == program.id)
        .order_by(Organization.name)
    )
    return list(db.session.scalars(policy.scope_by_organization(viewer, stmt, Organization.id)))


@dataclass(frozen=True)
class ExportFilter:
    """Which entries: of one organisation (or every account in scope), effective between
    two days (inclusive; None: open)."""

    organization: Organization | None = None
    period: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_dict(self) -> dict:
        return {
            "organization_id": self.organization.id if self.organization else None,
            "period": self.period,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }

    def slug(self) -> str:
        if self.period:
            return self.period
        if self.date_from or self.date_to:
            return f"{self.date_from or 'start'}_to_{self.date_to or 'today'}"
        return "all-dates"


def make_filter(
    program: CoopProgram,
    organization: Organization | None = None,
    period: str | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
) -> ExportFilter:
    """Read the filters people send (text from a form or query string), or say what's wrong.

    `period` is a year ("2026") or a quarter ("2026-Q2") and selects the entries effective
    in it — when the money moved, not which bucket it belongs to."""
    problems: dict[str, list[str]] = {}
    period = (period or "").strip() or None
    start = _day(date_from, "from", problems)
    end = _day(date_to, "to", problems)
    if period is not None:
        if start or end:
            problems["period"] = ["Choose a period or a date range, not both."]
        else:
            try:
                label = period.upper()
                start = period_start(label)
                end = period_start(next_bucket(program, label)) - timedelta(days=1)
                period = label
            except ValueError as exc:
                problems["period"] = [str(exc)]
    if start and end and end < start:
        problems["to"] = [f"The range ends ({end}) before it starts ({start}); swap the dates."]
    if problems:
        raise ValidationFailed(problems)
    return ExportFilter(organization, period, start, end)


def _day(value, name: str, problems: dict) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems[name] = [f"“{str(value)[:20]}” is not a date; write it like 2026-03-31."]
        return None


# --- The export ---------------------------------------------------------------------------


@dataclass
class Export:
    """One export about to stream: what it covers, how many entries, in which format."""

    viewer: Person
    program: CoopProgram
    filters: ExportFilter
    format: str
    last_entry_id: int
    count: int
    generated_at: str
    read: ReadAside

    @property
    def filename(self) -> str:
        who = f"org-{self.filters.organization.id}" if self.filters.organization else "all"
        program = re.sub(r"[^A-Za-z0-9]+", "-", self.program.name).strip("-").lower()
        return f"coop-ledger-{program}-{who}-{self.filters.slug()}.{self.format}"

    @property
    def content_type(self) -> str:
        return "text/csv; charset=utf-8" if self.format == "csv" else "application/json"

    def stream(self) -> Iterator[str]:
        return csv_stream(self) if self.format == "csv" else json_stream(self)


def _scoped(viewer: Person, program: CoopProgram, filters: ExportFilter, stmt: sa.Select):
    stmt = stmt.join(CoopAccount, CoopAccount.id == LedgerEntry.account_id).where(
        CoopAccount.program_id == program.id
    )
    stmt = policy.scope_by_organization(viewer, stmt, CoopAccount.organization_id)
    if filters.organization is not None:
        stmt = stmt.where(CoopAccount.organization_id == filters.organization.id)
    if filters.date_from:
        stmt = stmt.where(LedgerEntry.effective_on >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(LedgerEntry.effective_on <= filters.date_to)
    return stmt


def begin_export(
    viewer: Person, program: CoopProgram, filters: ExportFilter, fmt: str = "csv"
) -> Export:
    """Count what the export will hold and audit it; the caller then streams `Export.stream()`.

    The organisation in `filters` must already be one the viewer may see (the caller
    answers 404 otherwise, as everywhere)."""
    require_exporter(viewer)
    if fmt not in FORMATS:
        raise ValidationFailed({"format": ["Choose CSV or JSON."]})
    if filters.organization is not None and not policy.can_see_organization(
        viewer, filters.organization
    ):
        raise LookupError("organisation outside the viewer's scope")
    last = db.session.scalar(sa.select(sa.func.max(LedgerEntry.id))) or 0
    count = db.session.scalar(
        _scoped(viewer, program, filters, sa.select(sa.func.count(LedgerEntry.id))).where(
            LedgerEntry.id <= last
        )
    )
    generated = utcnow().isoformat(timespec="seconds") + "Z"
    export = Export(viewer, program, filters, fmt, last, count, generated, ReadAside())
    org = filters.organization
    audit.record(
        "coop.ledger_exported",
        program,
        actor=viewer,
        organization_id=org.id if org else (None if viewer.is_oem else viewer.organization_id),
        after={"format": fmt, "entries": count, **filters.as_dict()},
        summary=f"Co-op ledger exported as {fmt.upper()}: {count:,} entries of "
        f"{org.name if org else 'every account in scope'}"
        + (f", {filters.period}" if filters.period else "")
        + (
            f", from {format_date(filters.date_from)}"
            if filters.date_from and not filters.period
            else ""
        )
        + (
            f", to {format_date(filters.date_to)}" if filters.date_to and not filters.period else ""
        ),
    )
    db.session.flush()
    return export


def _rows(export: Export) -> Iterator[dict]:
    """The export's entries in id order, batch by batch (each read aside), as plain values."""
    after = 0
    while True:
        batch = export.read(_batch, export, after)
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1]["entry_id"]


def _batch(export: Export, after: int) -> list[dict]:
    """Up to BATCH entries after the entry id `after`. Viewer and program are read again:
    this may run in a session of its own (see `ReadAside`)."""
    program = db.session.get(CoopProgram, export.program.id)
    viewer = db.session.get(Person, export.viewer.id)
    stmt = _scoped(
        viewer,
        program,
        export.filters,
        sa.select(
            LedgerEntry.id,
            LedgerEntry.created_at,
            LedgerEntry.effective_on,
            CoopAccount.organization_id,
            Organization.name,
            LedgerEntry.kind,
            LedgerEntry.amount,
            LedgerEntry.bucket,
            LedgerEntry.hold_id,
            Hold.reference,
            LedgerEntry.rate,
            PurchaseLine.external_id,
            LedgerEntry.reason,
            Person.name,
        ),
    )
    stmt = (
        stmt.join(Organization, Organization.id == CoopAccount.organization_id)
        .outerjoin(Hold, Hold.id == LedgerEntry.hold_id)
        .outerjoin(PurchaseLine, PurchaseLine.id == LedgerEntry.purchase_line_id)
        .outerjoin(Person, Person.id == LedgerEntry.actor_id)
        .where(LedgerEntry.id > after, LedgerEntry.id <= export.last_entry_id)
        .order_by(LedgerEntry.id)
        .limit(BATCH)
    )
    expiry: dict[str, str] = {}
    rows = []
    for row in db.session.execute(stmt):
        (entry_id, created, effective, org_id, org_name, kind, amount, bucket, hold_id,
         reference, rate, external_id, reason, actor) = row  # fmt: skip
        if bucket not in expiry:
            expiry[bucket] = expires_on(program, bucket).isoformat()
        rows.append(
            {
                "entry_id": entry_id,
                "recorded_at": created.isoformat(timespec="seconds") + "Z",
                "effective_on": effective.isoformat(),
                "organization_id": org_id,
                "organization": org_name,
                "kind": kind.value,
                "amount": amount_text(amount),
                "currency": program.currency,
                "bucket": bucket,
                "bucket_expires_on": expiry[bucket],
                "hold_id": hold_id,
                "hold_reference": reference,
                "rate": None if rate is None else f"{rate:f}",
                "purchase_external_id": external_id,
                "reason": reason,
                "actor": actor,
            }
        )
    return rows


def csv_stream(export: Export) -> Iterator[str]:
    """The header, then the entries, a batch of records at a time."""
    yield csv_line(COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for n, row in enumerate(_rows(export), start=1):
        writer.writerow([neutralise(row[c]) for c in COLUMNS])
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def json_stream(export: Export) -> Iterator[str]:
    """One JSON object: what the export covers, then its entries (money as strings)."""
    program = export.program  # only what was loaded when the export began
    head = {
        "program": {"id": program.id, "name": program.name, "currency": program.currency},
        "filters": export.filters.as_dict(),
        "generated_at": export.generated_at,
        "last_entry_id": export.last_entry_id,
        "count": export.count,
    }
    yield json.dumps(head)[:-1] + ', "entries": ['
    parts = []
    for n, row in enumerate(_rows(export)):
        parts.append(("," if n else "") + "\n" + json.dumps(row))
        if len(parts) >= BATCH:
            yield "".join(parts)
            parts = []
    yield "".join(parts) + "\n]}\n"


class ReadAside:
    """Runs each read of a streamed body in a GET request context of its own, pushed and
    popped around that read only.

    The body streams after the request that began it has ended, and its transaction (which
    audited the export) began as a writer. Each batch is read instead in a fresh context
    and session: on SQLite a plain read transaction, holding no write lock while a large
    export streams. No context stays pushed between two chunks, so nothing is left behind
    however the server (or a test client) interleaves the stream with other work.
    Outside a request (scripts, benchmarks, tests of the service) reads run in place.
    """

    def __init__(self):
        self.app = current_app._get_current_object() if has_request_context() else None
        self.environ = (
            {**request.environ, "REQUEST_METHOD": "GET"} if self.app is not None else None
        )

    def __call__(self, read: Callable, *args):
        if self.app is None:
            return read(*args)
        with self.app.request_context(self.environ):
            return read(*args)
