"""Prairie's marketer launches a campaign kit from the dashboard: from signing in to a
submitted proposal in six actions (clicks, submits, one field filled counts one), with
the kit's co-branded assets attached; then files the claim and finds those assets
offered as proof, ticked, and kept as the claim's proof — with axe on each page and the
kit page and the claim form fitting a 375 px phone."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from hub.demo.channel import DEMO_PASSWORD
from tests.e2e.conftest import check_axe

pytestmark = pytest.mark.e2e

MARKETER = "marketing@prairie.example"
KIT = "Harvest service social kit"
PHONE = {"width": 375, "height": 812}


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def invoice_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (250, 250, 250)).save(out, format="PNG")
    return out.getvalue()


def test_a_kit_becomes_a_submitted_proposal_in_six_actions_and_its_assets_are_proof(open_page):
    page = open_page()
    actions = []

    def act(name, step):
        actions.append(name)
        step()

    page.goto("/login")
    act("fill email", lambda: page.locator("#email").fill(MARKETER))
    act("fill password", lambda: page.locator("#password").fill(DEMO_PASSWORD))
    act("sign in", lambda: page.locator("button[type=submit]").click())
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    card = page.get_by_role("link", name=f"Launch “{KIT}”")
    act("open the kit", card.click)
    expect(page.get_by_role("heading", name=KIT, level=1)).to_be_visible()
    check_axe(page, label="kit page")
    act("fill the amount", lambda: page.get_by_label("Co-op requested (USD)").fill("900"))
    act("launch", lambda: page.get_by_role("button", name="Launch and submit").click())
    expect(page.get_by_text("with 2 co-branded assets from the kit attached")).to_be_visible()
    assert len(actions) <= 6, actions
    proposal_url = page.url
    assert re.search(r"/campaigns/proposals/\d+$", proposal_url)
    # Within the fast lane and starting today: approved at once, and running.
    expect(
        page.get_by_role("heading", name="Harvest-ready service — social campaign")
    ).to_be_visible()
    expect(page.get_by_text("Fast lane: built on an OEM template")).to_be_visible()
    check_axe(page, label="launched proposal with its claim form")

    # Later, the claim: the kit's assets are offered as proof, already ticked.
    claim = page.locator("#claim-form")
    offered = claim.get_by_role("checkbox", name=re.compile(r"Use “Harvest season — social post”"))
    expect(offered).to_be_checked()
    expect(claim.get_by_role("checkbox", name=re.compile(r"Use “Service clinic"))).to_be_checked()
    claim.get_by_label("What was paid for").first.fill("Boosted posts, four weeks")
    claim.get_by_label("Cost (USD)").first.fill("1000.00")
    claim.locator("#claim-0-proof-0").set_input_files(
        {"name": "invoice.png", "mimeType": "image/png", "buffer": invoice_png()}
    )
    claim.get_by_role("button", name="Submit claim").click()
    expect(page.get_by_text("Claim submitted.")).to_be_visible()
    claimed = page.locator("#claim")
    expect(
        claimed.get_by_role("link", name=re.compile(r"^Screenshot: harvest-square-"))
    ).to_be_visible()
    expect(
        claimed.get_by_role("link", name=re.compile(r"^Screenshot: service-landscape-"))
    ).to_be_visible()

    phone = open_page(viewport=PHONE)
    phone.goto("/login")
    phone.locator("#email").fill(MARKETER)
    phone.locator("#password").fill(DEMO_PASSWORD)
    phone.locator("button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"^https?://[^/]+/$"))
    phone.get_by_role("link", name="Launch “Spring planting mailer kit”").click()
    expect(phone.get_by_role("heading", name="Spring planting mailer kit")).to_be_visible()
    fits(phone)
    phone.goto(proposal_url)
    fits(phone)
