"""Co-op pages: co-op funds for partners and the OEM, how co-op works, and the program
admin's co-op rules. Each route reads the request, calls the rules, renders."""

from __future__ import annotations

from functools import partial

from flask import abort, flash, request
from flask_login import current_user, login_required

from campaigns.coop.blueprint import bp, may_propose, reference_names
from campaigns.coop.forms import ProgramRulesForm, ProgramTermsForm, rate_fields
from campaigns.coop.money import format_money
from campaigns.coop.overview import (
    EXPIRY_WARNING_DAYS,
    USE_PARTS,
    account_overview,
    account_view,
    accounts_beneath,
    entry_notes,
    ledger_search,
    period_chart,
    use_totals,
    utilisation_chart,
)
from campaigns.coop.partner_choices import filter_choices
from campaigns.coop.partners import SORTS, PartnerFilter
from campaigns.coop.periods import carryover_for, coming_periods
from campaigns.coop.program import require_program, set_terms
from campaigns.coop.rates import rate_table, set_rates
from hub import db, policy
from hub.db import today
from hub.errors import ValidationFailed
from hub.models import Organization, OrgKind
from hub.web.forms import apply_problems
from hub.web.pages import Page, int_arg, paginate_rows, render, see_other

__all__ = ["bp"]  # the blueprint, registered by campaigns' init_app

ENTRIES_PER_PAGE = 20
PARTNERS_PER_PAGE = 25
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
    program = require_program()
    if current_user.is_oem:
        return _overview_page(program)
    return _account_page(program, current_user.organization)


def _id_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _overview_page(program):
    """The OEM's overview: a page of partners, filtered and sorted, with totals and chart."""
    args = {
        "q": request.args.get("q", "").strip()[:100],
        "tier": _id_arg("tier"),
        "region": request.args.get("region", "").strip()[:80],
        "distributor": _id_arg("distributor"),
        "sort": request.args.get("sort", "expiring"),
    }
    if args["sort"] not in SORTS:
        args["sort"] = "expiring"
    filters = PartnerFilter(
        q=args["q"], tier_id=args["tier"], region=args["region"], distributor_id=args["distributor"]
    )
    overview = account_overview(
        current_user,
        program,
        filters=filters,
        sort=args["sort"],
        page=int_arg("page"),
        per_page=PARTNERS_PER_PAGE,
    )
    page = Page(overview.summaries, overview.page, PARTNERS_PER_PAGE, overview.totals.accounts)
    return render(
        "campaigns/coop/overview.html",
        "campaigns/coop/_overview_results.html",
        coop_program=program,
        summaries=overview.summaries,
        partners=page,
        totals=overview.totals,
        chart=utilisation_chart(overview.periods),
        parts=USE_PARTS,
        figures=use_totals(overview.periods),
        filtered=any((args["q"], args["tier"], args["region"], args["distributor"])),
        args=args,
        pager_args={k: v for k, v in args.items() if v},
        sorts=SORTS,
        choices=filter_choices(current_user, program),
        warning_days=EXPIRY_WARNING_DAYS,
        today=today(),
    )


@bp.get("/coop/<int:org_id>")
@login_required
def coop_account(org_id: int):
    """One organisation's co-op account: 404 outside the viewer's scope or for the OEM."""
    org = policy.get_organization_or_404(current_user, org_id)
    if org.kind == OrgKind.OEM:
        abort(404)
    program = require_program()
    return _account_page(program, org)


def _account_page(program, org: Organization):
    on = today()
    account_id, state = account_view(org, program, on)
    entries, notes = None, {}
    if account_id is not None:
        entries = paginate_rows(ledger_search(account_id), int_arg("page"), ENTRIES_PER_PAGE)
        notes = entry_notes(entries.items, partial(reference_names, current_user), program.currency)
    # A distributor's people also see the accounts of everyone beneath it in the channel
    # (a dealer has nobody beneath it: hub.directory's LEGAL_PARENTS).
    beneath = (
        []
        if current_user.is_oem or org.kind == OrgKind.DEALER
        else accounts_beneath(current_user, program, org, on)
    )
    return render(
        "campaigns/coop/account.html",
        "campaigns/coop/_entries.html",
        coop_program=program,
        org=org,
        own=org.id == current_user.organization_id,
        can_propose=org.id == current_user.organization_id and may_propose(current_user),
        balance=state.balance,
        buckets=[b for b in state.buckets if b.remaining or b.held],
        chart=period_chart(state.buckets),
        expiring=state.expiring,
        expiring_total=state.expiring_total,
        entries=entries,
        entry_labels=ENTRY_LABELS,
        entry_notes=notes,
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
    program = require_program()
    return render(
        "campaigns/coop/how.html",
        coop_program=program,
        can_propose=may_propose(current_user),
        **rate_table(program),
    )


@bp.route("/coop/program", methods=["GET", "POST"])
@login_required
def coop_program():
    """The program admin's co-op rules: accrual rates by tier and product line, from a date on;
    carryover, claim window and minimum claim (posted to `coop_program_terms`)."""
    if not policy.is_program_admin(current_user):
        abort(403)
    program = require_program()
    table = rate_table(program)
    form = ProgramRulesForm.for_program(table["tiers"], table["product_lines"])
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                changed = set_rates(
                    current_user,
                    program,
                    form.effective_from.data,
                    [
                        (name, kind, obj, getattr(form, name).data)
                        for name, kind, obj in form.rate_targets
                    ],
                )
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
    program = require_program()
    terms = ProgramTermsForm()
    terms.from_bucket.choices = _carryover_choices(program)
    if terms.validate():
        try:
            changes, rule = set_terms(
                current_user,
                program,
                carryover_periods=terms.carryover_periods.data,
                from_bucket=terms.from_bucket.data,
                claim_window_days=terms.claim_window_days.data,
                minimum_claim=terms.minimum_claim.data,
                on=today(),
            )
        except ValidationFailed as exc:
            db.rollback_request()  # all terms or none
            apply_problems(terms, exc)
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
                    f"the minimum claim is {format_money(changes['minimum_claim'][1], program.currency)}"
                )
            if said:
                text = "Saved: " + "; ".join(said) + "."
                if changes:
                    text += " Proposals already submitted keep the terms they were submitted under."
                flash(text, "success")
            else:
                flash("Nothing changed: these are the terms in force.", "success")
            return see_other("campaigns.coop_program")
    table = rate_table(program)
    form = ProgramRulesForm.for_program(table["tiers"], table["product_lines"])
    form.fill(table, today())
    return _program_page(program, table, form=form, terms=terms, status=422)


def _periods(program, count: int) -> str:
    word = program.period.value
    return f"{count} {word}{'s' if count != 1 else ''}"


def _carryover_choices(program) -> list[tuple[str, str]]:
    """The periods a carryover change may start in: the next four (never one that has begun)."""
    labels = coming_periods(program, today())
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
        terms.fill(program, carryover_for(program, choices[0][0]))
    terms.carryover_periods.label.text = f"Carryover ({program.period.value}s)"
    return render(
        "campaigns/coop/program.html",
        status=status,
        coop_program=program,
        form=form,
        terms=terms,
        rate_fields=rate_fields(form),
        **table,
    )
