"""The demo's campaign proposals: two dozen of them, in every state of the workflow.

Runs after `providers.seed_demo` (the co-op program, two years of purchases, Prairie's
worked example). Everything goes through `campaigns.proposals`, so the ledger, the audit
log and each proposal's thread agree; steps that move money are dated in the past with
`on=`, and afterwards each proposal's own timestamps are set back to when its steps
happened, so the waiting times on dashboards look like a program in use. (Thread and
audit events are append-only and keep the time of seeding.)

Prairie Ag Dealers (marketing@prairie.example) has a proposal in every state, results
with peer medians beside them (three other Premier dealers report results in the same
categories), a discussion with an open suggested edit, and money that expires within
60 days unless a campaign holds it. Other dealers fill the channel manager's and the
program admin's queues.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont

from campaigns.coop import ledger
from campaigns.coop.models import CoopProgram
from campaigns.demo.coop import DEMO_PROGRAM
from campaigns.proposals import service as proposals
from campaigns.proposals.models import ActivityCategory, Proposal, ProposalStatus
from hub import audit, db
from hub.db import utcnow
from hub.models import Notification, Person, ProductLine

S = ProposalStatus
FAST_LANE_LIMIT = Decimal("1000.00")
# Prairie's 2025 fleet order: enough 2025 money that, after its campaigns, some of it is
# still free when the 2025 bucket's window closes — the "expires soon" nudge of the demo.
PRAIRIE_FLEET_ORDER = Decimal("335000.00")

# Proof files, by the kind of proof: how each is made.
IMAGE_PROOFS = {"photo", "screenshot", "tear_sheet"}


@dataclass
class Plan:
    """One demo proposal: who proposes what, how far it gets and when each step happened
    (days before today; `None` skips the step)."""

    owner: str  # e-mail of the dealer's marketer or admin
    title: str
    category: str
    target: ProposalStatus
    requested: str
    lines: list[tuple[str, str]]
    starts: int  # days from today (negative: in the past)
    days: int  # how long the campaign runs
    objective: str = ""
    audience: str = ""
    territory: str = ""
    template: bool = False
    leads: int | None = None
    revenue: str | None = None
    created: int = 0
    submitted: int | None = None
    approved: int | None = None  # the last rung (or the only one)
    first_rung: int | None = None  # a two-rung ladder's first approval
    reviewer: str = "channel@fieldcrest.example"
    claimed: int | None = None
    claim: list[tuple[str, str, list[str]]] = field(default_factory=list)  # desc, cost, proofs
    paid: int | None = None
    cuts: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # line → cost, code, note
    results: tuple[int, int, str] | None = None  # leads, opportunities, revenue
    reported: int | None = None
    closed: int | None = None
    note: str = ""  # changes requested or decline reason
    decided: int | None = None


CM = "channel@fieldcrest.example"
CM_NORTH = "channel.north@fieldcrest.example"
ADMIN = "admin@fieldcrest.example"
PRAIRIE = "marketing@prairie.example"

PLANS = [
    # --- Prairie Ag Dealers: one in every state -----------------------------------------
    Plan(PRAIRIE, "Spring planter open house", "Trade show / event", S.CLOSED, "1200.00",
         [("Tent, tables and catering", "1400.00"), ("Farm-paper invitation ad", "900.00"),
          ("Demo planter transport", "300.00")],
         starts=-230, days=2, created=262, submitted=258, approved=252, claimed=214, paid=206,
         objective="Put the new 24-row planter in front of growers before they book seed.",
         audience="Row-crop growers within 60 miles of Grand Island", territory="Hall County, NE",
         leads=35, revenue="150000.00",
         claim=[("Tent, tables and catering", "1350.00", ["invoice", "photo"]),
                ("Farm-paper invitation ad", "850.00", ["invoice", "attendee_list"])],
         results=(48, 14, "184000.00"), reported=150, closed=140),
    Plan(PRAIRIE, "Early-order digital campaign", "Digital advertising", S.RESULTS_REPORTED,
         "1000.00", [("Search and social ads, 6 weeks", "1800.00"), ("Landing page", "400.00")],
         starts=-180, days=30, created=210, submitted=206, approved=201, claimed=128, paid=112,
         objective="Early-order discounts on hay tools, to growers searching now.",
         audience="Hay and cattle operations", territory="Central Nebraska",
         leads=60, revenue="90000.00",
         claim=[("Search and social ads, 6 weeks", "1650.00", ["invoice", "screenshot"]),
                ("Landing page", "350.00", ["invoice"])],
         results=(74, 11, "72000.00"), reported=2),
    Plan(PRAIRIE, "Autumn farm-paper ads", "Print advertising", S.PAID, "1200.00",
         [("Half-page ads, 4 issues", "1800.00"), ("Colour upgrade, October issue", "600.00")],
         starts=-100, days=30, created=130, submitted=126, approved=121, claimed=40, paid=25,
         objective="Keep the Fieldcrest combine line in front of growers through harvest.",
         audience="Subscribers of the Nebraska Farmer", territory="Nebraska",
         leads=20, revenue="120000.00",
         claim=[("Half-page ads, 4 issues", "1800.00", ["invoice", "tear_sheet"]),
                ("Colour upgrade, October issue", "600.00", ["invoice"])],
         cuts={1: ("0.00", "missing_proof",
                   "No tear sheet of the colour issue; add it and we'll pay the upgrade.")}),
    Plan(PRAIRIE, "Fall harvest open house", "Trade show / event", S.CLAIM_SUBMITTED, "1500.00",
         [("Barbecue and tent", "1600.00"), ("Radio invitation spots", "1200.00"),
          ("Door prizes (Fieldcrest parts vouchers)", "400.00")],
         starts=-30, days=2, created=85, submitted=80, approved=70, claimed=5,
         objective="Thank customers after harvest and book winter service inspections.",
         audience="Customers and neighbours", territory="Hall and Buffalo counties",
         leads=40, revenue="80000.00",
         claim=[("Barbecue and tent", "1550.00", ["invoice", "photo", "attendee_list"]),
                ("Radio invitation spots", "1200.00", ["invoice"]),
                ("Door prizes (Fieldcrest parts vouchers)", "250.00", ["invoice"])]),
    Plan(PRAIRIE, "Co-branded spec sheets, utility tractors", "Co-branded literature", S.RUNNING,
         "800.00", [("Print run, 2,000 sheets", "1100.00")], template=True,
         starts=-6, days=45, created=9, submitted=8,
         objective="Counter handouts for the 45–75 hp range with our service promise.",
         audience="Walk-in customers", territory="Store counter and field days",
         leads=15, revenue="30000.00"),
    Plan(PRAIRIE, "Winter service clinic", "Training", S.APPROVED, "1200.00",
         [("Hall rental and lunch", "1200.00"), ("Trainer travel", "800.00"),
          ("Printed checklists", "400.00")],
         starts=24, days=1, created=16, submitted=12, approved=2,
         objective="Teach owners the 50-hour and winter-storage checks on their tractors.",
         audience="Owners of Fieldcrest tractors", territory="Grand Island store",
         leads=25, revenue="20000.00"),
    Plan(PRAIRIE, "Husker Harvest Days booth", "Trade show / event", S.SUBMITTED, "6000.00",
         [("Booth space, 3 days", "7200.00"), ("Booth build and graphics", "3800.00"),
          ("Staff travel and lodging", "1400.00")],
         starts=290, days=3, created=8, submitted=6, first_rung=4,
         objective="The state's biggest farm show: show the full tractor line with Fieldcrest.",
         audience="Farm show visitors", territory="Grand Island, NE",
         leads=120, revenue="600000.00"),
    Plan(PRAIRIE, "Planter demo days", "Trade show / event", S.SUBMITTED, "3000.00",
         [("Field rental and equipment transport", "2400.00"), ("Lunch for 60", "1300.00"),
          ("Radio and print invitations", "2300.00")],
         starts=130, days=10, created=5, submitted=3,
         objective="Book 40 planter demos on growers' own fields before planting.",
         audience="Row-crop growers within 50 miles", territory="Hall County, NE",
         leads=40, revenue="250000.00"),
    Plan(PRAIRIE, "Spring radio spots", "Local promotion", S.CHANGES_REQUESTED, "1800.00",
         [("Radio campaign, production and airtime", "3600.00")],
         starts=110, days=28, created=12, submitted=10, decided=7,
         objective="Drive planter and sprayer traffic in March.",
         audience="Farm radio listeners", territory="KRVN and KMMJ listening areas",
         leads=30, revenue="150000.00",
         note="Please split production from airtime: production is eligible only when both "
              "brands are in the spot. Could you also list the stations and the number of spots?"),
    Plan(PRAIRIE, "Highway 30 billboard", "Local promotion", S.DECLINED, "2500.00",
         [("Billboard, 3 months", "5000.00")],
         starts=45, days=90, created=30, submitted=27, decided=20,
         objective="Year-round visibility on the main road into town.",
         audience="Passing traffic", territory="Highway 30, Grand Island",
         note="Billboards need the 2027 brand artwork, which is out in February. Let's revisit "
              "then — or run the same budget as radio now and I'll approve it quickly."),
    Plan(PRAIRIE, "County fair booth", "Local promotion", S.EXPIRED, "600.00",
         [("Booth fee and banner", "1200.00")],
         starts=-140, days=4, created=170, submitted=166, approved=160,
         objective="A booth at the county fair with a tractor on show.",
         audience="Fair visitors", territory="Hall County Fair"),
    Plan(PRAIRIE, "Parts counter winter promotion", "Direct mail / email", S.DRAFT, "700.00",
         [("Postcards, 1,500", "900.00"), ("E-mail send", "300.00")],
         starts=40, days=60, created=1,
         objective="Winter parts and filter bundles to every customer with a tractor.",
         audience="Customers with Fieldcrest tractors", territory="Prairie's customer list"),
    # --- Premier peers with results: trade shows and digital ------------------------------
    Plan("marketing@harbor.example", "Gulf Coast farm show booth", "Trade show / event", S.CLOSED,
         "2000.00", [("Booth and graphics", "3000.00"), ("Staff and travel", "1200.00")],
         starts=-200, days=3, created=240, submitted=236, approved=232, claimed=180, paid=172,
         claim=[("Booth and graphics", "2900.00", ["invoice", "photo", "attendee_list"]),
                ("Staff and travel", "1100.00", ["invoice"])],
         results=(40, 12, "150000.00"), reported=120, closed=110),
    Plan("admin@redriver.example", "Red River Valley farm show", "Trade show / event", S.CLOSED,
         "1500.00", [("Booth space", "2000.00"), ("Giveaways", "1000.00")],
         starts=-260, days=3, created=300, submitted=296, approved=290, claimed=240, paid=230,
         claim=[("Booth space", "2000.00", ["invoice", "photo", "attendee_list"]),
                ("Giveaways", "1000.00", ["invoice"])],
         results=(22, 5, "60000.00"), reported=200, closed=190),
    Plan("admin@platte.example", "Platte Valley field day", "Trade show / event",
         S.RESULTS_REPORTED, "2400.00",
         [("Field day setup", "3200.00"), ("Lunch and shuttle", "1600.00")],
         starts=-90, days=1, created=130, submitted=126, approved=120, claimed=60, paid=50,
         claim=[("Field day setup", "3200.00", ["invoice", "photo", "attendee_list"]),
                ("Lunch and shuttle", "1600.00", ["invoice"])],
         results=(65, 20, "310000.00"), reported=4),
    Plan("admin@gulfbreeze.example", "Search ads for compact tractors", "Digital advertising",
         S.CLOSED, "1200.00", [("Search ads, 8 weeks", "2400.00")],
         starts=-210, days=56, created=250, submitted=246, approved=240, claimed=140, paid=132,
         claim=[("Search ads, 8 weeks", "2400.00", ["invoice", "screenshot"])],
         results=(38, 9, "48000.00"), reported=100, closed=95),
    Plan("admin@northshore.example", "Dairy-country social ads",
         "Digital advertising", S.CLOSED, "900.00", [("Social ads, 6 weeks", "1800.00")],
         reviewer=CM_NORTH,
         starts=-190, days=42, created=230, submitted=226, approved=220, claimed=130, paid=125,
         claim=[("Social ads, 6 weeks", "1800.00", ["invoice", "screenshot"])],
         results=(51, 15, "95000.00"), reported=90, closed=80),
    Plan("admin@prairiesky.example", "Prairie Sky video ads", "Digital advertising", S.CLOSED,
         "1500.00", [("Video ads, 4 weeks", "3000.00")], reviewer=CM_NORTH,
         starts=-170, days=28, created=200, submitted=196, approved=190, claimed=125, paid=118,
         claim=[("Video ads, 4 weeks", "3000.00", ["invoice", "screenshot"])],
         results=(19, 3, "30000.00"), reported=85, closed=70),
    # --- What else waits on the OEM ---------------------------------------------------------
    Plan("admin@northshore.example", "Michigan dairy days", "Trade show / event",
         S.CLAIM_SUBMITTED, "2500.00", [("Booth and milk bar", "3500.00"), ("Signage", "1500.00")],
         reviewer=CM_NORTH,
         starts=-40, days=3, created=100, submitted=95, approved=90, claimed=12,
         claim=[("Booth and milk bar", "3400.00", ["invoice", "photo", "attendee_list"]),
                ("Signage", "1500.00", ["invoice"])]),
    Plan("marketing@harbor.example", "Boat-show follow-up mailer", "Direct mail / email",
         S.SUBMITTED, "1400.00", [("Postcards and postage", "2200.00"), ("Design", "600.00")],
         starts=30, days=30, created=9, submitted=6,
         objective="Follow up every boat-show lead with a compact-tractor offer.",
         audience="Boat-show leads", territory="South Louisiana", leads=30,
         revenue="90000.00"),
    Plan("admin@sandhills.example", "Nebraska Ag Expo pavilion", "Trade show / event",
         S.SUBMITTED, "8000.00",
         [("Pavilion space", "9000.00"), ("Build and AV", "5000.00"), ("Staff", "2500.00")],
         starts=60, days=3, created=7, submitted=5, first_rung=2,
         objective="A joint pavilion with Fieldcrest's new high-horsepower line.",
         audience="Expo visitors", territory="Lincoln, NE", leads=150, revenue="900000.00"),
    Plan("marketing@hillside.example", "Fall tillage demo", "Trade show / event", S.SUBMITTED,
         "750.00", [("Demo field and fuel", "900.00"), ("Coffee and donuts", "300.00"),
                    ("Flyers", "300.00")],
         starts=21, days=1, created=2, submitted=1,
         objective="Show the new disc ripper on a neighbour's stubble.",
         audience="Growers near Salina", territory="Saline County, KS", leads=12,
         revenue="60000.00"),
    Plan("admin@tidewater.example", "Rodeo sponsorship", "Local promotion", S.DECLINED,
         "3000.00", [("Arena banner and program ad", "6000.00")],
         starts=50, days=3, created=20, submitted=18, decided=15,
         note="Sponsorships need both brands on the banner proof first; send the artwork and "
              "resubmit — the budget itself looks right."),
    Plan("admin@bayou.example", "Spring sprayer mailer", "Direct mail / email", S.DRAFT,
         "500.00", [("Postcards", "1000.00")], starts=70, days=30, created=3),
]  # fmt: skip


def _day(today: date, days_ago: int | None) -> date | None:
    return None if days_ago is None else today - timedelta(days=days_ago)


def _moment(now: datetime, days_ago: int, n: int) -> datetime:
    """`days_ago` days before now, at a working-day-looking hour that differs per proposal."""
    return now - timedelta(days=days_ago, hours=(n * 5) % 9, minutes=(n * 17) % 60)


def seed_demo(ctx: dict) -> str:
    """Two dozen proposals in every state for the demo program (after providers.seed_demo)."""
    program = db.session.scalar(sa.select(CoopProgram).where(CoopProgram.name == DEMO_PROGRAM))
    if program is None:
        return "proposals: no co-op program to seed"
    people: dict[str, Person] = ctx["people"]
    admin = people[ADMIN]
    proposals.install_defaults(program)
    program.fast_lane_limit = FAST_LANE_LIMIT
    audit.record(
        "coop.rules_changed",
        program,
        actor=admin,
        after={"fast_lane_limit": str(FAST_LANE_LIMIT)},
        summary=f"Fast lane: proposals built on an OEM template up to "
        f"{ledger.format_money(FAST_LANE_LIMIT, program.currency)} are approved at once",
    )
    _prairie_fleet_order(ctx, program, admin)
    categories = {c.name: c for c in proposals.categories(program)}
    today, now = db.today(), utcnow()
    seeded = []
    for n, plan in enumerate(PLANS):
        seeded.append(_seed(plan, n, people, program, categories, today, now))
    _discuss(seeded, people)
    summary = proposals.daily(today)  # the tick: expire what passed its claim deadline
    _date_finished(seeded, now)
    _quiet_finished_notifications(seeded)
    db.session.flush()
    states = sorted({p.status.value for p, _ in seeded})
    return (
        f"proposals: {len(seeded)} in {len(states)} states ({', '.join(states)}); "
        f"{summary.expired} expired at the deadline"
    )


def _prairie_fleet_order(ctx: dict, program: CoopProgram, admin: Person) -> None:
    prairie = ctx["orgs"].get("prairie")
    if prairie is None:
        return
    tractors = db.session.scalar(sa.select(ProductLine).where(ProductLine.slug == "tractors"))
    ledger.record_purchases(
        program,
        [
            {
                "external_id": f"ERP-{prairie.id}-2025-FLEET",
                "organization_id": prairie.id,
                "amount": str(PRAIRIE_FLEET_ORDER),
                "currency": program.currency,
                "purchased_on": "2025-06-18",
                "product_line_id": tractors.id if tractors else None,
            }
        ],
        admin,
    )


def _fields(plan: Plan, category: ActivityCategory, today: date) -> dict:
    starts = today + timedelta(days=plan.starts)
    return {
        "title": plan.title,
        "objective": plan.objective,
        "category_id": category.id,
        "audience": plan.audience,
        "territory": plan.territory,
        "starts_on": starts,
        "ends_on": starts + timedelta(days=max(plan.days - 1, 0)),
        "uses_oem_template": plan.template,
        "requested_amount": plan.requested,
        "expected_leads": plan.leads,
        "expected_revenue": plan.revenue,
        "lines": [{"description": d, "amount": a} for d, a in plan.lines],
    }


def _seed(plan, n, people, program, categories, today, now) -> tuple[Proposal, Plan]:
    """Walk one proposal through the service up to its target state."""
    owner = people[plan.owner]
    reviewer = people[plan.reviewer]
    admin = people[ADMIN]
    proposal = proposals.create(owner, program, _fields(plan, categories[plan.category], today))
    target = plan.target
    if target == S.DRAFT:
        return proposal, plan
    proposals.submit(owner, proposal, on=_day(today, plan.submitted))
    if target == S.CHANGES_REQUESTED:
        proposals.request_changes(reviewer, proposal, plan.note)
        return proposal, plan
    if target == S.DECLINED:
        proposals.decline(reviewer, proposal, plan.note)
        return proposal, plan
    if proposal.status == S.SUBMITTED:  # not in the fast lane
        if target == S.SUBMITTED and plan.first_rung is None:
            return proposal, plan
        day = _day(today, plan.first_rung if plan.first_rung is not None else plan.approved)
        proposals.approve(reviewer, proposal, note="Looks good to me.", on=day)
        if target == S.SUBMITTED:
            return proposal, plan  # now waiting on the program admin
        if proposal.status == S.SUBMITTED:
            proposals.approve(admin, proposal, on=_day(today, plan.approved))
    if target in (S.APPROVED, S.RUNNING, S.EXPIRED):
        return proposal, plan
    lines = [
        {
            "description": description,
            "amount": cost,
            "proofs": [(kind, _proof(owner, proposal, kind, description)) for kind in kinds],
        }
        for description, cost, kinds in plan.claim
    ]
    proposals.submit_claim(
        owner, proposal, lines, note="All receipts attached.", on=_day(today, plan.claimed)
    )
    if target == S.CLAIM_SUBMITTED:
        return proposal, plan
    claim = proposals.claim_of(proposal)
    decisions = {}
    for index, (cost, code, note) in plan.cuts.items():
        decisions[claim.lines[index].id] = {
            "approved_cost": cost,
            "reason_code": code,
            "reason_note": note,
        }
    proposals.review_claim(reviewer, proposal, decisions, on=_day(today, plan.paid))
    if target == S.PAID:
        return proposal, plan
    leads, opportunities, revenue = plan.results
    proposals.report_results(
        owner,
        proposal,
        {"result_leads": leads, "result_opportunities": opportunities, "result_revenue": revenue},
    )
    if target == S.RESULTS_REPORTED:
        return proposal, plan
    proposals.close(reviewer, proposal, "Thanks for sharing the results.")
    return proposal, plan


# --- Proof files ------------------------------------------------------------------------


def _proof(owner: Person, proposal: Proposal, kind: str, description: str):
    """A real proof file, made here: a PNG for photos and screenshots, a PDF otherwise —
    checked and kept by the same door as an upload."""
    label = proposals.PROOF_KINDS[kind]
    lines = [
        f"{label}: {description}",
        proposal.title,
        f"{proposal.organization.name} × Fieldcrest Equipment Co.",
    ]
    image = Image.new("RGB", (640, 420), (246, 247, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 640, 70), fill=(18, 61, 39))
    font = ImageFont.load_default(size=22)
    small = ImageFont.load_default(size=18)
    draw.text((24, 22), "FIELDCREST  ·  " + proposal.organization.name.upper(), font=font,
              fill=(255, 255, 255))  # fmt: skip
    for i, text in enumerate(lines):
        draw.text((24, 110 + i * 40), text, font=small, fill=(27, 31, 29))
    draw.rectangle((24, 260, 616, 380), outline=(29, 92, 58), width=3)
    draw.text((40, 300), "Demo proof — generated for the Partner Hub demo", font=small,
              fill=(74, 82, 78))  # fmt: skip
    out = io.BytesIO()
    slug = "-".join(description.lower().split()[:4]).replace(",", "")
    if kind in IMAGE_PROOFS:
        image.save(out, format="PNG")
        name, content_type = f"{kind}-{slug}.png", "image/png"
    else:
        image.save(out, format="PDF", resolution=72)
        name, content_type = f"{kind}-{slug}.pdf", "application/pdf"
    return proposals.keep_file(owner, proposal.organization_id, out.getvalue(), name, content_type)


# --- Discussion -------------------------------------------------------------------------


def _discuss(seeded: list[tuple[Proposal, Plan]], people: dict[str, Person]) -> None:
    """A conversation and an open suggested edit on Prairie's planter demo days, and the
    dealer's answer on the radio spots that came back for changes."""
    by_title = {p.title: p for p, _ in seeded}
    marcus, kelsey = people[CM], people[PRAIRIE]
    demo_days = by_title.get("Planter demo days")
    if demo_days is not None:
        proposals.comment(
            marcus,
            demo_days,
            "Love this — demos on growers' own fields convert far better than at the store. "
            "How will you follow up the demos that don't buy on the day?",
        )
        proposals.comment(
            kelsey,
            demo_days,
            "Each demo gets a call from Amy within a week, and a second visit at planting "
            "if they're still deciding.",
        )
        suggestion = proposals.suggest(
            marcus,
            demo_days,
            "ends_on",
            (demo_days.ends_on + timedelta(days=4)).isoformat(),
            "Four more days would catch the growers who plant late on the river bottoms.",
        )
        suggestion.created_at = utcnow() - timedelta(days=1, hours=3)
    radio = by_title.get("Spring radio spots")
    if radio is not None:
        proposals.comment(
            kelsey,
            radio,
            "Will do: KRVN 30 spots, KMMJ 20 spots. Splitting production out now.",
        )


# --- Making it look lived-in ------------------------------------------------------------


def _date_finished(seeded: list[tuple[Proposal, Plan]], now: datetime) -> None:
    """Set each proposal's own timestamps back to when its steps happened (the SLA clock
    reads `status_changed_at`)."""
    for n, (proposal, plan) in enumerate(seeded):
        steps = {
            "created": plan.created,
            "submitted": plan.submitted,
            "first_rung": plan.first_rung,
            "approved": plan.approved if plan.approved is not None else plan.submitted
            if plan.template else None,
            "decided": plan.decided,
            "claimed": plan.claimed,
            "paid": plan.paid,
            "reported": plan.reported,
            "closed": plan.closed,
        }  # fmt: skip
        at = {k: _moment(now, v, n) for k, v in steps.items() if v is not None}
        proposal.created_at = at["created"]
        if "submitted" in at:
            proposal.submitted_at = at["submitted"]
        if "approved" in at or "decided" in at:
            proposal.decided_at = at.get("approved") or at["decided"]
        if "reported" in at:
            proposal.results_reported_at = at["reported"]
        claim = proposals.claim_of(proposal) if "claimed" in at else None
        if claim is not None:
            claim.submitted_at = at["claimed"]
            if "paid" in at:
                claim.decided_at = at["paid"]
        if proposal.status == S.EXPIRED:
            continue  # expired by today's tick: its clock stopped now
        if proposal.status == S.RUNNING and plan.starts < 0 and "approved" in at:
            # Started running on its start day (or at approval, when that came later).
            started = _moment(now, -plan.starts, n)
            last = max(at["approved"], started)
        else:
            last = max(at.values())
        proposal.status_changed_at = last
        proposal.updated_at = last


def _quiet_finished_notifications(seeded: list[tuple[Proposal, Plan]]) -> None:
    """Mark the notifications about finished proposals read, so the bell shows what is live."""
    done = [
        f"/campaigns/proposals/{p.id}"
        for p, _ in seeded
        if p.status in (S.CLOSED, S.DECLINED, S.EXPIRED, S.RESULTS_REPORTED, S.PAID)
    ]
    if done:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.url.in_(done), Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
