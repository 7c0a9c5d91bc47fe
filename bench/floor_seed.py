"""The feature areas' data for bench/floor.py's feature pages, on top of bench.seed_large's
channel: a modest, realistic amount for each page's viewer, written by the areas' own
services and bench seeders (bench.coop_seed, bench.ideas_seed, bench.learning_seed) — not
a seeder of its own.

* co-op: bench.coop_seed's program (a rate per tier), an account for every partner with
  20 accruals each and 300 for the dealer persona's organisation;
* proposals: the program's default categories and ladder; six of the dealer's proposals,
  two approved (so its account holds money for them), the measured one submitted and
  waiting on the channel manager, with a thread: comments both ways and a suggested edit
  the dealer accepted;
* a conversation the dealer's marketer opened, 150 messages with the channel manager;
* ideas: 1,000 ideas with 10,000 votes (bench.ideas_seed);
* learning: bench.learning_seed's paths, tier requirements and specialisations, 60
  certifications among the dealer's people, and a partner staff member of the dealer
  (the learner dashboard's viewer) part-way through a path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from bench import coop_seed, ideas_seed, learning_seed
from bench.seed_large import Persona, SeedResult, sign_in
from hub import db
from hub.db import utcnow

COOP_ENTRIES_PER_ACCOUNT = 20
COOP_ENTRIES_DEALER = 300
PROPOSALS = 6
MESSAGES = 150
IDEAS, VOTES = 1_000, 10_000
CERTIFICATIONS = 60


@dataclass
class FeatureSeed:
    personas: dict[str, Persona]  # seed_large's, plus "staff" (a partner staff member)
    paths: dict[str, str] = field(default_factory=dict)  # "{proposal}" → "/campaigns/…/7"
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def seed_features(app, seeded: SeedResult) -> FeatureSeed:
    """Everything the feature pages show, for the personas of `seeded`."""
    started = time.perf_counter()
    personas = dict(seeded.personas)
    setup = coop_seed.create_program(app)
    accounts = coop_seed.open_accounts(app, setup)
    dealer_org = personas["dealer"].organization_id
    per_account = {a: COOP_ENTRIES_PER_ACCOUNT for a in accounts.values()}
    per_account[accounts[dealer_org]] = COOP_ENTRIES_DEALER
    coop_seed.load_entries(app, per_account)
    proposal_id = _proposals(app, personas, setup.program_id)
    conversation_id = _conversation(app, personas)
    ideas = ideas_seed.IdeaSeeder(app)
    ideas.add(IDEAS, VOTES)
    learning = learning_seed.create_program(app, seeded)
    staff = _learner(app, personas)
    learning_seed.load_certifications(
        app, learning.focal_people, learning.levels, CERTIFICATIONS, seed=3
    )
    personas |= {"dealer_admin": learning.personas["dealer_admin"], "staff": staff}
    _progress(app, staff)
    _analyze(app)
    return FeatureSeed(
        personas,
        {"{proposal}": str(proposal_id), "{conversation}": str(conversation_id)},
        {
            "coop_entries": sum(per_account.values()),
            "proposals": PROPOSALS,
            "messages": MESSAGES,
            "ideas": ideas.ideas,
            "votes": ideas.votes,
            "certifications": CERTIFICATIONS,
        },
        time.perf_counter() - started,
    )


def _proposals(app, personas: dict[str, Persona], program_id: int) -> int:
    """The dealer's proposals; the id of the one waiting on the channel manager."""
    from campaigns.coop.models import CoopProgram
    from campaigns.proposals import service as proposals
    from hub.models import Person

    with app.app_context():
        program = db.session.get(CoopProgram, program_id)
        proposals.install_defaults(program)
        marketer = db.session.get(Person, personas["dealer"].person_id)
        manager = db.session.get(Person, personas["oem"].person_id)
        # Categories that wait for an approver (others are approved when sent).
        categories = [c for c in proposals.categories(program) if c.needs_preapproval]
        start = db.today() + timedelta(days=20)
        made = []
        for n in range(PROPOSALS):
            category = categories[n % len(categories)]
            data = {
                "title": f"Spring demo days {n + 1}",
                "objective": "Put the new compact loader in front of growers before spring.",
                "category_id": category.id,
                "audience": "Livestock and hay operations within 60 miles",
                "territory": "Home county and its neighbours",
                "starts_on": (start + timedelta(days=7 * n)).isoformat(),
                "ends_on": (start + timedelta(days=7 * n + 13)).isoformat(),
                "requested_amount": "400.00",
                "expected_leads": 25,
                "expected_revenue": "80000.00",
                "lines": [
                    {"description": "Farm-paper ads, 3 issues", "amount": "450.00"},
                    {"description": "Demo-day catering", "amount": "300.00"},
                    {"description": "Radio spots", "amount": "250.00"},
                ],
            }
            proposal = proposals.create(marketer, program, data)
            proposals.submit(marketer, proposal)
            made.append(proposal)
        for proposal in made[:2]:
            proposals.approve(manager, proposal, note="Looks good to me.")
        measured = made[-1]
        turns = [
            (manager, "Demos on growers' own fields convert well. How will you follow up?"),
            (marketer, "Each demo gets a call within a week and a second visit at planting."),
            (manager, "Good. Could the radio spots run the week before instead of during?"),
            (marketer, "Yes — we'll move them; the station has the slots."),
        ]
        for who, body in turns:
            proposals.comment(who, measured, body)
        suggestion = proposals.suggest(
            manager,
            measured,
            "ends_on",
            (measured.ends_on + timedelta(days=4)).isoformat(),
            "Four more days catch the growers who plant late.",
        )
        proposals.decide_suggestion(marketer, suggestion, True)
        proposals.comment(marketer, measured, "Accepted the longer run; thanks.")
        db.session.commit()
        return measured.id


def _conversation(app, personas: dict[str, Persona]) -> int:
    """The dealer's marketer and its channel manager, MESSAGES messages over two weeks."""
    from hub.conversations.service import send_message, start_conversation
    from hub.models import Person, TerritoryAssignment

    with app.app_context():
        marketer = db.session.get(Person, personas["dealer"].person_id)
        manager = db.session.scalar(  # the channel manager whose territory the dealer is in
            sa.select(Person)
            .join(TerritoryAssignment, TerritoryAssignment.channel_manager_id == Person.id)
            .where(TerritoryAssignment.organization_id == marketer.organization_id)
        )
        first = utcnow() - timedelta(days=14)
        conversation, _ = start_conversation(
            marketer,
            "Loader demo fleet for the spring shows",
            "Can we borrow two demo loaders for the spring shows?",
            now=first,
        )
        step = timedelta(days=13) / MESSAGES
        for n in range(1, MESSAGES):
            who = manager if n % 2 else marketer
            send_message(
                who,
                conversation,
                f"bench-floor-{n:04d}",
                f"Message {n} about the demo fleet: dates, transport and who signs for the "
                f"loaders at the show ({'OEM' if n % 2 else 'dealer'}).",
                now=first + step * n,
            )
        db.session.commit()
        return conversation.id


def _learner(app, personas: dict[str, Persona]) -> Persona:
    """A partner staff member of the dealer persona's organisation, signed in."""
    from hub.models import Person, Role

    org = personas["dealer"].organization_id
    with app.app_context():
        person = db.session.scalar(
            sa.select(Person)
            .where(Person.organization_id == org, Person.role == Role.PARTNER_STAFF)
            .order_by(Person.id)
        )
        staff = Persona("staff", "dealer partner staff", person.id, person.email, org)
        sign_in(app, db.session, {"staff": staff})
        db.session.commit()
    return staff


def _progress(app, staff: Persona) -> None:
    """The learner part-way into the first open level of a path they hold nothing in."""
    from hub.errors import ValidationFailed
    from hub.models import Person
    from learning.paths import progress
    from learning.paths.models import Module

    with app.app_context():
        person = db.session.get(Person, staff.person_id)
        context = progress.dashboard(person)
        for summary in context["others"]:
            level = summary.current
            if level is None or not summary.next_module or len(level.modules) < 2:
                continue
            try:
                for view in level.modules[: len(level.modules) - 1]:
                    progress.complete_module(person, db.session.get(Module, view.id))
            except ValidationFailed:
                continue
            break
        db.session.commit()


def _analyze(app) -> None:
    with app.app_context():
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
