"""Reading an uploaded CSV file of ERP purchase lines: checked as text in UTF-8, its
columns found (in any order, with a comma, semicolon or tab), its rows counted and read
with the line each starts on. Every refusal is a sentence saying what to do."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from hub import db
from hub.errors import ValidationFailed
from hub.models import Organization

MAX_ROWS = 200_000
MAX_BYTES = 32 * 1024 * 1024
REQUIRED_COLUMNS = ("external_id", "organization_id", "amount", "currency", "purchased_on")
# The partner is named by organization_id, or by the ERP's own account number, or both
# (a row may use either; organization_id wins where a row has both).
PARTNER_COLUMNS = ("organization_id", "erp_account_number")
OPTIONAL_COLUMNS = ("product_line_id", "erp_account_number")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TEMPLATE = (
    "external_id,erp_account_number,organization_id,amount,currency,purchased_on,product_line_id\r\n"
    "INV-2026-0001,C-10442,,12500.00,{currency},{day},\r\n"
)
FIELD = "file"


def refuse(sentence: str) -> ValidationFailed:
    """A refusal of the uploaded file, shown beside its field."""
    return ValidationFailed({FIELD: [sentence]})


@dataclass(frozen=True)
class Layout:
    """How a checked file is laid out: its delimiter, which column holds what, its rows."""

    delimiter: str
    positions: dict[str, int]  # column name → index in a row
    header_width: int
    ignored: tuple[str, ...]  # columns of the file the import does not use
    rows: int  # data rows (blank lines not counted)


class Row(NamedTuple):
    """One data row: the line it starts on, the purchase line fields, or why it can't be read.
    A tuple: an import chunk reads thousands."""

    line: int
    values: dict[str, str]
    problem: str | None = None

    @property
    def external_id(self) -> str:
        return (self.values.get("external_id") or "").strip()


def _normalise(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().strip('"').lower())


def decode(data: bytes) -> str:
    """The file as text, or a sentence saying why it isn't UTF-8 CSV and what to do."""
    if not data or not data.strip():
        raise refuse("The file is empty. Export the purchase lines from the ERP again.")
    if len(data) > MAX_BYTES:
        raise refuse(too_big(len(data)))
    if data.startswith(b"PK\x03\x04"):
        raise refuse(
            "This is an Excel workbook (or another zip file), not a CSV file. In Excel choose "
            "File → Save As → “CSV UTF-8 (Comma delimited)” and upload that file."
        )
    if data.startswith(b"%PDF"):
        raise refuse("This is a PDF, not a CSV file. Export the purchase lines as CSV.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse(
            "This file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8” instead "
            "and upload it again."
        )
    if b"\x00" in data[:65536]:
        raise refuse("This is not a text file, so it can't be CSV. Export the lines as CSV.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        raise refuse(
            f"The file is not UTF-8 text: line {line} has a byte (0x{byte}) UTF-8 does not use — "
            "it was probably saved in a Windows or Excel encoding. Save it as “CSV UTF-8” "
            "(or export it from the ERP as UTF-8) and upload it again."
        ) from None
    return text.removeprefix("\ufeff")


def too_big(size: int) -> str:
    """The sentence refusing a file of `size` bytes."""
    return (
        f"The file is {size / 1024 / 1024:.1f} MB; one upload takes at most "
        f"{MAX_BYTES // 1024 // 1024} MB (and {MAX_ROWS:,} lines). Split it into smaller "
        "files — lines imported twice are recognised and skipped, so overlaps are safe."
    )


def _reader(text: str, delimiter: str):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def _delimiter(first_line: str) -> str:
    """Comma, semicolon (European spreadsheets) or tab: whichever names the most columns."""

    def known(delimiter: str) -> int:
        return sum(_normalise(c) in COLUMNS for c in first_line.split(delimiter))

    return max((",", ";", "\t"), key=lambda d: (known(d), first_line.count(d)))


def inspect(text: str) -> Layout:
    """Check the header and every row's shape; count the rows. Refuses the file with a
    sentence when it can't be imported as a whole (columns missing, not CSV, too long)."""
    first_line = text.split("\n", 1)[0]
    delimiter = _delimiter(first_line)
    reader = _reader(text, delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise refuse("The first line can't be read as CSV column names.") from None
    names = [_normalise(c) for c in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in COLUMNS:
            if name in positions:
                raise refuse(f"The column “{name}” appears twice in the first line; keep one.")
            positions[name] = index
    expected = ", ".join(REQUIRED_COLUMNS).replace(
        "organization_id", "organization_id (or erp_account_number)"
    )
    if not positions:
        raise refuse(
            f"The first line must name the columns ({expected}, and optionally "
            f"product_line_id); it reads “{first_line[:80]}”. Add that line of column names."
        )
    missing = [
        c
        for c in REQUIRED_COLUMNS
        if c not in positions and not (c == "organization_id" and "erp_account_number" in positions)
    ]
    if missing:
        raise refuse(
            f"The file has no column {' or '.join(f'“{c}”' for c in missing)}. The first line "
            f"must name these columns: {expected} (and optionally product_line_id)."
        )
    ignored = tuple(h.strip() for h, n in zip(header, names, strict=True) if n not in COLUMNS)
    rows = 0
    start = reader.line_num + 1
    try:
        for record in reader:
            if _filled(record):
                rows += 1
                if rows > MAX_ROWS:
                    raise refuse(
                        f"The file has more than {MAX_ROWS:,} purchase lines; split it into "
                        "smaller files — lines imported twice are recognised and skipped."
                    )
            start = reader.line_num + 1
    except csv.Error as exc:
        raise refuse(
            f"Line {start} can't be read as CSV ({exc}). Check it for a quote (\") that is "
            "not closed, or a value with a delimiter that is not in quotes."
        ) from None
    if rows == 0:
        raise refuse("The file has column names but no purchase lines.")
    return Layout(delimiter, positions, len(header), ignored, rows)


def rows(text: str, layout: Layout, start: int = 0, stop: int | None = None) -> Iterator[Row]:
    """The data rows numbered start to stop (0-based, blank lines skipped), with the line
    each starts on (the column names are line 1)."""
    reader = _reader(text, layout.delimiter)
    next(reader)
    number = 0
    line = reader.line_num + 1
    for record in reader:
        here, line = line, reader.line_num + 1
        if not _filled(record):
            continue
        if stop is not None and number >= stop:
            return
        if number >= start:
            yield _row(here, record, layout)
        number += 1


def external_ids(text: str, layout: Layout) -> Iterator[str]:
    """The external_id (as written, stripped) of every data row, in order — without making
    the rows."""
    index = layout.positions.get("external_id")
    reader = _reader(text, layout.delimiter)
    next(reader)
    for record in reader:
        if _filled(record):
            yield record[index].strip() if index is not None and index < len(record) else ""


def rows_with_ids(text: str, layout: Layout, wanted: set[str]) -> Iterator[Row]:
    """The data rows (as `rows` gives them) whose external_id is one of `wanted`."""
    index = layout.positions.get("external_id")
    reader = _reader(text, layout.delimiter)
    next(reader)
    line = reader.line_num + 1
    for record in reader:
        here, line = line, reader.line_num + 1
        if not _filled(record):
            continue
        value = record[index].strip() if index is not None and index < len(record) else ""
        if value in wanted:
            yield _row(here, record, layout)


def chunk_starts(text: str, layout: Layout, size: int) -> list[tuple[int, int]]:
    """Where every `size`-th data row starts: (character offset in the text, line number),
    so a chunk reads its own rows (`rows_at`) instead of the file from its beginning."""
    stream = io.StringIO(text, newline="")
    consumed = 0

    def lines():
        nonlocal consumed
        for line in stream:
            consumed += len(line)
            yield line

    reader = csv.reader(lines(), delimiter=layout.delimiter, strict=True)
    next(reader)
    starts, number = [], 0
    offset, line = consumed, reader.line_num + 1
    for record in reader:
        if _filled(record):
            if number % size == 0:
                starts.append((offset, line))
            number += 1
        offset, line = consumed, reader.line_num + 1
    return starts


def rows_at(text: str, layout: Layout, offset: int, line: int, count: int) -> Iterator[Row]:
    """`count` data rows from a start `chunk_starts` found (blank lines skipped)."""
    reader = _reader(text[offset:], layout.delimiter)
    number = 0
    here = line
    for record in reader:
        start, here = here, line + reader.line_num
        if not _filled(record):
            continue
        if number >= count:
            return
        yield _row(start, record, layout)
        number += 1


def _filled(record: list[str]) -> bool:
    """Whether a CSV record has any value (a blank line, or only spaces, is skipped)."""
    return bool("".join(record).strip())


def _row(line: int, record: list[str], layout: Layout) -> Row:
    positions = layout.positions
    if len(record) >= layout.header_width:  # the usual row: every column there
        values = dict(zip(positions, map(record.__getitem__, positions.values()), strict=True))
    else:
        values = {name: record[i] if i < len(record) else "" for name, i in positions.items()}
    problem = None
    if len(record) > layout.header_width:
        problem = (
            f"the line has {len(record)} values but the first line names {layout.header_width} "
            "columns; put a value with a comma (such as 1,250.00) in quotes, or write it "
            "without the thousands separator."
        )
    return Row(line, values, problem)


def with_partners(rows) -> list[Row]:
    """The rows, those naming their partner only by ERP account number given its organisation
    id (one lookup for all of them); an unknown number makes the row an error."""
    rows = list(rows)
    numbers = {
        row.values["erp_account_number"].strip()
        for row in rows
        if not row.problem
        and not row.values.get("organization_id", "").strip()
        and row.values.get("erp_account_number", "").strip()
    }
    if not numbers:
        return rows
    known: dict[str, int] = {}
    wanted = sorted(numbers)
    for start in range(0, len(wanted), 5_000):
        known |= dict(
            db.session.execute(
                sa.select(Organization.erp_account_number, Organization.id).where(
                    Organization.erp_account_number.in_(wanted[start : start + 5_000])
                )
            )
            .tuples()
            .all()
        )
    out = []
    for row in rows:
        number = row.values.get("erp_account_number", "").strip()
        if row.problem or row.values.get("organization_id", "").strip() or not number:
            out.append(row)
        elif number in known:
            out.append(Row(row.line, row.values | {"organization_id": str(known[number])}))
        else:
            problem = (
                f"no organisation has the ERP account number “{number}”; check it, or set it "
                "on the organisation's page, or give the organization_id."
            )
            out.append(Row(row.line, row.values, problem))
    return out


def line_dict(row: Row) -> dict:
    """The row as a purchase line for `purchases.record_purchases` (the API's shape)."""
    values = dict(row.values)
    values.setdefault("product_line_id", "")
    return values
