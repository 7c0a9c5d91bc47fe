"""ERP purchase lines → accruals, idempotently (I4).

One purchase line is read by `parse_purchase_line` and checked against the organisations,
product lines and rates by `PurchaseChecks` — the same two steps for the API's batch
(`record_purchases`) and the CSV import's preview and chunks (`campaigns.coop.imports`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

import sqlalchemy as sa

from campaigns.coop.entries import insert_entries, lock_account_rows
from campaigns.coop.models import CoopProgram, EntryKind, PurchaseLine
from campaigns.coop.money import ZERO, Invalid, format_money, parse_money, quantize
from campaigns.coop.periods import bucket_for, check_date, expires_on
from campaigns.coop.program import open_accounts
from campaigns.coop.rates import load_rates, rate_for
from hub import audit, bulk, db
from hub.dates import format_date
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Organization, OrgKind, Person, ProductLine, Tier

EARLIEST_PURCHASE = date(2000, 1, 1)
LOOKUP_BATCH = 500
# An import's chunk (imports.CHUNK_ROWS): one statement per chunk or batch.
DUPLICATE_LOOKUP = 10_000
LINE_FIELDS = {
    "organization_id": "organisation",
    "amount": "amount",
    "currency": "currency",
    "purchased_on": "purchase date",
    "product_line_id": "product line",
}


@dataclass
class ImportReport:
    """What became of each line of a batch: accepted, duplicate (a replay), conflict or error.

    `errors` name lines by their 0-based index in the batch (the CSV upload adds its
    header to show line numbers).
    """

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    accrued: Decimal = ZERO

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.errors

    def seen_again(self, external_id: str, same: bool, conflict: Callable[[], str]) -> None:
        """A line whose id came before: a duplicate when its details match, else a conflict
        (`conflict()` says how it differs)."""
        if same:
            self.duplicates.append(external_id)
        else:
            self.conflicts.append((external_id, conflict()))


class ParsedLine(NamedTuple):
    """A purchase line as read: its fields checked for shape, not yet against the database.
    A tuple (an import reads thousands), with the sha256 of its canonical text (`digest`,
    see `content_hash`) taken when it is read."""

    index: int
    external_id: str
    organization_id: int
    amount: Decimal
    currency: str
    purchased_on: date
    product_line_id: int | None
    digest: str

    def content(self) -> dict:
        return {
            "organization_id": self.organization_id,
            "amount": str(self.amount),
            "currency": self.currency,
            "purchased_on": self.purchased_on.isoformat(),
            "product_line_id": self.product_line_id,
        }

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of `content()` (`canonical_json`)."""
        return self.digest


def content_digest(
    organization_id: int, amount: str, currency: str, day: str, product_line_id: int | None
) -> str:
    """The content hash of a line's fields (as `ParsedLine.content` writes them)."""
    return hashlib.sha256(
        _canonical(organization_id, amount, currency, day, product_line_id).encode()
    ).hexdigest()


def canonical_json(content: dict) -> str:
    """`json.dumps(content, sort_keys=True, separators=(",", ":"))` — what a line's content
    hash is taken of — written out for the usual line (plain currency and date text), which
    json's encoder takes several times longer to produce; anything else goes to json."""
    return _canonical(
        content["organization_id"],
        content["amount"],
        content["currency"],
        content["purchased_on"],
        content["product_line_id"],
    )


def _canonical(organization_id, amount, currency, day, product_line_id) -> str:
    if not (currency.isalnum() and currency.isascii() and len(day) == 10):
        content = {
            "organization_id": organization_id,
            "amount": amount,
            "currency": currency,
            "purchased_on": day,
            "product_line_id": product_line_id,
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"))
    return (
        f'{{"amount":"{amount}","currency":"{currency}",'
        f'"organization_id":{organization_id},'
        f'"product_line_id":{"null" if product_line_id is None else product_line_id},'
        f'"purchased_on":"{day}"}}'
    )


def stored_content(line: PurchaseLine) -> dict:
    """An imported line's fields as `ParsedLine.content` gives them."""
    return {
        "organization_id": line.organization_id,
        "amount": str(line.amount),
        "currency": line.currency,
        "purchased_on": line.purchased_on.isoformat(),
        "product_line_id": line.product_line_id,
    }


def describe_changes(before: dict, after: dict) -> str:
    """What differs between two versions of a purchase line: "amount 100.00 → 120.00"."""
    changed = [
        f"{label} {before[name]} → {after[name]}"
        for name, label in LINE_FIELDS.items()
        if before[name] != after[name]
    ]
    return ", ".join(changed) or "different details"


def _int(value, what: str) -> int:
    if type(value) is int:  # the API's usual value, tested first
        return value
    if isinstance(value, bool):
        raise Invalid(f"The {what} must be a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
    raise Invalid(f"The {what} “{value}” must be a whole number.")


def _refused(external_id: str, sentence: str) -> Invalid:
    """Why a line can't be taken, starting with its external_id."""
    return Invalid(f"{external_id}: {sentence}")


def parse_purchase_line(raw, program: CoopProgram, today: date, index: int = 0) -> ParsedLine:
    """Read one purchase line (a dict of the API's fields, or a CSV row's text), or say in a
    sentence, starting with its external_id, why it can't be taken (`Invalid`)."""
    if not isinstance(raw, dict):
        raise Invalid("The line is not a set of fields (external_id, organization_id, amount…).")
    external_id = raw.get("external_id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not external_id.strip():
        raise Invalid(
            "The line has no external_id (the ERP's line id), so a replay could not be recognised."
        )
    external_id = external_id.strip()
    if len(external_id) > 120:
        raise Invalid("The external_id is longer than 120 characters.")
    try:
        organization_id = _int(raw.get("organization_id"), "organisation id")
        amount = parse_money(raw.get("amount"), "amount")
    except Invalid as exc:
        raise _refused(external_id, str(exc)) from None
    currency, expected = raw.get("currency"), program.currency
    if currency != expected and (
        not isinstance(currency, str) or currency.strip().upper() != expected
    ):
        shown = currency if isinstance(currency, str) and currency.strip() else "no currency"
        raise _refused(
            external_id,
            f"the line is in {shown}, but {program.name} pays co-op in {program.currency}; "
            "send it in that currency.",
        )
    purchased_on = raw.get("purchased_on")
    if isinstance(purchased_on, str):  # the usual value, tested first
        try:
            purchased_on = date.fromisoformat(purchased_on.strip())
        except ValueError:
            raise _refused(
                external_id, f"the purchase date “{purchased_on}” is not a date like 2026-03-31."
            ) from None
    elif isinstance(purchased_on, datetime):
        purchased_on = purchased_on.date()
    if not isinstance(purchased_on, date):
        raise _refused(external_id, "the purchase date is missing; write it like 2026-03-31.")
    if purchased_on > today:
        raise _refused(
            external_id,
            f"the purchase date {format_date(purchased_on)} is in the future; send the line once the "
            "purchase has happened.",
        )
    if purchased_on < EARLIEST_PURCHASE:
        raise _refused(
            external_id,
            f"the purchase date {format_date(purchased_on)} is not plausible; check it for a typo.",
        )
    product_line_id = raw.get("product_line_id")
    if product_line_id in ("", None):
        product_line_id = None
    else:
        try:
            product_line_id = _int(product_line_id, "product line id")
        except Invalid as exc:
            raise _refused(external_id, str(exc)) from None
    digest = content_digest(
        organization_id, str(amount), expected, purchased_on.isoformat(), product_line_id
    )
    return ParsedLine(
        index, external_id, organization_id, amount, expected, purchased_on, product_line_id,
        digest,
    )  # fmt: skip


def by_id(model, ids) -> dict:
    """Rows of `model` by id, read a few hundred ids at a time."""
    found = {}
    ids = sorted(ids)
    for start in range(0, len(ids), LOOKUP_BATCH):
        for obj in db.session.scalars(
            sa.select(model).where(model.id.in_(ids[start : start + LOOKUP_BATCH]))
        ):
            found[obj.id] = obj
    return found


def partner_rows(ids) -> dict:
    """What the checks need of the organisations (id, name, kind, tier), as plain rows by id —
    read a few thousand ids at a time, without building ORM objects."""
    found = {}
    ids = sorted(ids)
    for start in range(0, len(ids), DUPLICATE_LOOKUP):
        rows = db.session.execute(
            sa.select(
                Organization.id,
                Organization.name,
                Organization.kind,
                Organization.tier_id,
                Tier.name.label("tier_name"),
            )
            .outerjoin(Tier, Tier.id == Organization.tier_id)
            .where(db.among(Organization.id, ids[start : start + DUPLICATE_LOOKUP]))
        )
        for row in rows:
            found[row.id] = row
    return found


@dataclass(frozen=True)
class StoredLine:
    """What the duplicate check needs of an imported purchase line."""

    id: int
    external_id: str
    content_hash: str


def imported_lines(program: CoopProgram, external_ids: list[str]) -> dict[str, StoredLine]:
    """The program's purchase lines already imported under these external ids — one lookup
    of the unique index (program_id, external_id) per chunk (a batch is at most 5,000)."""
    found = {}
    ids = sorted(set(external_ids))
    for start in range(0, len(ids), DUPLICATE_LOOKUP):
        rows = db.session.execute(
            sa.select(PurchaseLine.id, PurchaseLine.external_id, PurchaseLine.content_hash).where(
                PurchaseLine.program_id == program.id,
                db.among(PurchaseLine.external_id, ids[start : start + DUPLICATE_LOOKUP]),
            )
        )
        for row in rows:
            found[row.external_id] = StoredLine(*row)
    return found


def stored_line(line_id: int) -> tuple[datetime, dict]:
    """When an imported line arrived and its fields as `ParsedLine.content` gives them
    (read for a conflict's sentence only)."""
    line = db.session.get(PurchaseLine, line_id)
    return line.created_at, stored_content(line)


class RateRow(NamedTuple):
    """What `rate_for` reads of an accrual rate, as a plain tuple: a batch asks for the rate
    of a few thousand (tier, product line, day) keys, each a pass over the program's rates."""

    id: int
    tier_id: int | None
    product_line_id: int | None
    effective_from: date
    rate: Decimal


@dataclass
class PurchaseChecks:
    """What parsed lines are checked against: their organisations, product lines and the
    program's rates, each read once for the whole batch."""

    program: CoopProgram
    organizations: dict[int, Organization]
    product_lines: dict[int, ProductLine]
    rates: list[RateRow]
    known: dict = field(default_factory=dict)  # (tier, product line, day) → rate

    @classmethod
    def load(cls, program: CoopProgram, lines: list[ParsedLine]) -> PurchaseChecks:
        return cls(
            program,
            partner_rows({line.organization_id for line in lines}),
            by_id(ProductLine, {line.product_line_id for line in lines} - {None}),
            [
                RateRow(r.id, r.tier_id, r.product_line_id, r.effective_from, r.rate)
                for r in load_rates(program)
            ],
        )

    def rate(self, line: ParsedLine) -> Decimal:
        """The accrual rate for the line, or `Invalid` with a sentence saying why none."""
        org = self.organizations.get(line.organization_id)
        if org is None:
            problem = f"there is no organisation with id {line.organization_id}."
        elif org.kind == OrgKind.OEM:
            problem = f"{org.name} is the OEM, which earns no co-op; use the buying partner's id."
        elif line.product_line_id is not None and line.product_line_id not in self.product_lines:
            problem = f"there is no product line with id {line.product_line_id}."
        else:
            key = (org.tier_id, line.product_line_id, line.purchased_on)
            if key not in self.known:  # the same tier, product line and day: the same rate
                self.known[key] = rate_for(
                    self.program, org, line.product_line_id, line.purchased_on, self.rates
                )
            rate = self.known[key]
            if rate is not None:
                return rate
            tier = org.tier_name or "no tier"
            problem = (
                f"no accrual rate applies to {org.name} ({tier}) on {format_date(line.purchased_on)}; "
                "ask the program admin to set one, then send the line again."
            )
        raise Invalid(f"{line.external_id}: {problem}")


def record_purchases(
    program: CoopProgram,
    lines: list[dict],
    actor: Person | None = None,
    *,
    today: date | None = None,
) -> ImportReport:
    """Import ERP purchase lines and accrue co-op on them, idempotently (I4).

    Each line: external_id, organization_id, amount, currency, purchased_on and optionally
    product_line_id. A line seen before with the same content is a duplicate and changes
    nothing; with other content it is a conflict. Bad lines are reported and skipped; the
    good ones land. The accrual is amount × the rate on the purchase date (stored on the
    entry), rounded to cents half up, into the bucket of the purchase date.
    """
    with db.collector_paused():
        return _record_purchases(program, lines, actor, check_date(today))


def _record_purchases(program, lines, actor, today: date) -> ImportReport:
    report = ImportReport()
    if not program.active:
        raise ValidationFailed(f"{program.name} is closed; it accepts no new purchases.")
    if not isinstance(lines, list | tuple):
        raise ValidationFailed("Send the purchases as a list of lines.")

    parsed: list[ParsedLine] = []
    for index, raw in enumerate(lines):
        try:
            parsed.append(parse_purchase_line(raw, program, today, index))
        except Invalid as exc:
            report.errors.append((index, str(exc)))

    checks = PurchaseChecks.load(program, parsed)
    valid: list[tuple[ParsedLine, Decimal]] = []
    seen: dict[str, ParsedLine] = {}
    for line in parsed:
        try:
            rate = checks.rate(line)
        except Invalid as exc:
            report.errors.append((line.index, str(exc)))
            continue
        earlier = seen.get(line.external_id)
        if earlier is not None:
            report.seen_again(
                line.external_id,
                earlier.content_hash() == line.content_hash(),
                lambda earlier=earlier, line=line: (
                    f"{line.external_id} appears twice in this batch with different details "
                    f"({describe_changes(earlier.content(), line.content())}); only the "
                    "first was taken."
                ),
            )
            continue
        seen[line.external_id] = line
        valid.append((line, rate))
    if not valid:
        return report

    organizations = checks.organizations
    accounts_by_org = open_accounts(
        [organizations[org_id] for org_id in sorted({line.organization_id for line, _ in valid})],
        program,
        actor,
    )
    locked = lock_account_rows(accounts_by_org.values())

    # Only after the locks: a concurrent import of the same line has committed by now.
    existing = imported_lines(program, [line.external_id for line, _ in valid])

    fresh: list[tuple[ParsedLine, Decimal]] = []
    for line, rate in valid:
        stored = existing.get(line.external_id)
        if stored is not None:
            report.seen_again(
                line.external_id,
                stored.content_hash == line.content_hash(),
                lambda stored=stored, line=line: _imported_before(stored, line),
            )
            continue
        fresh.append((line, rate))
    if not fresh:
        return report
    now = utcnow()
    purchase_ids = _insert_lines(program, fresh, actor, now)

    # Each entry a tuple of ENTRY_COLUMNS' values, made straight from the parsed line.
    entries: list[tuple] = []
    per_account: dict[int, list[Decimal]] = {}
    actor_id = getattr(actor, "id", None)
    currency = program.currency
    accepted = report.accepted
    accrual_kind, expiry_kind = EntryKind.ACCRUAL, EntryKind.EXPIRY
    # A batch's lines share a few hundred days and a few rates: each worked out once — a
    # day's bucket and that bucket's last day, a rate's percentage.
    days: dict[date, tuple[str, date]] = {}
    last_days: dict[str, date] = {}
    percents: dict[Decimal, str] = {}
    for (line, rate), purchase_id in zip(fresh, purchase_ids, strict=True):
        _index, external_id, organization_id, amount, _currency, day, _product, _digest = line
        accepted.append(external_id)
        accrual = quantize(amount * rate)
        if not accrual:
            continue
        account_id = accounts_by_org[organization_id]
        known = days.get(day)
        if known is None:
            bucket = bucket_for(program, day)
            if bucket not in last_days:
                last_days[bucket] = expires_on(program, bucket)
            known = days[day] = (bucket, last_days[bucket])
        bucket, last_day = known
        percent = percents.get(rate) or percents.setdefault(rate, f"{rate * 100:.3f}%")
        entries.append(
            (account_id, accrual_kind, accrual, bucket, None, rate, purchase_id,
             f"Purchase {external_id}: {format_money(amount, currency)} at {percent}",
             actor_id, f"purchase:{purchase_id}", day, now)
        )  # fmt: skip
        if last_day < today:
            # A purchase reported after its bucket's window closed: earned, and already expired.
            entries.append(
                (account_id, expiry_kind, accrual, bucket, None, None, purchase_id,
                 f"Purchase {external_id} arrived after the {bucket} funds "
                 f"expired on {format_date(last_day)}",
                 actor_id, f"purchase:{purchase_id}#2", today, now)
            )  # fmt: skip
        accruals = per_account.get(account_id)
        if accruals is None:
            per_account[account_id] = [accrual]
        else:
            accruals.append(accrual)
    report.accrued = sum((sum(accruals, ZERO) for accruals in per_account.values()), ZERO)
    # In account order (each account's entries still in the order of its lines): the
    # entries' indexes that lead with the account are then written page by page, not at
    # random — on SQLite a third of the INSERT's CPU.
    insert_entries(locked, sorted(entries, key=itemgetter(0)))

    _audit_import(program, actor, report, locked, per_account)
    db.session.flush()
    return report


def _imported_before(stored: StoredLine, line: ParsedLine) -> str:
    day, content = stored_line(stored.id)
    return (
        f"{line.external_id} was imported on {format_date(day)} with other details "
        f"({describe_changes(content, line.content())}); nothing was changed. Send a "
        "correction as a new line with its own id, or ask the program admin for an adjustment."
    )


LINE_COLUMNS = (
    "id", "program_id", "organization_id", "external_id", "product_line_id", "amount",
    "currency", "purchased_on", "content_hash", "created_at", "imported_by_id",
)  # fmt: skip


def _insert_lines(program: CoopProgram, fresh, actor, now: datetime) -> list[int]:
    """The new purchase lines in one COPY (PostgreSQL) or executemany (SQLite), their ids
    taken first (`bulk.new_ids`), each row a tuple made straight from the parsed line; the
    ids in the order of `fresh`. Written (and numbered) in organisation order, as the
    entries are in account order: the organisation-led index and the account key each
    line is checked against are then read and written page by page."""
    table = PurchaseLine.__table__
    order = sorted(range(len(fresh)), key=[line.organization_id for line, _ in fresh].__getitem__)
    ids = [0] * len(fresh)
    for line_id, i in zip(bulk.new_ids(table, len(fresh)), order, strict=True):
        ids[i] = line_id
    program_id, actor_id = program.id, getattr(actor, "id", None)
    rows = []
    for i in order:
        _index, external_id, organization_id, amount, currency, day, product_line_id, digest = (
            fresh[i][0]
        )
        rows.append(
            (ids[i], program_id, organization_id, external_id, product_line_id, amount, currency,
             day, digest, now, actor_id)
        )  # fmt: skip
    bulk.insert_rows(table, LINE_COLUMNS, rows)
    return ids


def _audit_import(program, actor, report: ImportReport, locked: dict, per_account: dict) -> None:
    """One `coop.accrued` event per account (in one multi-row insert) and one per batch."""
    events = []
    # In account order, as the entries: the events' organisation- and object-led indexes are
    # then written page by page, not at random.
    for account_id in sorted(per_account):
        accruals = per_account[account_id]
        account = locked[account_id]
        total = sum(accruals, ZERO)
        events.append(
            {
                "object_id": account.id,
                "organization_id": account.organization_id,
                "after": {
                    "purchases": len(accruals),
                    "accrued": str(total),
                    "earned": str(account.earned),
                },
                "summary": f"{len(accruals)} purchase(s) accrued "
                f"{format_money(total, program.currency)}",
            }
        )
    audit.record_many("coop.accrued", "CoopAccount", events, actor=actor)
    if report.accepted:
        audit.record(
            "coop.purchases_imported",
            program,
            actor=actor,
            after={
                "accepted": len(report.accepted),
                "duplicates": len(report.duplicates),
                "conflicts": len(report.conflicts),
                "errors": len(report.errors),
                "accrued": str(report.accrued),
            },
            summary=f"{len(report.accepted)} purchase line(s) imported into {program.name}",
        )
