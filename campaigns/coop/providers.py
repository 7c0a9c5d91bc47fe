"""What the co-op capability offers hub's extension points: the co-op dashboard panels and
the “Co-op available” fact for context cards. Read only; every figure comes from
`overview` and `balances`.

The partner panel offers “Start a campaign” to whoever may propose one (`blueprint.may_propose`).
"""

from __future__ import annotations

from datetime import date

from flask import render_template
from markupsafe import Markup, escape

from campaigns.coop import partners
from campaigns.coop.balances import account_of, organization_balance
from campaigns.coop.blueprint import (
    may_propose,
    name_references,
    offer_campaigns,
    reference_names,
)
from campaigns.coop.models import CoopProgram
from campaigns.coop.money import ZERO, format_money
from campaigns.coop.overview import (
    EXPIRY_WARNING_DAYS,
    USE_PARTS,
    AtRiskBeneath,
    account_overview,
    account_summaries,
    account_view,
    at_risk_beneath,
    hold_references,
    period_chart,
    territory_paths,
    use_totals,
    utilisation_chart,
)
from campaigns.coop.partners import PartnerFilter
from campaigns.coop.program import current_program
from hub import policy
from hub.db import today
from hub.models import Organization, OrgKind, Person, Role
from hub.registry import Panel

AT_RISK_SHOWN = 5
BENEATH_SHOWN = 3  # a distributor's dealers with money expiring, on its panel

__all__ = [  # account_of, account_summaries, current_program: read here by tests
    "account_of",
    "account_overview",
    "account_summaries",
    "coop_facts",
    "coop_panel",
    "current_program",
    "hold_wording",
    "name_references",
    "offer_campaigns",
    "rendered",
]


def rendered(html: str) -> Markup:
    """HTML from one of our autoescaping templates, safe to embed in the dashboard."""
    return Markup(html)  # noqa: S704 — rendered by an autoescaping Jinja template


def coop_panel(person: Person, on: date | None = None) -> list[Panel]:
    """Partners: their balance, what expires soon with a call to start a campaign, and
    earned vs used by period. Program admins and channel managers: co-op at risk of
    expiring by partner (a channel manager's own territory) and program-wide utilisation.
    Product managers: nothing. `on`: the day to count from (default today)."""
    program = current_program()
    if program is None:
        return []
    on = on or today()
    if person.is_oem:
        if person.role not in (Role.PROGRAM_ADMIN, Role.CHANNEL_MANAGER):
            return []
        return _oem_panels(person, program, on)
    return [_partner_panel(person, program, on)]


def _oem_panels(person: Person, program: CoopProgram, on: date) -> list[Panel]:
    """Money at risk (a channel manager's own territory, when they have one) and program-wide
    utilisation — aggregates and the top accounts read from the cached balances."""
    at_risk_filter, territory = PartnerFilter(), False
    if person.role == Role.CHANNEL_MANAGER:
        paths = territory_paths(person)
        if paths:  # a channel manager with a territory sees its partners; without one, all
            territory = True
            at_risk_filter = PartnerFilter(paths=tuple(paths))
    # The program's totals and periods in one statement; a territory's totals apart.
    program_totals, periods = partners.totals_and_periods(person, program, on)
    risk_totals = (
        partners.totals(person, program, on, at_risk_filter) if territory else program_totals
    )
    at_risk = [
        s
        for s in partners.summaries(
            person, program, on, at_risk_filter, sort="expiring", limit=AT_RISK_SHOWN
        )
        if s.expiring > 0
    ]
    risk_html = render_template(
        "campaigns/coop/_panel_admin.html",
        program=program,
        at_risk=at_risk,
        at_risk_total=risk_totals.expiring,
        at_risk_count=risk_totals.at_risk,
        territory=territory,
        today=on,
        warning_days=EXPIRY_WARNING_DAYS,
    )
    use_html = render_template(
        "campaigns/coop/_panel_utilisation.html",
        program=program,
        rows=utilisation_chart(periods),
        parts=USE_PARTS,
        figures=use_totals(periods),
        totals=program_totals,
        today=on,
    )
    title = "Co-op at risk in your territory" if territory else "Co-op funds at risk"
    return [
        Panel(title, rendered(risk_html), order=15),
        Panel("Co-op utilisation", rendered(use_html), order=16),
    ]


def _partner_panel(person: Person, program: CoopProgram, on: date) -> Panel:
    org = person.organization
    _, state = account_view(org, program, on)
    beneath = AtRiskBeneath([], 0, ZERO)
    if org.kind != OrgKind.DEALER:  # a distributor: its dealers with money expiring soon
        beneath = at_risk_beneath(person, program, org, on, BENEATH_SHOWN)
    html = render_template(
        "campaigns/coop/_panel_partner.html",
        program=program,
        org=org,
        balance=state.balance,
        expiring=state.expiring,
        expiring_total=state.expiring_total,
        chart=period_chart([b for b in state.buckets if b.earned or b.held or b.reimbursed]),
        can_propose=may_propose(person),
        beneath=beneath.top,
        beneath_count=beneath.count,
        beneath_total=beneath.total,
        today=on,
    )
    return Panel("Co-op funds", rendered(html), order=15)


# --- Context card fact ------------------------------------------------------------------


def coop_facts(organization: Organization, viewer: Person) -> list[tuple[str, str]]:
    """“Co-op available” for an organisation's context card (nothing outside the viewer's scope)."""
    if organization is None or organization.kind == OrgKind.OEM:
        return []
    if not policy.can_see_organization(viewer, organization):
        return []
    program = current_program()
    if program is None:
        return []
    bal = organization_balance(organization, program)
    return [("Co-op available", format_money(bal.available, program.currency))]


# --- Audit lines ------------------------------------------------------------------------


def hold_wording(viewer: Person, events) -> dict[int, Markup]:
    """The activity feed and audit log name the campaign a hold is for, linked where the
    viewer may open it, instead of the hold's internal reference (`proposal:11`)."""
    about_holds = [e for e in events if e.object_type == "Hold" and e.object_id.isdigit()]
    references = hold_references({int(e.object_id) for e in about_holds})
    names = reference_names(viewer, set(references.values()))
    wording = {}
    for e in about_holds:
        reference = references.get(int(e.object_id))
        if reference not in names or reference not in e.summary:
            continue
        name, url = names[reference]
        before, _, after = e.summary.partition(reference)
        link = Markup('<a href="{}">{}</a>').format(url, name) if url else escape(name)
        wording[e.id] = escape(before) + link + escape(after)
    return wording
