"""Money in the co-op ledger: read exactly, rounded only where the ledger computes, shown
one way.

Amounts people send are refused rather than rounded when they carry fractions of a cent;
only amounts the ledger computes itself (accruals) are rounded, see `quantize`. Sums are
taken in whole cents (`cents`), exact on SQLite too, which stores Numeric as REAL.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa

from hub import db
from hub.errors import ValidationFailed

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# No single purchase line, hold or adjustment is this large; a bigger number is a typo.
MAX_AMOUNT = Decimal("100000000.00")


def quantize(value: Decimal) -> Decimal:
    """Round a computed amount to cents, halves away from zero (0.005 → 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """An amount as a dealer reads it: USD 7,500.00 (as pages show money, hub.web.money)."""
    return f"{currency} {amount:,.2f}"


def amount_text(amount: Decimal) -> str:
    """An amount as files and the API carry it: 7500.00 (text, never a float)."""
    return f"{amount:.2f}"


class Invalid(ValueError):
    """A value that cannot be accepted; the message is a sentence for the person who sent it."""


def to_decimal(value, what: str) -> Decimal:
    """A finite Decimal from text, an int or a Decimal; a float or anything else is refused."""
    if isinstance(value, str):  # what files and the API send, tested first (imports read 100,000)
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise Invalid(
                f"The {what} “{value[:40]}” is not a number; write digits with a decimal point, "
                "e.g. 1250.00."
            ) from None
    elif isinstance(value, bool | float):
        # A float has already lost cents (0.1 + 0.2 != 0.3); money travels as text or Decimal.
        raise Invalid(f"Give the {what} as a decimal number such as 1250.00 (text, not a float).")
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif value is None:
        raise Invalid(f"Enter the {what}.")
    else:
        raise Invalid(f"The {what} must be a number such as 1250.00.")
    if not number.is_finite():
        raise Invalid(f"The {what} must be a number such as 1250.00.")
    return number


def parse_money(
    value, what: str = "amount", *, signed: bool = False, zero: bool = False
) -> Decimal:
    """Read an amount of money exactly: at most two decimals, never a float, within reason.

    Amounts are refused rather than rounded when they carry fractions of a cent — only
    amounts the ledger computes itself (accruals) are rounded, see `quantize`.
    """
    number = to_decimal(value, what)
    if abs(number) > MAX_AMOUNT:
        raise Invalid(
            f"The {what} {number:,} is larger than any single co-op movement can be "
            f"(at most {MAX_AMOUNT:,}); check it for a typo."
        )
    in_cents = number.quantize(CENT)
    if number != in_cents:
        raise Invalid(f"The {what} {number} has fractions of a cent; use at most two decimals.")
    number = in_cents
    if number == 0 and not zero:
        if signed:
            raise Invalid(
                "An adjustment of zero changes nothing; enter a positive or negative amount."
            )
        raise Invalid(f"The {what} must be more than zero.")
    if number < 0 and not signed:
        raise Invalid(f"The {what} must be more than zero, not {number}.")
    return number


def field_money(value, field_name: str, what: str = "amount", **kw) -> Decimal:
    """`parse_money`, refusing with the sentence on the form or API field `field_name`."""
    try:
        return parse_money(value, what, **kw)
    except Invalid as exc:
        raise ValidationFailed({field_name: [str(exc)]}) from None


def cents(column):
    """A money column as whole cents, for exact SQL sums (SQLite stores Numeric as REAL)."""
    return sa.cast(sa.func.round(column * 100), sa.BigInteger)


# Sums in whole cents, written per database. SQLite stores Numeric as REAL, so each value is
# rounded to whole cents before it is added (`cents`). PostgreSQL's NUMERIC is exact, and a
# NUMERIC(14, 2) times 100 is a whole number already: no rounding is needed there, and what
# is cheapest depends on the number of groups — one sum of NUMERIC then times 100 for a few
# groups (totals, periods: half the database's CPU of round-and-cast per row), a sum of
# BIGINTs for many small groups (per account: NUMERIC's aggregate state per group costs more
# than a cast per row).


sum_cents = db.per_database(
    "sum_cents",
    "SUM of a money column or expression in whole cents, over few and large groups.",
    lambda column: sa.func.sum(cents(column)),
    lambda column: sa.func.sum(column) * 100,
    sa.BigInteger(),
)
whole_cents = db.per_database(
    "whole_cents",
    "A money column or expression as whole cents, to sum over many small groups.",
    cents,
    lambda column: sa.cast(column * 100, sa.BigInteger),
    sa.BigInteger(),
)
# A money expression to compare with zero: `cents(x)` on SQLite, which computes x in
# floating point; x itself on PostgreSQL, exact for sums and differences of NUMERIC(14, 2)
# (x > 0 there is x ≥ 0.01, at least a cent, as cents(x) > 0 is). Typed BigInteger as
# cents(x) is: the zero it is compared with binds as an integer.
_comparable = db.per_database(
    "comparable",
    "A money expression to compare with zero.",
    cents,
    lambda column: column,
    sa.BigInteger(),
)


def positive(column):
    """`column > 0` for a money expression, at least a cent (see `_comparable`)."""
    return _comparable(column) > 0


def from_cents(value) -> Decimal:
    """A sum of `cents` back as money (None, an empty sum, is zero)."""
    return Decimal(int(value or 0)).scaleb(-2)
