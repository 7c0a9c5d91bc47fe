"""Forms of the campaigns pages. Rates are entered in per cent (2 = 2%) and stored by the
ledger as fractions (0.02). Field names match the service's problem keys, so a rule's
sentence lands beside the field it is about."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, StringField
from wtforms import SelectField as WTFormsSelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from hub.db import today
from hub.web.forms import SelectField

PERCENT_HINT = "Enter the rate in per cent, e.g. 2 or 0.75; leave empty where none applies."


class PercentField(StringField):
    """A percentage from 0 to 100 with at most three decimals; empty means no rate."""

    def process_formdata(self, valuelist):
        self.data = None
        self._raw = (valuelist[0] if valuelist else "").strip().rstrip("%").strip()

    def pre_validate(self, form):
        raw = getattr(self, "_raw", "")
        if not raw:
            self.data = None
            return
        try:
            value = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            raise ValidationError(
                f"“{raw}” is not a percentage; enter a number such as 2 or 0.75."
            ) from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise ValidationError("A rate is a percentage from 0 to 100.")
        if value != value.quantize(Decimal("0.001")):
            raise ValidationError("Give the rate with at most three decimals, e.g. 0.755.")
        self.data = value

    def _value(self):
        if getattr(self, "_raw", None) is not None:
            return self._raw
        return "" if self.data is None else f"{self.data.normalize():f}"


class ProgramRulesForm(FlaskForm):
    """Accrual rates per tier and product line, from a date on (fields are added per program)."""

    effective_from = DateField(
        "Rates apply to purchases from",
        validators=[DataRequired("Enter the date the new rates start, like 2027-01-01.")],
    )

    rate_targets: list = []

    @classmethod
    def for_program(cls, tiers, product_lines) -> ProgramRulesForm:
        """A form class with one percentage field per tier and per product line."""
        targets, attrs = [], {}
        for tier in tiers:
            name = f"tier_{tier.id}"
            attrs[name] = PercentField(f"{tier.name} tier (%)")
            targets.append((name, "tier", tier))
        for line in product_lines:
            name = f"line_{line.id}"
            attrs[name] = PercentField(f"{line.name} (%)")
            targets.append((name, "line", line))
        form_class = type("BoundProgramRulesForm", (cls,), attrs)
        form = form_class()
        form.rate_targets = targets
        return form

    def validate_effective_from(self, field):
        if field.data and field.data < today():
            raise ValidationError(
                "New rates apply to new purchases only: choose today or a later date."
            )

    def fill(self, table: dict, on: date) -> None:
        """Show the rates in force today."""
        current = {("tier", t.id): r for t, r in table["tier_rates"]} | {
            ("line", pl.id): r for pl, r in table["line_rates"]
        }
        for name, kind, obj in self.rate_targets:
            row = current.get((kind, obj.id))
            field = getattr(self, name)
            field._raw = None
            field.data = None if row is None else (row.rate * 100).quantize(Decimal("0.001"))
        self.effective_from.data = on


def rate_fields(form: ProgramRulesForm) -> list:
    """The form's rate fields in display order: (field, "tier" | "line")."""
    return [(getattr(form, name), kind) for name, kind, _ in form.rate_targets]


class WholeNumberField(StringField):
    """A whole number within bounds, with a sentence (not "Not a valid integer") when it isn't."""

    def __init__(self, label=None, validators=None, *, low: int = 0, high: int, what: str, **kw):
        super().__init__(label, validators, **kw)
        self.low, self.high, self.what = low, high, what

    def process_formdata(self, valuelist):
        self.data = None
        self._raw = (valuelist[0] if valuelist else "").strip()

    def pre_validate(self, form):
        raw = getattr(self, "_raw", "")
        if not raw:
            raise ValidationError(
                f"Enter the {self.what}, a whole number from {self.low} to {self.high}."
            )
        if not raw.isdigit() or not self.low <= int(raw) <= self.high:
            raise ValidationError(
                f"“{raw[:20]}” is not a {self.what}: enter a whole number from {self.low} to "
                f"{self.high}."
            )
        self.data = int(raw)

    def _value(self):
        if getattr(self, "_raw", None) is not None:
            return self._raw
        return "" if self.data is None else str(self.data)


class ComingPeriodField(SelectField):
    """One of the coming periods offered (a carryover change never starts in one that began)."""

    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices or []}:
            raise ValidationError(
                "Choose a coming period from the list: a carryover change never applies to "
                "money already earned."
            )


class ProgramTermsForm(FlaskForm):
    """Carryover (for money earned from a coming period on), claim window and minimum claim."""

    carryover_periods = WholeNumberField("Carryover", high=20, what="carryover")
    from_bucket = ComingPeriodField("For money earned from", choices=[])
    claim_window_days = WholeNumberField(
        "Claim window (days after a campaign ends)", high=730, what="claim window"
    )
    minimum_claim = StringField(
        "Minimum claim", validators=[DataRequired("Enter the minimum claim, e.g. 100.00 or 0.")]
    )

    def fill(self, program, next_carryover: int) -> None:
        """Show the terms in force; the carryover is the one that applies from the next period."""
        self.carryover_periods._raw = None
        self.carryover_periods.data = next_carryover
        self.claim_window_days._raw = None
        self.claim_window_days.data = program.claim_window_days
        self.minimum_claim.data = f"{program.minimum_claim:.2f}"


class ImportUploadForm(FlaskForm):
    """A CSV file of ERP purchase lines (checked by campaigns.imports, not here)."""

    file = FileField("CSV file of purchase lines")


EXPORT_FORMATS = [
    SelectChoice("csv", "CSV (spreadsheets, finance systems)"),
    SelectChoice("json", "JSON"),
]


class ExportForm(FlaskForm):
    """Which part of the ledger to export, and how (checked by campaigns.exports)."""

    organization_id = SelectField("Organisation", choices=[])
    period = StringField("Period", validators=[Optional()])
    # Named as in the API's query string: ?from=2026-01-01&to=2026-03-31.
    date_from = StringField("From", validators=[Optional()], name="from")
    date_to = StringField("To", validators=[Optional()], name="to")
    format = WTFormsSelectField("Format", choices=EXPORT_FORMATS, default="csv")
