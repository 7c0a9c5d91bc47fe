"""Reading one field of a form or an API body: text, a date, money, a count, a percentage,
a yes/no. Each reader adds a sentence to `problems[name]` when the value cannot be
accepted, so a whole form is checked at once and every problem told."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from campaigns.coop import ledger

Problems = dict[str, list[str]]


def read_money(value, what: str, *, zero: bool = False) -> Decimal:
    """An amount as a person typed it (thousands separators allowed); ValueError with a
    sentence when it is not one (the co-op ledger's rules for money)."""
    if isinstance(value, str):
        value = value.replace(",", "").strip()
    # ledger.parse_money refuses with a ValueError whose message is the sentence to show.
    return ledger.parse_money(value, what, zero=zero)


def is_money(value, *, zero: bool = False) -> bool:
    """Whether the value reads as an amount (for live checks that skip what is not one)."""
    try:
        read_money(str(value), "amount", zero=zero)
    except (ValueError, TypeError):
        return False
    return True


def text_field(
    data: dict, name: str, label: str, limit: int, problems: Problems, required=False
) -> str:
    """Trimmed text within `limit` characters ("" when absent)."""
    value = data.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        problems.setdefault(name, []).append(f"Enter the {label}.")
    elif len(value) > limit:
        problems.setdefault(name, []).append(
            f"Keep the {label} to {limit} characters (it has {len(value)})."
        )
    return value


def date_field(data: dict, name: str, label: str, problems: Problems) -> date | None:
    """An ISO date (2027-04-15) between 2000 and 2100; required."""
    value = data.get(name)
    if isinstance(value, date):
        return value
    if not value:
        problems.setdefault(name, []).append(f"Enter the {label}.")
        return None
    try:
        parsed = date.fromisoformat(str(value).strip())
    except ValueError:
        problems.setdefault(name, []).append(f"Write the {label} as a date, e.g. 2027-04-15.")
        return None
    if not date(2000, 1, 1) <= parsed <= date(2100, 1, 1):
        problems.setdefault(name, []).append(f"The {label} {parsed} is not a plausible date.")
        return None
    return parsed


def money_field(
    data: dict, name: str, label: str, problems: Problems, *, required=True, zero=False
) -> Decimal | None:
    """An amount of money (see `read_money`); None when blank and not required."""
    value = data.get(name)
    if value in (None, "") and not required:
        return None
    try:
        return read_money(value, label, zero=zero)
    except ValueError as exc:
        problems.setdefault(name, []).append(str(exc))
        return None


def count_field(data: dict, name: str, label: str, problems: Problems) -> int | None:
    """A whole number from 0 to 10,000,000; None when blank."""
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        problems.setdefault(name, []).append(f"The {label} is a whole number, e.g. 40.")
        return None
    if not 0 <= number <= 10_000_000:
        problems.setdefault(name, []).append(f"The {label} must be between 0 and 10,000,000.")
        return None
    return number


def percent_field(data: dict, name: str, label: str, problems: Problems, *, required=True):
    """A percentage (50, "50%", 37.5) as a fraction (0.5000); None when blank or refused."""
    value = data.get(name)
    if value in (None, "") and not required:
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except Exception:
        problems.setdefault(name, []).append(f"Write the {label} as a percentage, e.g. 50.")
        return None
    if not number.is_finite() or not 0 < number <= 100:
        problems.setdefault(name, []).append(
            f"The {label} is a percentage above 0 and at most 100."
        )
        return None
    if number != number.quantize(Decimal("0.01")):
        problems.setdefault(name, []).append(f"Give the {label} with at most two decimals.")
        return None
    return (number / 100).quantize(Decimal("0.0001"))


def as_bool(value) -> bool:
    """A checkbox or a JSON flag: "on", "yes", "true", "1", True."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)
