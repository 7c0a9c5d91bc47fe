"""Issue 13's "Done when", in one browser journey: Harbor's marketer starts an idea, is
offered the existing one while typing the title and votes for it instead (no new idea);
the product manager finds it in triage weighted by tier and moves it to "in beta" with a
message — every voter is told and invited to the linked beta program; Harbor's
technician, an early tester of that program, signs the NDA, files a report and answers
the survey; the product manager ships the idea and every voter hears about it. The
notifications are checked in the database for every voter, and the marketer's in the
browser. Axe on the key pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from feedback.betas.models import BetaApplication, BetaInvitation, BetaProgram
from feedback.ideas.models import Idea, IdeaNotice, IdeaStatusChange, IdeaVote
from hub import db
from hub.models import Notification
from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

MARKETER = "marketing@harbor.example"  # André Guidry, Harbor Equipment (Premier)
PM = "pm@fieldcrest.example"  # Priya Raman
TESTER = "tech@harbor.example"  # Cody: accepted early in the net wrap beta, NDA not signed
IDEA = "Net wrap roll lift assist"  # a demo idea in progress, linked to the program
PROGRAM = "Net wrap lift assist beta"
IN_BETA = "The lift assist is on demo balers now: apply to test it."
SHIPPED = "The lift assist ships on every 2027 round baler. Thank you, testers."


def _ideas_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Idea))


def test_from_a_dealers_idea_through_the_beta_to_shipped(open_page, live_server, demo):
    app = live_server.app
    ideas_before = _ideas_count(app)

    # The marketer starts an idea and is offered the existing one; votes for it instead.
    dealer = open_page()
    sign_in(dealer, MARKETER)
    dealer.goto("/feedback/ideas/new")
    dealer.get_by_label("Product line").select_option(label="Harvesting & Hay")
    dealer.get_by_label("Title").press_sequentially("Lift assist for net wrap", delay=20)
    offered = dealer.locator("#similar")
    expect(offered.get_by_role("link", name=IDEA)).to_be_visible()
    check_axe(dealer, label="the idea form with the duplicate offered")
    offered.get_by_role("button", name=f"Vote for this idea instead: {IDEA}").click()
    expect(dealer.get_by_role("heading", level=1)).to_have_text(IDEA)
    expect(dealer.get_by_text("You voted for this.")).to_be_visible()
    idea_path = re.search(r"/feedback/ideas/\d+$", dealer.url).group(0)
    assert _ideas_count(app) == ideas_before  # voted, no new idea

    # The product manager sees it in triage, weighted by tier (Harbor is Premier).
    pm = open_page()
    sign_in(pm, PM)
    pm.goto("/feedback/triage")
    pm.get_by_label("Product line").select_option(label="Harvesting & Hay")
    pm.get_by_role("button", name="Show").click()
    row = pm.get_by_role("row").filter(has=pm.get_by_role("link", name=IDEA))
    expect(row).to_contain_text("Premier")
    expect(row.locator("[data-label=Weighted]")).not_to_be_empty()
    check_axe(pm, label="triage")

    # … and moves it to "in beta": every voter is told and invited to the program.
    row.get_by_role("link", name=IDEA).click()
    pm.get_by_label("New status").select_option(label="In beta")
    pm.get_by_label("Message to everyone following the idea").fill(IN_BETA)
    pm.get_by_role("button", name="Change and tell them").click()
    expect(pm.locator(".flashes")).to_contain_text(
        re.compile(
            rf"Moved to in beta; \d+ following it were told\. 1 voter was invited to “{PROGRAM}”\."
        )
    )

    dealer.goto("/notifications")
    notes = dealer.locator(".notelist__text")
    expect(notes.filter(has_text=f"“{IDEA}” is now in beta: {IN_BETA}")).to_be_visible()
    expect(
        notes.filter(has_text=f"apply to test it in the beta program “{PROGRAM}”")
    ).to_be_visible()
    dealer.goto(idea_path)
    expect(dealer.get_by_role("region", name="Beta programs")).to_contain_text(PROGRAM)

    # An early tester signs the NDA, files a report and answers the survey.
    tester = open_page()
    sign_in(tester, TESTER)
    tester.goto(idea_path)
    tester.get_by_role("region", name="Beta programs").get_by_role("link", name=PROGRAM).click()
    tester.get_by_role("link", name="Sign the NDA").click()
    expect(tester.get_by_role("button", name="I agree — sign version 1")).to_be_visible()
    check_axe(tester, label="the NDA")
    tester.get_by_role("button", name="I agree — sign version 1").click()
    expect(tester).to_have_url(re.compile(r"/feedback/betas/\d+/space$"))
    tester.get_by_role("link", name="File a report").click()
    tester.get_by_role("radio", name="Issue").check()
    tester.get_by_label("Title", exact=True).fill("Cradle spring too stiff for one hand")
    tester.get_by_label("What you saw").fill("Lowering the empty cradle needs both hands.")
    tester.get_by_label("Severity (issues)").select_option(label="Low")
    tester.get_by_label("Steps to reproduce (issues)").fill("1. Load a roll. 2. Lower the cradle.")
    tester.get_by_role("button", name="Send the report").click()
    expect(tester.get_by_text("Thank you: your report is in.")).to_be_visible()
    tester.get_by_role("link", name="First loads").click()
    tester.get_by_role("group", name="How easy is loading a roll").get_by_role(
        "radio", name="4", exact=True
    ).check()
    tester.get_by_label("What would make it easier?").fill("A lighter spring.")
    check_axe(tester, label="the survey")
    tester.get_by_role("button", name="Send my answers").click()
    expect(tester.get_by_text("Thank you: your answers are in.")).to_be_visible()
    check_axe(tester, label="the program space")

    # The product manager ships it; every voter hears.
    pm.goto(idea_path)
    pm.get_by_label("New status").select_option(label="Shipped")
    pm.get_by_label("Message to everyone following the idea").fill(SHIPPED)
    pm.get_by_role("button", name="Change and tell them").click()
    expect(
        pm.get_by_text(re.compile(r"Moved to shipped; \d+ following it were told"))
    ).to_be_visible()

    dealer.goto("/notifications")
    note = dealer.locator(".notelist__text", has_text=f"“{IDEA}” is now shipped: {SHIPPED}")
    expect(note).to_contain_text("Unread")
    check_axe(dealer, label="notifications")

    with app.app_context():
        idea = db.session.scalar(sa.select(Idea).where(Idea.title == IDEA))
        program = db.session.scalar(sa.select(BetaProgram).where(BetaProgram.title == PROGRAM))
        voters = set(
            db.session.scalars(sa.select(IdeaVote.person_id).where(IdeaVote.idea_id == idea.id))
        )
        assert demo.person(MARKETER) in voters and len(voters) > 5
        invited = set(
            db.session.scalars(
                sa.select(BetaInvitation.person_id).where(BetaInvitation.program_id == program.id)
            )
        )
        applied = set(
            db.session.scalars(
                sa.select(BetaApplication.person_id).where(BetaApplication.program_id == program.id)
            )
        )
        assert voters <= invited | applied  # invited, or in the program already
        for to_status, message in (("in_beta", IN_BETA), ("shipped", SHIPPED)):
            change = db.session.scalar(
                sa.select(IdeaStatusChange).where(
                    IdeaStatusChange.idea_id == idea.id, IdeaStatusChange.to_status == to_status
                )
            )
            told = set(
                db.session.scalars(
                    sa.select(IdeaNotice.person_id).where(IdeaNotice.change_id == change.id)
                )
            )
            notified = set(
                db.session.scalars(
                    sa.select(Notification.person_id).where(
                        Notification.kind == "idea.status", Notification.text.contains(message)
                    )
                )
            )
            assert voters <= told and voters <= notified, to_status
