"""Harbor's marketer starts an idea, is offered the existing one while typing the title,
and votes for it instead; the product manager moves it to "planned" with a message; the
marketer finds that message among her notifications. In Chromium, with axe on each page
and the idea page on a 375 px phone."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

HARBOR = "marketing@harbor.example"  # André Guidry, Harbor Equipment
PM = "pm@fieldcrest.example"  # Priya Raman, product manager
DUPLICATE = "Fold-away step on the loader frame"  # a demo idea, new, without Harbor's vote
PHONE_375 = {"width": 375, "height": 812}


def test_a_dealer_votes_for_the_duplicate_and_hears_when_it_is_planned(open_page):
    dealer = open_page()
    sign_in(dealer, HARBOR)
    dealer.goto("/feedback/ideas")
    dealer.get_by_role("link", name="Post an idea").click()
    dealer.get_by_label("Product line").select_option(label="Tractors")
    dealer.get_by_label("Title").press_sequentially("Folding step on the loader", delay=20)

    offered = dealer.locator("#similar")
    expect(offered).to_contain_text("Vote for it instead")
    expect(offered.get_by_role("link", name=DUPLICATE)).to_be_visible()
    check_axe(dealer, label="the idea form with suggestions")
    offered.get_by_role("button", name=f"Vote for this idea instead: {DUPLICATE}").click()

    expect(dealer).to_have_url(re.compile(r"/feedback/ideas/\d+$"))
    expect(dealer.get_by_role("heading", level=1)).to_have_text(DUPLICATE)
    expect(dealer.get_by_text("You voted for this.")).to_be_visible()
    idea_path = re.search(r"/feedback/ideas/\d+$", dealer.url).group(0)

    message = f"Planned for the 2027 loaders ({uuid.uuid4().hex[:6]})."
    pm = open_page()
    sign_in(pm, PM)
    pm.goto(idea_path)
    expect(pm.get_by_role("region", name="Demand")).to_contain_text("By tier")
    pm.get_by_label("New status").select_option(label="Planned")
    pm.get_by_label("Message to everyone following the idea").fill(message)
    pm.get_by_role("button", name="Change and tell them").click()
    expect(
        pm.get_by_text(re.compile(r"Moved to planned; \d+ following it were told"))
    ).to_be_visible()
    check_axe(pm, label="the idea page as the product manager")

    dealer.goto("/notifications")
    note = dealer.locator(".notelist__text", has_text=f"“{DUPLICATE}” is now planned: {message}")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Unread")

    phone = open_page(viewport=PHONE_375)
    sign_in(phone, HARBOR)
    phone.goto(idea_path)
    expect(phone.get_by_text(message)).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_375["width"], f"the idea page is {width} px wide on a 375 px phone"
    check_axe(phone, label="the idea page at 375 px")
