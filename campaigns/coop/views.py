"""Pages of the campaigns package: co-op funds for partners and the OEM, how co-op works,
and the program admin's co-op rules."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, request
from flask_login import current_user, login_required

from campaigns.coop import ledger
from campaigns.coop.forms import ProgramRulesForm, ProgramTermsForm, rate_fields
from campaigns.coop.models import AccrualRate, LedgerEntry
from campaigns.coop.providers import (
    EMPTY_BALANCE,
    EXPIRY_WARNING_DAYS,
    account_of,
    account_summaries,
    current_program,
    period_chart,
    totals,
)
from hub import db, policy
from hub.db import today
from hub.errors import ValidationFailed
from hub.models import Organization, OrgKind, ProductLine, Tier
from hub.web.forms import apply_problems
from hub.web.pages import int_arg, money, paginate, render, see_other

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")

ENTRIES_PER_PAGE = 20
ENTRY_LABELS = {
    "accrual": "Earned on a purchase",
    "adjustment": "Adjustment",
    "hold": "Held for a campaign",
    "release": "Released from a hold",
    "reimbursement": "Paid on a claim",
    "expiry": "Expired",
}


@bp.get("/coop")
@login_required
def coop():
    """A partner's own co-op account (plus its dealers' for a distributor); the OEM's overview."""
    program = current_program()
    if program is None:
        return render("campaigns/coop_none.html")
    if current_user.is_oem:
        summaries = account_summaries(current_user, program)
        return render(
            "campaigns/coop_overview.html",
            coop_program=program,
            summaries=summaries,
            totals=totals(summaries),
            warning_days=EXPIRY_WARNING_DAYS,
        )
    return _account_page(program, current_user.organization)


@bp.get("/coop/<int:org_id>")
@login_required
def coop_account(org_id: int):
    """One organisation's co-op account: 404 outside the viewer's scope or for the OEM."""
    org = policy.get_organization_or_404(current_user, org_id)
    if org.kind == OrgKind.OEM:
        abort(404)
    program = current_program()
    if program is None:
        return render("campaigns/coop_none.html")
    return _account_page(program, org)


def _account_page(program, org: Organization):
    account = account_of(org, program)
    on = today()
    if account is None:
        balance, buckets, expiring, entries = EMPTY_BALANCE, [], [], None
    else:
        balance = ledger.balance(account)
        buckets = ledger.bucket_balances(account)
        expiring = ledger.expiring_soon(account, EXPIRY_WARNING_DAYS, on)
        stmt = (
            sa.select(LedgerEntry)
            .where(LedgerEntry.account_id == account.id)
            .order_by(LedgerEntry.effective_on.desc(), LedgerEntry.id.desc())
        )
        entries = paginate(stmt, int_arg("page"), ENTRIES_PER_PAGE)
    # A distributor's people also see the accounts of everyone beneath it in the channel.
    beneath = []
    if not current_user.is_oem:
        beneath_ids = sa.select(Organization.id).where(
            Organization.path.startswith(org.path, autoescape=True), Organization.id != org.id
        )
        beneath = account_summaries(current_user, program, on, org_ids=beneath_ids)
    return render(
        "campaigns/coop_account.html",
        "campaigns/_entries.html",
        coop_program=program,
        org=org,
        own=org.id == current_user.organization_id,
        balance=balance,
        buckets=[b for b in buckets if b.remaining or b.held],
        chart=period_chart(buckets),
        expiring=expiring,
        expiring_total=sum((e.amount for e in expiring), Decimal("0.00")),
        entries=entries,
        entry_labels=ENTRY_LABELS,
        beneath=beneath,
        today=on,
        warning_days=EXPIRY_WARNING_DAYS,
        pager_endpoint=request.endpoint,
        pager_args={"org_id": org.id} if request.endpoint == "campaigns.coop_account" else {},
    )


@bp.get("/coop/how-it-works")
@login_required
def coop_how():
    """The co-op rules in plain words, with this program's own numbers."""
    program = current_program()
    if program is None:
        return render("campaigns/coop_none.html")
    return render("campaigns/coop_how.html", coop_program=program, **_rate_table(program))


def _rate_table(program, on=None) -> dict:
    """The rates in force on a day (today by default): by tier, and the product lines with
    their own rate; and the rates announced for later."""
    on = on or today()
    rows = list(
        db.session.scalars(
            sa.select(AccrualRate)
            .where(AccrualRate.program_id == program.id, AccrualRate.effective_from <= on)
            .order_by(AccrualRate.effective_from, AccrualRate.id)
        )
    )
    by_tier, by_line = {}, {}
    for row in rows:  # later rows win, as in ledger.rate_for
        if row.product_line_id is None and row.tier_id is not None:
            by_tier[row.tier_id] = row
        elif row.product_line_id is not None and row.tier_id is None:
            by_line[row.product_line_id] = row
    tiers = list(db.session.scalars(sa.select(Tier).order_by(Tier.rank)))
    lines = list(db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name)))
    upcoming = list(
        db.session.scalars(
            sa.select(AccrualRate)
            .where(AccrualRate.program_id == program.id, AccrualRate.effective_from > on)
            .order_by(AccrualRate.effective_from, AccrualRate.id)
        )
    )
    names = {("tier", t.id): f"{t.name} tier" for t in tiers} | {
        ("line", pl.id): pl.name for pl in lines
    }

    def scope(row: AccrualRate) -> str:
        parts = [names.get(("tier", row.tier_id)), names.get(("line", row.product_line_id))]
        return " · ".join(p for p in parts if p) or "All purchases"

    return {
        "tier_rates": [(t, by_tier.get(t.id)) for t in tiers],
        "line_rates": [(pl, by_line[pl.id]) for pl in lines if pl.id in by_line],
        "tiers": tiers,
        "product_lines": lines,
        "upcoming_rates": [(row, scope(row)) for row in upcoming],
        "example_year": on.year,
        "example_until": ledger.expires_on(program, ledger.bucket_for(program, on)),
        # The carryover in force for money earned today, then each change announced.
        "carryover": ledger.carryover_schedule(program, on),
    }


@bp.route("/coop/program", methods=["GET", "POST"])
@login_required
def coop_program():
    """The program admin's co-op rules: accrual rates by tier and product line, from a date on;
    carryover, claim window and minimum claim (posted to `coop_program_terms`)."""
    if not policy.is_program_admin(current_user):
        abort(403)
    program = current_program()
    if program is None:
        return render("campaigns/coop_none.html")
    table = _rate_table(program)
    form = ProgramRulesForm.for_program(table["tiers"], table["product_lines"])
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                changed = _apply_rates(program, form, table)
            except ValidationFailed as exc:
                db.rollback_request()  # nothing half-written: all rates or none
                apply_problems(form, exc)
                status = 422
            else:
                flash(
                    f"{changed} rate{'s' if changed != 1 else ''} changed from "
                    f"{form.effective_from.data:%d %B %Y}; earlier purchases keep their rates."
                    if changed
                    else "Nothing changed: the rates you sent are the ones in force.",
                    "success",
                )
                return see_other("campaigns.coop_program")
        else:
            status = 422
    else:
        form.fill(table, today())
    return _program_page(program, table, form=form, status=status)


@bp.post("/coop/program/terms")
@login_required
def coop_program_terms():
    """Change the carryover (for money earned from a coming period on), the claim window and
    the minimum claim — all or nothing, each change audited."""
    if not policy.is_program_admin(current_user):
        abort(403)
    program = current_program()
    if program is None:
        return render("campaigns/coop_none.html")
    terms = ProgramTermsForm()
    terms.from_bucket.choices = _carryover_choices(program)
    if terms.validate():
        problems: dict[str, list[str]] = {}
        changes, rule = {}, None
        try:
            changes = ledger.set_claim_terms(
                current_user,
                program,
                claim_window_days=terms.claim_window_days.data,
                minimum_claim=terms.minimum_claim.data,
            )
        except ValidationFailed as exc:
            problems.update(exc.problems)
        try:
            rule = ledger.set_carryover(
                program,
                terms.carryover_periods.data,
                current_user,
                terms.from_bucket.data,
                on=today(),
            )
        except ValidationFailed as exc:
            problems.update(exc.problems)
        if problems:
            db.rollback_request()  # all terms or none
            apply_problems(terms, ValidationFailed(problems))
        else:
            said = []
            if rule is not None:
                said.append(
                    f"money earned from {rule.from_bucket} on carries over "
                    f"{_periods(program, rule.carryover_periods)}; money already earned keeps "
                    "its expiry dates"
                )
            if "claim_window_days" in changes:
                said.append(f"the claim window is {changes['claim_window_days'][1]} days")
            if "minimum_claim" in changes:
                said.append(
                    f"the minimum claim is {money(changes['minimum_claim'][1], program.currency)}"
                )
            if said:
                text = "Saved: " + "; ".join(said) + "."
                if changes:
                    text += " Proposals already submitted keep the terms they were submitted under."
                flash(text, "success")
            else:
                flash("Nothing changed: these are the terms in force.", "success")
            return see_other("campaigns.coop_program")
    table = _rate_table(program)
    form = ProgramRulesForm.for_program(table["tiers"], table["product_lines"])
    form.fill(table, today())
    return _program_page(program, table, form=form, terms=terms, status=422)


def _periods(program, count: int) -> str:
    word = program.period.value
    return f"{count} {word}{'s' if count != 1 else ''}"


def _carryover_choices(program) -> list[tuple[str, str]]:
    """The periods a carryover change may start in: the next four (never one that has begun)."""
    current = ledger.bucket_for(program, today())
    labels = [ledger.next_bucket(program, current, n) for n in range(1, 5)]
    return [
        (label, label + (" (the next period)" if n == 0 else "")) for n, label in enumerate(labels)
    ]


def _program_page(program, table, *, form, terms=None, status=200):
    """The co-op rules page: the rates form beside the windows-and-limits form."""
    choices = _carryover_choices(program)
    if terms is None:
        terms = ProgramTermsForm(formdata=None)
        terms.from_bucket.choices = choices
        terms.from_bucket.data = choices[0][0]
        terms.fill(program, ledger.carryover_for(program, choices[0][0]))
    terms.carryover_periods.label.text = f"Carryover ({program.period.value}s)"
    return render(
        "campaigns/coop_program.html",
        status=status,
        coop_program=program,
        form=form,
        terms=terms,
        rate_fields=rate_fields(form),
        **table,
    )


def _apply_rates(program, form, table) -> int:
    """Set every rate the admin changed (percent in the form → fraction in the ledger)."""
    on = form.effective_from.data
    # "Unchanged" means: the same as the rate that would be in force on that day anyway.
    table = _rate_table(program, on)
    current = {("tier", t.id): r for t, r in table["tier_rates"]} | {
        ("line", pl.id): r for pl, r in table["line_rates"]
    }
    changed = 0
    problems: dict[str, list[str]] = {}
    for name, kind, obj in form.rate_targets:
        value = getattr(form, name).data
        old = current.get((kind, obj.id))
        if value is None:
            if old is not None:
                problems[name] = [
                    "A rate can't be removed, only changed; enter 0 to stop accruing here."
                ]
            continue
        fraction = (value / 100).quantize(ledger.RATE_PLACES)
        if old is not None and old.rate == fraction:
            continue
        try:
            ledger.set_accrual_rate(
                current_user,
                program,
                fraction,
                tier=obj if kind == "tier" else None,
                product_line=obj if kind == "line" else None,
                effective_from=on,
            )
        except ValidationFailed as exc:
            problems[name] = [s for sentences in exc.problems.values() for s in sentences]
            continue
        changed += 1
    if problems:
        raise ValidationFailed(problems)
    return changed
