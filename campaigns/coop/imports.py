"""CSV upload of ERP purchase lines: check the file, preview it, import it in chunks, report.

The way a file goes (docs/coop.md, "CSV import"):

1. **Upload** (`store_upload`): the bytes are checked — CSV text in UTF-8, the columns the
   API's purchase lines have, within `MAX_BYTES` and `MAX_ROWS` — and kept in the storage
   directory (shared by every process) with a `StoredFile` row. A bad file is refused with
   a sentence saying what to do; nothing is kept.
2. **Preview** (`preview`): the first rows as they will be read, the row count, and what
   will become of every row — new, already imported, conflict, error — with line numbers.
   It reads the ledger but writes nothing.
3. **Start** (`start_import`): the program admin confirms. The import is pinned to the
   program and chunk size of that moment.
4. **Chunks** (`run_next_chunk`): each call imports the next `CHUNK_ROWS` rows through
   `purchases.record_purchases` — the service the API uses — and records what became of each
   row in an audit event, in the same transaction: a chunk is all or nothing, and the
   progress can never disagree with the ledger. The browser drives the chunks one request
   after another (htmx), so any process behind the load balancer can run the next one,
   nothing runs in the background, and a closed tab just pauses the import: opening the
   page again continues it. The upload row is locked while a chunk runs, so two tabs never
   run the same chunk.
5. **Report** (`import_state`, `report_rows`): accepted, duplicates skipped, conflicts and
   errors with line numbers, downloadable as CSV.

Idempotency comes from the ledger: a purchase line's external_id is unique per program, so
replaying a file (or a chunk) changes nothing and reports duplicates.

An external_id on several lines of one file: the first line that can be read is the one
imported; every later line is a duplicate when it says the same, a conflict when it doesn't.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from campaigns.coop.import_uploads import (  # the upload step; its names are read from here too
    FOLDER,
    UPLOADED,  # noqa: F401
    clean_filename,  # noqa: F401
    get_upload_or_404,  # noqa: F401
    read_upload,
    require_import_admin,
    store_upload,
    stored_bytes,
)
from campaigns.coop.models import CoopProgram
from campaigns.coop.money import ZERO, Invalid, format_money, quantize
from campaigns.coop.periods import check_date
from campaigns.coop.purchase_csv import (
    COLUMNS,
    MAX_BYTES,  # noqa: F401 — the upload's limits, read from here by tests too
    MAX_ROWS,  # noqa: F401
    Layout,
    Row,
    chunk_starts,
    decode,
    external_ids,
    line_dict,
    rows,
    rows_at,
    rows_with_ids,
    with_partners,
)
from campaigns.coop.purchases import (
    ParsedLine,
    PurchaseChecks,
    describe_changes,
    imported_lines,
    parse_purchase_line,
    record_purchases,
    stored_line,
)
from hub import audit, db
from hub.dates import format_date
from hub.errors import ValidationFailed
from hub.models import AuditEvent, Person, StoredFile

# Twice the API's largest batch: an import's work per chunk — each account touched is
# locked, rewritten and audited once, each index page touched is written (and, on SQLite,
# written to the log and checkpointed) once — spreads over more lines: +15–56 % lines/s
# on SQLite against 5,000 (docs/performance.md, "Session 13"). A chunk still takes about
# half a second, so the page's progress moves often and no writer waits long on its locks.
CHUNK_ROWS = 10_000
SAMPLE_ROWS = 10
SHOWN_PROBLEMS = 100

STARTED, CHUNK, FINISHED = "coop.import_started", "coop.import_chunk", "coop.import_finished"


# --- Repeated external ids ------------------------------------------------------------------


def _repeats(text: str, layout: Layout, program: CoopProgram, today: date) -> list[list]:
    """[line, first line, conflict sentence or None] for each line whose external_id an
    earlier readable line of the file already has (None: it says the same — a duplicate)."""
    first: dict[str, tuple[int, ParsedLine]] = {}
    out = []
    # Only rows whose external_id (as written) appears more than once can repeat: read
    # those alone.
    seen = Counter(external_ids(text, layout))
    wanted = {external_id for external_id, times in seen.items() if times > 1}
    repeated = list(rows_with_ids(text, layout, wanted)) if wanted else []
    for row in with_partners(repeated):
        if row.problem:
            continue
        try:
            parsed = parse_purchase_line(line_dict(row), program, today)
        except Invalid:
            continue
        earlier = first.get(parsed.external_id)
        if earlier is None:
            first[parsed.external_id] = (row.line, parsed)
            continue
        line, original = earlier
        detail = None
        if original.content_hash() != parsed.content_hash():
            detail = (
                f"{parsed.external_id} is also on line {line} with other details "
                f"({describe_changes(original.content(), parsed.content())}); only line {line} is "
                "imported. Give each purchase line its own external_id."
            )
        out.append([row.line, line, detail])
    return out


# --- Upload and preview -------------------------------------------------------------------


@dataclass
class SampleRow:
    line: int
    values: dict[str, str]
    organization: str
    product_line: str
    accrual: Decimal | None
    outcome: str  # new, duplicate, conflict, error


@dataclass
class Preview:
    """What importing the file would do, read from the ledger without writing to it."""

    rows: int
    columns: list[str]
    ignored: tuple[str, ...]
    sample: list[SampleRow]
    new: int = 0
    duplicates: int = 0
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    accrued: Decimal = ZERO

    @property
    def problems(self) -> list[tuple[int, str, str]]:
        """Conflicts and errors by line: (line, "conflict" | "error", sentence)."""
        merged = [(line, "conflict", d) for line, d in self.conflicts] + [
            (line, "error", d) for line, d in self.errors
        ]
        return sorted(merged)


@db.collector_paused()  # thousands of rows made and freed: no cyclic collector passes
def preview(upload: StoredFile, program: CoopProgram, today: date | None = None) -> Preview:
    """The preview of an upload: what each row would become if imported now.

    The same checks `purchases.record_purchases` makes, made read-only: the report after the
    import is the authority (the ledger may change in between)."""
    today = check_date(today)
    text, layout = read_upload(upload)
    result = Preview(
        rows=layout.rows, columns=sorted(layout.positions, key=COLUMNS.index),
        ignored=layout.ignored, sample=[],
    )  # fmt: skip
    repeats = {
        line: (first, detail) for line, first, detail in _repeats(text, layout, program, today)
    }
    outcomes: dict[int, tuple[str, ParsedLine | None]] = {}
    candidates: list[tuple[Row, ParsedLine]] = []
    for row in with_partners(rows(text, layout)):
        if row.problem:
            result.errors.append((row.line, _with_id(row, row.problem)))
            outcomes[row.line] = ("error", None)
            continue
        try:
            parsed = parse_purchase_line(line_dict(row), program, today)
        except Invalid as exc:
            result.errors.append((row.line, str(exc)))
            outcomes[row.line] = ("error", None)
            continue
        if row.line in repeats:
            _first, detail = repeats[row.line]
            if detail is None:
                result.duplicates += 1
                outcomes[row.line] = ("duplicate", parsed)
            else:
                result.conflicts.append((row.line, detail))
                outcomes[row.line] = ("conflict", parsed)
            continue
        candidates.append((row, parsed))

    checks = PurchaseChecks.load(program, [p for _r, p in candidates])
    organizations, product_lines = checks.organizations, checks.product_lines
    existing = imported_lines(program, [p.external_id for _r, p in candidates])
    accruals: dict[int, Decimal] = {}
    for row, parsed in candidates:
        try:
            rate = checks.rate(parsed)
        except Invalid as exc:
            result.errors.append((row.line, str(exc)))
            outcomes[row.line] = ("error", parsed)
            continue
        stored = existing.get(parsed.external_id)
        if stored is not None:
            if stored.content_hash == parsed.content_hash():
                result.duplicates += 1
                outcomes[row.line] = ("duplicate", parsed)
            else:
                day, content = stored_line(stored.id)
                result.conflicts.append(
                    (
                        row.line,
                        f"{parsed.external_id} was imported on {format_date(day)} with other details "
                        f"({describe_changes(content, parsed.content())}); it will be "
                        "skipped. Send a correction as a new line with its own id.",
                    )
                )
                outcomes[row.line] = ("conflict", parsed)
            continue
        accrual = quantize(parsed.amount * rate)
        accruals[row.line] = accrual
        result.new += 1
        result.accrued += accrual
        outcomes[row.line] = ("new", parsed)
    result.errors.sort()
    result.conflicts.sort()

    for row in rows(text, layout, 0, SAMPLE_ROWS):
        outcome, parsed = outcomes.get(row.line, ("error", None))
        org = organizations.get(parsed.organization_id) if parsed else None
        line = product_lines.get(parsed.product_line_id) if parsed else None
        result.sample.append(
            SampleRow(
                line=row.line,
                values=row.values,
                organization=org.name if org else "",
                product_line=line.name if line else "",
                accrual=accruals.get(row.line),
                outcome=outcome,
            )
        )
    return result


def _with_id(row: Row, sentence: str) -> str:
    return (
        f"{row.external_id}: {sentence}" if row.external_id else sentence[0].upper() + sentence[1:]
    )


# --- The import, chunk by chunk -------------------------------------------------------------


@dataclass
class ImportState:
    """Where an upload stands: previewed, running (chunks done so far) or finished."""

    upload: StoredFile
    started: AuditEvent | None
    chunks: list[dict]
    finished: AuditEvent | None

    @property
    def status(self) -> str:
        if self.finished is not None:
            return "finished"
        return "running" if self.started is not None else "preview"

    @property
    def plan(self) -> dict:
        return self.started.after if self.started is not None else {}

    @property
    def rows(self) -> int:
        return self.plan.get("rows", 0)

    @property
    def rows_done(self) -> int:
        return sum(c["rows"] for c in self.chunks)

    @property
    def percent(self) -> int:
        return 100 if not self.rows else self.rows_done * 100 // self.rows

    @property
    def next_chunk(self) -> int:
        return len(self.chunks)

    @property
    def accepted(self) -> int:
        return sum(c["accepted"] for c in self.chunks)

    @property
    def duplicates(self) -> int:
        return sum(len(c["duplicates"]) + len(c["repeats"]) for c in self.chunks)

    @property
    def conflicts(self) -> list[tuple[int, str]]:
        return sorted(tuple(x) for c in self.chunks for x in c["conflicts"])

    @property
    def errors(self) -> list[tuple[int, str]]:
        return sorted(tuple(x) for c in self.chunks for x in c["errors"])

    @property
    def accrued(self) -> Decimal:
        return sum((Decimal(c["accrued"]) for c in self.chunks), ZERO)

    @property
    def problems(self) -> list[tuple[int, str, str]]:
        merged = [(line, "conflict", d) for line, d in self.conflicts] + [
            (line, "error", d) for line, d in self.errors
        ]
        return sorted(merged)


def import_state(upload: StoredFile) -> ImportState:
    """The upload's import as its audit events record it (written with each chunk)."""
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == "StoredFile",
            AuditEvent.object_id == str(upload.id),
            AuditEvent.action.in_((STARTED, CHUNK, FINISHED)),
        )
        .order_by(AuditEvent.id)
    ).all()
    started = next((e for e in events if e.action == STARTED), None)
    finished = next((e for e in events if e.action == FINISHED), None)
    chunks = [e.after for e in events if e.action == CHUNK]
    return ImportState(upload, started, chunks, finished)


def _lock(upload: StoredFile) -> StoredFile:
    # Two tabs (or two processes) never run the same chunk: the second waits here, then
    # sees the first one's chunk event. SQLite: the write transaction already holds the lock.
    return db.session.execute(
        sa.select(StoredFile)
        .where(StoredFile.id == upload.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


@db.collector_paused()  # thousands of rows made and freed: no cyclic collector passes
def start_import(
    upload: StoredFile,
    program: CoopProgram,
    actor: Person,
    today: date | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportState:
    """Confirm the import of an upload into the program (once; again changes nothing).
    The chunk size is pinned here, so a running import never changes its chunks."""
    require_import_admin(actor)
    today = check_date(today)
    upload = _lock(upload)
    state = import_state(upload)
    if state.started is not None:
        return state
    if not program.active:
        raise ValidationFailed(f"{program.name} is closed; it accepts no new purchases.")
    text, layout = read_upload(upload)
    chunks = -(-layout.rows // chunk_rows)
    audit.record(
        STARTED,
        upload,
        actor=actor,
        after={
            "program_id": program.id,
            "filename": upload.filename,
            "rows": layout.rows,
            "chunk_rows": chunk_rows,
            "chunks": chunks,
            "repeats": _repeats(text, layout, program, today),
            # Where each chunk starts, and the columns: a chunk reads only its own rows.
            "starts": chunk_starts(text, layout, chunk_rows),
            "layout": [layout.delimiter, layout.positions, layout.header_width],
        },
        summary=f"Import of {upload.filename} into {program.name} started: {layout.rows:,} "
        f"line(s) in {chunks} chunk(s)",
    )
    db.session.flush()
    return import_state(upload)


@db.collector_paused()  # thousands of rows made and freed: no cyclic collector passes
def run_next_chunk(upload: StoredFile, actor: Person, today: date | None = None) -> ImportState:
    """Import the next chunk of a started upload, all or nothing, and record what became of
    each of its rows. Nothing happens once the import has finished."""
    require_import_admin(actor)
    upload = _lock(upload)
    state = import_state(upload)
    if state.started is None:
        raise ValidationFailed("Confirm the import on its preview first.")
    if state.finished is not None:
        return state
    plan = state.plan
    program = db.session.get(CoopProgram, plan["program_id"])
    size = plan["chunk_rows"]
    number = state.next_chunk
    if "starts" in plan:  # the file was checked when the import started; it never changes
        text = decode(stored_bytes(upload))
        delimiter, positions, width = plan["layout"]
        layout = Layout(delimiter, positions, width, (), plan["rows"])
        offset, line = plan["starts"][number]
        chunk_rows = with_partners(rows_at(text, layout, offset, line, size))
    else:  # an import started before chunks knew where they start
        text, layout = read_upload(upload)
        chunk_rows = with_partners(rows(text, layout, number * size, (number + 1) * size))
    repeats = {line: (first, detail) for line, first, detail in plan["repeats"]}

    outcome = {"chunk": number, "rows": len(chunk_rows), "accepted": 0, "accrued": "0.00"}
    outcome |= {"first_line": chunk_rows[0].line, "last_line": chunk_rows[-1].line}
    errors, conflicts, duplicates, repeated = [], [], [], []
    batch: list[dict] = []
    batch_lines: list[Row] = []
    for row in chunk_rows:
        if row.problem:
            errors.append([row.line, _with_id(row, row.problem)])
        elif row.line in repeats:
            first, detail = repeats[row.line]
            if detail is None:
                repeated.append([row.line, first])
            else:
                conflicts.append([row.line, detail])
        else:
            batch.append(line_dict(row))
            batch_lines.append(row)
    if batch:
        report = record_purchases(program, batch, actor, today=today)
        errors += [[batch_lines[index].line, detail] for index, detail in report.errors]
        refused = {index for index, _detail in report.errors}
        line_of: dict[str, int] = {}
        for index, row in enumerate(batch_lines):
            if index not in refused:
                line_of.setdefault(row.external_id, row.line)
        duplicates += sorted(line_of[x] for x in report.duplicates)
        conflicts += [[line_of[x], detail] for x, detail in report.conflicts]
        outcome["accepted"] = len(report.accepted)
        outcome["accrued"] = str(report.accrued)
    outcome |= {
        "duplicates": duplicates,
        "repeats": repeated,
        "conflicts": sorted(conflicts),
        "errors": sorted(errors),
    }
    audit.record(
        CHUNK,
        upload,
        actor=actor,
        after=outcome,
        summary=f"{upload.filename}, lines {outcome['first_line']}–{outcome['last_line']}: "
        f"{outcome['accepted']} accepted, {len(duplicates) + len(repeated)} duplicate(s), "
        f"{len(conflicts)} conflict(s), {len(errors)} error(s)",
    )
    state.chunks.append(outcome)
    if number + 1 >= plan["chunks"]:
        totals = {
            "rows": state.rows_done,
            "accepted": state.accepted,
            "duplicates": state.duplicates,
            "conflicts": len(state.conflicts),
            "errors": len(state.errors),
            "accrued": str(state.accrued),
        }
        audit.record(
            FINISHED,
            upload,
            actor=actor,
            after=totals,
            summary=f"Import of {upload.filename} into {program.name} finished: "
            f"{totals['accepted']:,} accepted, {totals['duplicates']:,} duplicate(s), "
            f"{totals['conflicts']:,} conflict(s), {totals['errors']:,} error(s), "
            f"{format_money(state.accrued, program.currency)} accrued",
        )
        # Thousands of lines, entries and buckets later, the planner's statistics are
        # out of date (on SQLite, which keeps none by itself): the overview needs them.
        db.refresh_statistics()
    db.session.flush()
    return import_state(upload)


def import_file(
    data: bytes,
    filename: str,
    program: CoopProgram,
    actor: Person,
    today: date | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
    commit=None,
) -> ImportState:
    """Upload, start and run every chunk in one go, for scripts, benchmarks and tests (the
    pages run one chunk per request). `commit`, if given, is called after each step — a
    chunk per transaction, as on the pages."""
    commit = commit or (lambda: None)
    upload = store_upload(data, filename, actor)
    start_import(upload, program, actor, today, chunk_rows=chunk_rows)
    commit()
    while True:
        state = run_next_chunk(upload, actor, today)
        commit()
        if state.status == "finished":
            return state


# --- The report ---------------------------------------------------------------------------


REPORT_COLUMNS = ["line", "external_id", "outcome", "detail"]


def report_rows(state: ImportState) -> Iterator[list[str]]:
    """Every line of the file and what became of it, in file order (header first)."""
    yield REPORT_COLUMNS
    outcome: dict[int, tuple[str, str]] = {}
    for chunk in state.chunks:
        for line in chunk["duplicates"]:
            outcome[line] = ("duplicate", "Imported before with the same details; skipped.")
        for line, first in chunk["repeats"]:
            outcome[line] = ("duplicate", f"The same as line {first}; skipped.")
        for line, detail in chunk["conflicts"]:
            outcome[line] = ("conflict", detail)
        for line, detail in chunk["errors"]:
            outcome[line] = ("error", detail)
    text, layout = read_upload(state.upload)
    done = state.rows_done
    for number, row in enumerate(rows(text, layout)):
        if number >= done:
            kind, detail = "not imported yet", ""
        else:
            kind, detail = outcome.get(row.line, ("accepted", ""))
        yield [str(row.line), row.external_id, kind, detail]


def recent_imports(limit: int = 10) -> list[ImportState]:
    """The latest uploads and where each stands, newest first."""
    uploads = db.session.scalars(
        sa.select(StoredFile)
        .where(StoredFile.path.startswith(FOLDER + "/", autoescape=True))
        .order_by(StoredFile.id.desc())
        .limit(limit)
    ).all()
    return [import_state(upload) for upload in uploads]
