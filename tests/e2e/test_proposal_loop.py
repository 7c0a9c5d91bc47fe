"""The whole co-op loop in two browsers: Prairie's marketer proposes a campaign, the
channel manager (watching the same page live) suggests an edit — and can approve only once
the marketer has answered it — the marketer claims with proof files (a slip in the form
keeps the files attached), the claim is paid in part, results are reported — and the
balance, the ledger and the audit log say exactly what happened."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from PIL import Image

from campaigns.coop import ledger, providers
from campaigns.coop.models import EntryKind, LedgerEntry
from campaigns.proposals import service as proposals
from campaigns.proposals.models import Proposal, ProposalStatus
from hub import db
from hub.db import today
from hub.models import AuditEvent, Organization
from tests.e2e.conftest import PHONE, check_axe, sign_in

MARKETER = "marketing@prairie.example"
CHANNEL = "channel@fieldcrest.example"


def png(tmp_path, name="tear-sheet.png"):
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 90, 160)).save(out, format="PNG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def pdf(tmp_path, name="invoice.pdf"):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=300, height=200)
    path = tmp_path / name
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def prairie_balance(app):
    with app.app_context():
        org = db.session.scalar(
            sa.select(Organization).where(Organization.name == "Prairie Ag Dealers")
        )
        account = providers.account_of(org, providers.current_program())
        return ledger.balance(account)


def test_the_whole_loop(open_page, live_server, tmp_path):
    from playwright.sync_api import expect

    app = live_server.app
    with app.app_context():  # the demo installs them; idempotent
        proposals.install_defaults(providers.current_program())
        db.session.commit()
    before = prairie_balance(app)
    dealer = open_page()
    sign_in(dealer, MARKETER)
    dealer.goto("/campaigns/new")
    check_axe(dealer, label="new proposal")
    start = today()  # claims open once the campaign has started
    dealer.get_by_label("Title").fill("Fall tillage field day")
    dealer.get_by_label("Kind of activity").select_option(
        label="Print advertising — 50% (75% on an OEM template)"
    )
    dealer.get_by_label("Objective").fill("Sign up 30 growers for a tillage demo")
    dealer.get_by_label("Starts").fill(start.isoformat())
    dealer.get_by_label("Ends").fill((start + timedelta(days=21)).isoformat())
    dealer.get_by_label("Budget line 1: what").fill("Farm-paper ads")
    dealer.get_by_label("Budget line 1: amount").fill("4000")
    dealer.get_by_label("Budget line 2: what").fill("Radio spots")
    dealer.get_by_label("Budget line 2: amount").fill("2000")
    dealer.get_by_label("Co-op requested (USD)").fill("3500")
    # The live check: print pays 50%, so 6,000 of budget allows at most 3,000.
    expect(dealer.locator("#coop-check")).to_contain_text("ask for at most")
    dealer.get_by_label("Co-op requested (USD)").fill("3000")
    expect(dealer.locator("#coop-check")).to_contain_text("fits your balance")
    dealer.get_by_role("button", name="Submit for approval").click()
    expect(dealer.locator(".flash")).to_contain_text("Submitted")
    expect(dealer.locator(".sla")).to_contain_text("Waiting on a channel manager to approve")
    proposal_url = dealer.url
    proposal_id = int(proposal_url.rstrip("/").split("/")[-1])

    manager = open_page()
    sign_in(manager, CHANNEL)
    manager.goto(proposal_url)
    # Each sees the other viewing the page.
    expect(manager.locator("#viewers")).to_contain_text("Kelsey Novak")
    expect(dealer.locator("#viewers")).to_contain_text("Also viewing now")
    check_axe(manager, label="proposal page (channel manager)")
    manager.locator("summary", has_text="Suggest an edit").click()
    manager.get_by_label("Field").select_option("requested_amount")
    manager.get_by_label("New value").fill("2500.00")
    manager.get_by_label("Why").fill("Radio in October rarely pays off; keep it smaller")
    manager.get_by_role("button", name="Suggest").click()
    expect(manager.locator(".flash")).to_contain_text("Suggestion sent")
    # The suggestion arrives on the dealer's open page without a reload.
    expect(dealer.locator("#thread")).to_contain_text("Radio in October rarely pays off")
    manager.get_by_label("Add to the discussion").fill("Happy to approve at 2,500.")
    manager.get_by_role("button", name="Post comment").click()
    expect(dealer.locator("#thread")).to_contain_text("Happy to approve at 2,500.")

    # While the suggestion is open the manager cannot approve, and the page says why.
    manager.reload()
    expect(manager.locator("#approve-blocked")).to_contain_text("Withdraw the suggestion")
    expect(manager.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)

    dealer.reload()
    dealer.locator("#suggestions").get_by_role("button", name="Accept").click()
    expect(dealer.locator(".flash")).to_contain_text("Suggestion accepted")

    manager.reload()
    manager.get_by_role("button", name=re.compile("^Approve")).click()
    expect(manager.locator(".flash")).to_contain_text("Approved")
    held = prairie_balance(app)
    assert held.held - before.held == Decimal("2500.00")
    assert before.available - held.available == Decimal("2500.00")

    # The claim: 3,000 of ads (invoice + tear sheet) and 1,000 of radio (invoice).
    dealer.reload()
    expect(dealer.locator(".sla")).to_contain_text("claim")
    invoice, tear_sheet, radio = pdf(tmp_path), png(tmp_path), pdf(tmp_path, "radio.pdf")
    form = dealer.locator("#claim-form")
    form.get_by_label("What was paid for").first.fill("Farm-paper ads")
    dealer.locator("#claim-0-amount").fill("3000")
    dealer.locator("#claim-0-kind-0").select_option("invoice")
    dealer.locator("#claim-0-proof-0").set_input_files(str(invoice))
    dealer.locator("#claim-0-kind-1").select_option("tear_sheet")
    dealer.locator("#claim-0-proof-1").set_input_files(str(tear_sheet))
    dealer.locator("#claim-1-description").fill("Radio spots")
    dealer.locator("#claim-1-amount").fill("1000")
    dealer.locator("#claim-1-kind-0").select_option("invoice")
    dealer.locator("#claim-1-proof-0").set_input_files(str(radio))
    dealer.locator("#claim-1-amount").fill("1,000 dollars")  # a slip: the form says so...
    dealer.evaluate("window.pageSocket = window.hubSocket")  # the page's live connection
    dealer.get_by_role("button", name="Submit claim").click()
    expect(dealer.locator("#claim-form .form-errors")).to_contain_text("cost of line 2")
    # ...and keeps the three files attached, so only the amount is fixed.
    expect(dealer.locator(".heldproof")).to_have_count(3)
    expect(dealer.locator("#claim-form")).to_contain_text("Attached: radio.pdf")
    # Still the proposal's address, not the claim's POST-only one: a reload shows the page.
    assert dealer.url == proposal_url
    # The answer written over the page opened a live connection of its own and closed the
    # page's: one per tab, so no event is handled twice.
    dealer.wait_for_function("window.hubSocket && window.hubSocket.connected")
    assert dealer.evaluate("window.hubSocket !== window.pageSocket && !window.pageSocket.connected")
    check_axe(dealer, label="claim form with attached files")
    dealer.locator("#claim-1-amount").fill("1000")
    dealer.get_by_role("button", name="Submit claim").click()
    expect(dealer.locator(".flash")).to_contain_text("Claim submitted")
    expect(dealer.locator("#claim")).to_contain_text("invoice.pdf")

    # Paid in part: the radio invoice shows 500 of the 1,000.
    manager.reload()
    claim = manager.locator("#claim")
    radio_row = claim.locator("tr", has_text="Radio spots")
    radio_row.get_by_label("Accepted cost of Radio spots").fill("500")
    radio_row.get_by_label("Reason for Radio spots").select_option("not_eligible")
    radio_row.get_by_label("What to fix on Radio spots").fill("Only the co-branded spot counts")
    claim.get_by_role("button", name="Approve and pay").click()
    expect(manager.locator(".flash")).to_contain_text("Claim paid")

    dealer.reload()
    # (3,000 + 500) × 50% = 1,750 paid; 750 of the 2,500 hold released.
    expect(dealer.locator("#claim")).to_contain_text("USD 1,750.00 paid")
    expect(dealer.locator("#claim")).to_contain_text("Only the co-branded spot counts")
    dealer.get_by_label("Leads").fill("34")
    dealer.get_by_label("Opportunities").fill("9")
    dealer.get_by_label("Attributed revenue (USD)").fill("140000")
    dealer.get_by_role("button", name="Report results").click()
    expect(dealer.locator(".flash")).to_contain_text("Results reported")
    expect(dealer.get_by_text("80.0×")).to_be_visible()  # 140,000 ÷ 1,750
    check_axe(dealer, label="proposal with results")

    after = prairie_balance(app)
    assert after.held == before.held
    assert after.reimbursed - before.reimbursed == Decimal("1750.00")
    assert before.available - after.available == Decimal("1750.00")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.status == ProposalStatus.RESULTS_REPORTED
        entries = db.session.execute(
            sa.select(LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
            .where(LedgerEntry.hold_id == proposal.hold_id)
            .group_by(LedgerEntry.kind)
        ).all()
        assert dict(entries) == {
            EntryKind.HOLD: Decimal("2500.00"),
            EntryKind.REIMBURSEMENT: Decimal("1750.00"),
            EntryKind.RELEASE: Decimal("750.00"),
        }
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "Proposal", AuditEvent.object_id == str(proposal_id))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == [
            "proposal.created",
            "proposal.submitted",
            "proposal.edit_suggested",
            "proposal.commented",
            "proposal.suggestion_accepted",
            "proposal.approved",
            "proposal.claim_submitted",
            "proposal.claim_paid",
            "proposal.results_reported",
        ]
        assert ledger.verify_ledger() == []

    # The marketer's co-op page says the same, and the list works on a phone.
    dealer.goto("/campaigns/coop")
    expect(dealer.locator("#balance-title")).to_be_visible()
    phone = open_page(PHONE)
    sign_in(phone, MARKETER)
    phone.goto("/campaigns/?tab=all")
    expect(phone.get_by_role("link", name="Fall tillage field day")).to_be_visible()
    check_axe(phone, label="campaign list on a phone")
