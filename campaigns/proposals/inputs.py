"""Proposal input as a form or the API sends it: one function (`parse_input`) reads and
checks every field for both, with a sentence per problem; `check_request` says what stops
a request from being submitted (budget, share, available co-op, dates), and `live_check`
says the same beside the form as the dealer types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from campaigns.coop.ledger import format_money
from campaigns.coop.models import CoopProgram
from campaigns.coop.providers import account_of
from campaigns.proposals.campaign_rules import categories, share_for
from campaigns.proposals.fields import (
    as_bool,
    count_field,
    date_field,
    is_money,
    money_field,
    read_money,
    text_field,
)
from campaigns.proposals.lifecycle import CENT, MAX_LINES, ZERO
from campaigns.proposals.models import ActivityCategory, BudgetLine, Proposal
from hub import db
from hub.dates import format_date
from hub.db import today
from hub.errors import ValidationFailed
from hub.models import Organization

# Fields the OEM may suggest an edit to, with their labels.
SUGGESTIBLE = {
    "title": "Title",
    "objective": "Objective",
    "audience": "Audience",
    "territory": "Territory",
    "starts_on": "Start date",
    "ends_on": "End date",
    "requested_amount": "Co-op requested",
    "expected_leads": "Expected leads",
    "expected_revenue": "Expected revenue",
}
DATE_FIELDS = {"starts_on", "ends_on"}
MONEY_FIELDS = {"requested_amount", "expected_revenue"}


def shown_value(field: str, value: str | None, currency: str) -> str:
    """A suggested (or replaced) value as pages and notices show it: '28 Apr 2027',
    'USD 2,500.00', '(empty)'; stored values stay ISO dates and plain decimals."""
    if not value:
        return "(empty)"
    try:
        if field in DATE_FIELDS:
            return format_date(date.fromisoformat(value))
        if field in MONEY_FIELDS:
            return format_money(Decimal(value), currency)
    except (ValueError, ArithmeticError):
        pass
    return value


FIELD_LABELS = {
    **{k: v.lower() for k, v in SUGGESTIBLE.items()},
    "category_id": "kind of activity",
    "uses_oem_template": "OEM template",
    "lines": "budget",
}
FIELDS = (
    "title",
    "objective",
    "category_id",
    "audience",
    "territory",
    "starts_on",
    "ends_on",
    "uses_oem_template",
    "requested_amount",
    "expected_leads",
    "expected_revenue",
)


@dataclass
class ProposalInput:
    """A proposal's fields, checked: column values, budget lines, the category."""

    values: dict
    lines: list[tuple[str, Decimal]]
    category: ActivityCategory | None


def parse_input(program: CoopProgram, data: dict) -> ProposalInput:
    """Check a proposal's fields as a form or the API sent them; a sentence per problem.

    `data["lines"]` is a list of {"description", "amount"}; blank rows are ignored.
    """
    problems: dict[str, list[str]] = {}
    currency = data.get("currency")
    if currency not in (None, "") and str(currency).upper() != program.currency:
        problems["currency"] = [
            f"This program pays in {program.currency}; give amounts in {program.currency}, "
            f"not {currency}."
        ]
    values = {
        "title": text_field(data, "title", "title", 160, problems, required=True),
        "objective": text_field(data, "objective", "objective", 4000, problems),
        "audience": text_field(data, "audience", "audience", 300, problems),
        "territory": text_field(data, "territory", "territory", 160, problems),
        "uses_oem_template": as_bool(data.get("uses_oem_template")),
    }
    category = None
    try:
        category_id = int(data.get("category_id") or 0)
    except (TypeError, ValueError):
        category_id = 0
    if category_id:
        category = db.session.get(ActivityCategory, category_id)
        if category is None or category.program_id != program.id or not category.active:
            category = None
    if category is None:
        problems["category_id"] = ["Choose the kind of activity."]
    else:
        values["category_id"] = category.id
    starts = date_field(data, "starts_on", "start date", problems)
    ends = date_field(data, "ends_on", "end date", problems)
    if starts and ends and ends < starts:
        problems.setdefault("ends_on", []).append(
            f"The campaign ends ({ends}) before it starts ({starts}); check the dates."
        )
    values["starts_on"], values["ends_on"] = starts, ends
    values["requested_amount"] = money_field(
        data, "requested_amount", "co-op requested", problems, zero=True
    )
    values["expected_leads"] = count_field(
        data, "expected_leads", "expected number of leads", problems
    )
    values["expected_revenue"] = money_field(
        data, "expected_revenue", "expected revenue", problems, required=False, zero=True
    )
    lines: list[tuple[str, Decimal]] = []
    raw_lines = data.get("lines") or []
    if not isinstance(raw_lines, list):
        raw_lines = []
        problems["lines"] = ["Budget lines are a list of {description, amount}."]
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw if isinstance(raw, dict) else {}
        description = str(raw.get("description") or "").strip()
        amount = raw.get("amount")
        if not description and amount in (None, ""):
            continue
        line_problems: dict[str, list[str]] = {}
        if not description:
            line_problems.setdefault("lines", []).append(
                f"Budget line {number}: say what the money is for."
            )
        elif len(description) > 200:
            line_problems.setdefault("lines", []).append(
                f"Budget line {number}: keep the description to 200 characters."
            )
        value = money_field({"a": amount}, "a", f"amount of budget line {number}", line_problems)
        for sentence in line_problems.get("lines", []) + line_problems.get("a", []):
            problems.setdefault("lines", []).append(sentence)
        if value is not None and description:
            lines.append((description[:200], value))
    if len(lines) > MAX_LINES:
        problems.setdefault("lines", []).append(f"Keep the budget to {MAX_LINES} lines.")
    if problems:
        raise ValidationFailed(problems)
    return ProposalInput(values, lines, category)


def budget_total(proposal: Proposal) -> Decimal:
    """What the budget lines add up to."""
    return sum((line.amount for line in proposal.lines), ZERO)


def max_request(budget: Decimal, share: Decimal) -> Decimal:
    """The most co-op a budget can ask for: budget × the category's share."""
    return (budget * share).quantize(CENT, rounding=ROUND_HALF_UP)


def available_for(organization: Organization, program: CoopProgram) -> Decimal:
    """The organisation's co-op available to hold now (zero without an account)."""
    account = account_of(organization, program)
    return account.available if account is not None else ZERO


def check_request(proposal: Proposal, program: CoopProgram, on: date | None = None) -> list[str]:
    """Sentences on what stops the requested amount from being submitted (empty: fine).
    `on` is the day of submission (default today)."""
    problems = []
    budget = budget_total(proposal)
    share = share_for(proposal.category, proposal.uses_oem_template)
    if not proposal.lines:
        problems.append("Add at least one budget line: what will the campaign cost?")
    if proposal.requested_amount <= 0:
        problems.append("Enter the co-op amount you ask for.")
    elif budget and proposal.requested_amount > max_request(budget, share):
        problems.append(
            f"{proposal.category.name} is reimbursed at {share * 100:.0f}% of cost: on a budget "
            f"of {format_money(budget, program.currency)} ask for at most {format_money(max_request(budget, share), program.currency)}."
        )
    available = available_for(proposal.organization, program)
    if proposal.requested_amount > available:
        problems.append(
            f"You have {format_money(available, program.currency)} of co-op available; ask for that or less, "
            "or wait for new purchases to accrue."
        )
    if proposal.ends_on < (on or today()) and proposal.category.needs_preapproval:
        problems.append(
            f"The campaign ended on {format_date(proposal.ends_on)}; "
            "proposals are for campaigns still to come."
        )
    return problems


def budget_lines(lines: list[tuple[str, Decimal]]) -> list[BudgetLine]:
    """Checked budget lines as the proposal's rows, in order."""
    return [BudgetLine(position=i, description=d, amount=a) for i, (d, a) in enumerate(lines)]


def apply_input(proposal: Proposal, parsed: ProposalInput) -> None:
    """Write checked input onto the proposal (budget lines replaced only when changed)."""
    for name, value in parsed.values.items():
        setattr(proposal, name, value)
    if parsed.category is not None:
        proposal.category = parsed.category
    old = [(line.description, line.amount) for line in proposal.lines]
    if old != parsed.lines:
        proposal.lines = budget_lines(parsed.lines)


def as_data(proposal: Proposal) -> dict:
    """The proposal as input (what `parse_input` reads): to re-check it with one field
    changed, or to fill the form."""
    data = {name: getattr(proposal, name) for name in FIELDS}
    for name in ("requested_amount", "expected_revenue"):
        if data[name] is not None:
            data[name] = str(data[name])
    data["lines"] = [
        {"description": line.description, "amount": str(line.amount)} for line in proposal.lines
    ]
    return data


@dataclass
class LiveCheck:
    """What the form's numbers mean against the balance and the share, as the dealer types."""

    available: Decimal
    budget: Decimal
    category: ActivityCategory | None = None
    share: Decimal | None = None
    maximum: Decimal | None = None
    requested: Decimal | None = None
    sentences: list[str] = field(default_factory=list)


def live_check(program: CoopProgram, organization: Organization, values: dict) -> LiveCheck:
    """The co-op check beside the form: available, the share, the most to ask for, and a
    sentence for each number that would stop the submission. Unreadable numbers are
    skipped (the form says what is wrong with them when it is saved)."""
    budget = sum(
        (read_money(line["amount"], "amount") for line in values.get("lines") or []
         if is_money(line.get("amount"))),
        ZERO,
    )  # fmt: skip
    check = LiveCheck(available=available_for(organization, program), budget=budget)
    wanted = str(values.get("category_id") or "")
    check.category = next((c for c in categories(program) if str(c.id) == wanted), None)
    if check.category is not None:
        check.share = share_for(check.category, bool(values.get("uses_oem_template")))
        check.maximum = max_request(budget, check.share)
    requested = values.get("requested_amount")
    if is_money(requested, zero=True):
        check.requested = read_money(requested, "amount", zero=True)
    if check.requested is None:
        return check
    if check.maximum is not None and budget and check.requested > check.maximum:
        check.sentences.append(
            f"{check.category.name} pays {check.share * 100:.0f}% of cost: ask for at most "
            f"{format_money(check.maximum, program.currency)}."
        )
    if check.requested > check.available:
        check.sentences.append(
            f"That is more than the {format_money(check.available, program.currency)} you have "
            "available."
        )
    return check
