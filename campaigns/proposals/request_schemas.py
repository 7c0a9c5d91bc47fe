"""What the calls of the campaigns API (/api/v1/campaigns) take: the list's query, the
Idempotency-Key header, the proposal and decision bodies and the claim form. The answers
are in campaigns.proposals.schemas.

Bodies are checked here for shape (unknown fields, money as text, types); the field
values themselves by `campaigns.proposals.service`, which the pages share, with its
sentences.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from campaigns.proposals import service as proposals
from campaigns.proposals.models import ProposalStatus
from hub.api import Input, PageQuery, Query
from hub.api.schemas import list_only, loose, one_of, refuse

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII, no spaces
MONEY_AS_TEXT = 'Send {what} as text, e.g. "1500.00": money never travels as a JSON number.'
MONEY_IN = {
    "type": "string",
    "description": "Decimal text, at most two decimals.",
    "examples": ["3000.00"],
}


def money_text(what: str):
    """A money amount sent as text (checked as a number by the service); a JSON number is
    refused with a sentence naming `what`."""

    def check(value):
        if value is None or isinstance(value, str):
            return value
        raise refuse(MONEY_AS_TEXT.format(what=what))

    return Annotated[Any, BeforeValidator(check), Field(json_schema_extra=MONEY_IN)]


# --- Questions ------------------------------------------------------------------------------


class CampaignQuery(PageQuery):
    status: one_of(ProposalStatus) | None = Field(None, description="Only proposals in this state.")
    waiting_on: one_of(["me"]) | None = Field(None, description="Only those waiting on you.")
    organization_id: int | None = Field(None, description="Only this organisation's.")


def _idempotency_key(value):
    if value is None:
        return None
    key = value.strip() if isinstance(value, str) else ""
    if not _KEY_PATTERN.match(key):
        raise refuse(
            f"The {IDEMPOTENCY_HEADER} header must be 1 to 100 printable characters "
            "without spaces; a new UUID for each operation is best."
        )
    return key


class IdempotencyHeaders(Query):
    """The Idempotency-Key of a call that moves money, if the client sent one."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    idempotency_key: Annotated[str | None, BeforeValidator(_idempotency_key)] = Field(
        None,
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=100,
        pattern=r"^[!-~]+$",
        description=(
            "A new unique value (e.g. a UUID) per operation. Sent again with the same "
            "content, the call answers what it answered the first time and changes nothing; "
            "with other content it is a 409. Keys are per person."
        ),
    )


class BudgetLineIn(Input):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"required": ["description", "amount"]}
    )

    description: loose({"type": "string", "maxLength": 200}) = None
    amount: money_text("the amount of this budget line") = None


_TEXT = {
    "title": 160,
    "objective": 4000,
    "audience": 300,
    "territory": 160,
}


class CampaignPatch(Input):
    """Only the fields sent change; `lines`, when sent, replaces the whole budget."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: loose({"type": "string", "maxLength": 160}) = None
    objective: loose({"type": "string", "maxLength": 4000}) = None
    category_id: loose(
        {"type": "integer", "description": "An activity category of the program."}
    ) = None
    audience: loose({"type": "string", "maxLength": 300}) = None
    territory: loose({"type": "string", "maxLength": 160}) = None
    starts_on: loose({"type": "string", "format": "date"}) = None
    ends_on: loose({"type": "string", "format": "date"}) = None
    uses_oem_template: bool = None
    requested_amount: money_text("the co-op requested") = None
    expected_leads: loose({"type": ["integer", "null"], "minimum": 0}) = None
    expected_revenue: money_text("the expected revenue") = None
    currency: loose({"type": "string", "description": "If sent, the program's currency."}) = None
    lines: list[BudgetLineIn] | None = Field(None, max_length=proposals.MAX_LINES)

    lines_are_a_list = list_only(
        "lines", 'Send the budget as a list: [{"description": …, "amount": "…"}].'
    )

    def data(self) -> dict:
        """The fields that were sent, as the service takes them."""
        sent = self.model_dump(exclude_unset=True)
        if self.lines is not None:
            sent["lines"] = [line.model_dump(exclude_unset=True) for line in self.lines]
        return sent


class CampaignInput(CampaignPatch):
    """The whole proposal: a field left out is emptied (and a required one is reported
    missing, with the other problems)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "required": ["title", "category_id", "starts_on", "ends_on", "requested_amount"]
        },
    )


class CampaignNote(Input):
    note: str = Field("", json_schema_extra={"maxLength": 2000})


class CampaignChanges(Input):
    note: str = Field("", description="What should change.")

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"required": ["note"]})


class CampaignDecline(Input):
    reason: str = Field("", json_schema_extra={"maxLength": 500})

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"required": ["reason"]}
    )


class LineDecision(Input):
    id: loose({"type": "integer", "description": "A claim line's id."})
    approved_cost: money_text("the accepted cost") = None
    reason_code: str | None = Field(
        None, json_schema_extra={"enum": [*proposals.REASON_CODES, None]}
    )
    reason_note: str | None = Field(None, json_schema_extra={"maxLength": 500})


def _decision(value):
    if value not in ("pay", "return"):
        raise refuse(
            'Say "pay" to pay the accepted costs, or "return" to send the claim back to be fixed.'
        )
    return value


class ClaimReview(Input):
    decision: Annotated[
        str,
        BeforeValidator(_decision),
        WithJsonSchema({"type": "string", "enum": ["pay", "return"]}),
    ] = Field(None, validate_default=True)
    note: str = Field("", json_schema_extra={"maxLength": 1000})
    lines: list[LineDecision] | None = None

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"required": ["decision"]}
    )

    lines_are_a_list = list_only(
        "lines", 'Send the decisions as a list: [{"id": …, "approved_cost": "…"}].'
    )


# --- Claims (multipart) ------------------------------------------------------------------------


class ProofIn(Input):
    kind: loose({"type": "string", "enum": list(proposals.PROOF_KINDS)})
    file: loose({"type": "string", "description": "The name of the part holding the file."}) = None
    asset_id: loose(
        {
            "type": "integer",
            "description": "Instead of a file: one of the campaign's assets made from an "
            "OEM template (studio), which proves without being sent again.",
        }
    ) = None


class ClaimLineIn(Input):
    description: loose({"type": "string"}) = None
    amount: money_text("the cost of this line") = None
    proofs: list[ProofIn] = []


CLAIM_EXAMPLE = (
    '[{"description": …, "amount": "…", "proofs": [{"kind": "invoice", "file": "<part>"}]}]'
)


def _claim_lines(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise refuse(f"Send the cost lines in a field 'lines': {CLAIM_EXAMPLE}.")
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        # A part with a filename: a file, not the text field the lines are sent in.
        raise refuse(
            f"Send the cost lines as text in a field 'lines', not as a file: {CLAIM_EXAMPLE}."
        )
    try:
        lines = json.loads(value)
    except json.JSONDecodeError as exc:
        raise refuse(
            f"The field 'lines' is not valid JSON ({exc.msg} at column {exc.colno})."
        ) from None
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise refuse(f"The field 'lines' must be a JSON list: {CLAIM_EXAMPLE}.")
    return lines


class ClaimForm(Input):
    """A claim as multipart/form-data: `lines` (JSON), an optional `note`, and each proof
    file as a part named as its `file` says."""

    model_config = ConfigDict(
        extra="allow",
        strict=False,
        json_schema_extra={
            "required": ["lines"],
            "additionalProperties": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": "A proof file (image or PDF), named as a proof's `file` says.",
            },
        },
    )

    lines: Annotated[
        list[ClaimLineIn],
        BeforeValidator(_claim_lines),
        WithJsonSchema(
            {
                "type": "string",
                "description": (
                    'JSON: [{"description": "…", "amount": "2000.00", "proofs": '
                    '[{"kind": "invoice", "file": "<part name>"}]}]. Kinds: '
                    + ", ".join(proposals.PROOF_KINDS)
                    + "."
                ),
            }
        ),
    ] = Field(None, validate_default=True)
    note: str = Field("", json_schema_extra={"maxLength": 1000})
