"""The shapes of the co-op API: an account with its ledger, the ERP purchase import and
the ledger export (campaigns.coop.api and campaigns.coop.data_api)."""

from __future__ import annotations

from pydantic import ConfigDict, Field, field_validator

from campaigns.coop import ledger
from hub.api import Input, Output, PageQuery, Query
from hub.api.schemas import Day, Money, UtcTime, day, loose, money, one_of, refuse

MAX_BATCH = 5_000
ENTRY_KIND = one_of(["accrual", "adjustment", "hold", "release", "reimbursement", "expiry"])
BUCKET = Field(json_schema_extra={"examples": ["2026", "2026-Q2"]})
MALFORMED_BATCH = 'Send the purchases as a non-empty list: {"lines": [{…}, …]}.'


class ProgramRef(Output):
    id: int
    name: str
    currency: str

    @classmethod
    def of(cls, program) -> ProgramRef:
        return cls(id=program.id, name=program.name, currency=program.currency)


class CoopBalance(Output):
    """available = earned − reimbursed − expired − held."""

    earned: Money
    held: Money
    reimbursed: Money
    expired: Money
    available: Money

    @classmethod
    def of(cls, balance: ledger.Balance) -> CoopBalance:
        return cls(**{name: money(getattr(balance, name)) for name in ledger.BALANCE_FIELDS})


class CoopBucket(Output):
    bucket: str = BUCKET
    expires_on: Day
    earned: Money
    remaining: Money
    held: Money
    free: Money

    @classmethod
    def of(cls, b: ledger.BucketBalance) -> CoopBucket:
        return cls(
            bucket=b.bucket,
            expires_on=day(b.expires_on),
            earned=money(b.earned),
            remaining=money(b.remaining),
            held=money(b.held),
            free=money(b.free),
        )


class CoopExpiring(Output):
    bucket: str
    amount: Money
    expires_on: Day

    @classmethod
    def of(cls, e: ledger.ExpiringFunds) -> CoopExpiring:
        return cls(bucket=e.bucket, amount=money(e.amount), expires_on=day(e.expires_on))


class CoopLedgerEntry(Output):
    id: int
    kind: ENTRY_KIND
    amount: Money
    bucket: str
    effective_on: Day
    rate: str | None = Field(description="Accruals: the rate used.")
    hold_id: int | None
    reason: str

    @classmethod
    def of(cls, entry) -> CoopLedgerEntry:
        return cls(
            id=entry.id,
            kind=entry.kind.value,
            amount=money(entry.amount),
            bucket=entry.bucket,
            effective_on=day(entry.effective_on),
            rate=None if entry.rate is None else f"{entry.rate:f}",
            hold_id=entry.hold_id,
            reason=entry.reason,
        )


class CoopAccount(Output):
    organization_id: int
    program: ProgramRef
    balance: CoopBalance
    buckets: list[CoopBucket]
    expiring_soon: list[CoopExpiring]
    data: list[CoopLedgerEntry]
    next_cursor: str | None


AccountQuery = PageQuery


class PurchaseLine(Input):
    """One ERP line (checked line by line by the ledger: a bad line is reported by its
    index, the good lines of the batch are accepted)."""

    external_id: str = Field(max_length=120)
    organization_id: int
    amount: str = Field(description="Decimal text, at most two decimals.")
    currency: str = Field(examples=["USD"])
    purchased_on: Day
    product_line_id: int | None = None


class PurchaseBatch(Input):
    model_config = ConfigDict(
        extra="ignore", strict=True, json_schema_extra={"required": ["lines"]}
    )

    lines: loose(
        {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_BATCH,
            "items": PurchaseLine.model_json_schema(),
        }
    ) = Field(None, validate_default=True)

    @field_validator("lines", mode="before")
    @classmethod
    def _lines(cls, value):
        if not isinstance(value, list) or not value:
            raise refuse(MALFORMED_BATCH)
        if len(value) > MAX_BATCH:
            raise refuse(f"Send at most {MAX_BATCH} lines per request; split the batch.")
        return value


class ImportConflict(Output):
    external_id: str
    detail: str


class ImportLineError(Output):
    index: int = Field(description="0-based line index.")
    detail: str


class ImportReport(Output):
    accepted: list[str]
    duplicates: list[str]
    conflicts: list[ImportConflict]
    errors: list[ImportLineError]
    accrued: Money

    @classmethod
    def of(cls, report: ledger.ImportReport) -> ImportReport:
        return cls(
            accepted=report.accepted,
            duplicates=report.duplicates,
            conflicts=[ImportConflict(external_id=x, detail=d) for x, d in report.conflicts],
            errors=[ImportLineError(index=i, detail=d) for i, d in report.errors],
            accrued=money(report.accrued),
        )


# --- The ledger export ---------------------------------------------------------------------


class ExportQuery(Query):
    model_config = ConfigDict(populate_by_name=True)

    organization_id: int | None = Field(
        None, description="Only this organisation's account (404 outside your scope)."
    )
    period: str | None = Field(
        None,
        description="Entries effective in this year or quarter (not with from/to).",
        examples=["2026", "2026-Q2"],
    )
    from_: str | None = Field(
        None,
        alias="from",
        description="Entries effective on or after this day.",
        json_schema_extra={"format": "date"},
    )
    to: str | None = Field(
        None,
        description="Entries effective on or before this day.",
        json_schema_extra={"format": "date"},
    )


class CoopExportEntry(Output):
    entry_id: int
    recorded_at: UtcTime
    effective_on: Day
    organization_id: int
    organization: str
    kind: ENTRY_KIND
    amount: Money = Field(description="Positive but for adjustments, which are signed.")
    currency: str
    bucket: str = BUCKET
    bucket_expires_on: Day
    hold_id: int | None
    hold_reference: str | None
    rate: str | None = Field(description="Accruals: the rate used.")
    purchase_external_id: str | None
    reason: str
    actor: str | None = Field(description="Who moved the money, if a person.")


class ExportFilters(Output):
    model_config = ConfigDict(extra="forbid", serialize_by_alias=True, populate_by_name=True)

    organization_id: int | None
    period: str | None
    from_: str | None = Field(alias="from", json_schema_extra={"format": "date"})
    to: str | None = Field(json_schema_extra={"format": "date"})


class CoopLedgerExport(Output):
    """What the export covers, then its entries (streamed)."""

    program: ProgramRef
    filters: ExportFilters
    generated_at: UtcTime
    last_entry_id: int
    count: int
    entries: list[CoopExportEntry]
