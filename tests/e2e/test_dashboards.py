"""The dashboards with the demo's proposals, in Chromium: what a dealer marketer, a channel
manager and the program admin see first, at desktop and phone width, with no serious
accessibility problem and nothing wider than the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, check_axe, sign_in

pytestmark = pytest.mark.e2e

MARKETER = "marketing@prairie.example"
CHANNEL = "channel@fieldcrest.example"
ADMIN = "admin@fieldcrest.example"
GPD_ADMIN = "admin@gpd.example"
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def panel(page, title: str):
    return page.get_by_role("region", name=title)


def fits_the_screen(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("email", [MARKETER, CHANNEL, ADMIN, GPD_ADMIN])
def test_dashboard_has_no_serious_accessibility_problems(open_page, email, size):
    page = open_page(viewport=VIEWPORTS[size])
    sign_in(page, email)
    check_axe(page, label=f"/ as {email} at {size} width")
    fits_the_screen(page)


def test_the_dealer_sees_money_expiring_and_what_waits_on_it(page):
    sign_in(page, MARKETER)
    funds = panel(page, "Co-op funds")
    expect(funds.get_by_text(re.compile(r"expires on 31 Dec 2026"))).to_be_visible()
    expect(funds.get_by_role("img", name=re.compile("earned and used by period"))).to_be_visible()
    campaigns = panel(page, "Your campaigns")
    waiting = campaigns.get_by_role("list", name="Waiting on you")
    expect(waiting.get_by_role("link", name="Planter demo days")).to_be_visible()
    expect(waiting.get_by_text("Accept or reject the suggested edit")).to_be_visible()
    others = campaigns.get_by_role("list", name="Waiting on others")
    expect(others.get_by_text("Waiting on the program admin to approve")).to_be_visible()
    expect(campaigns).not_to_contain_text("Harbor")

    funds.get_by_role("link", name="Start a campaign").click()
    expect(page).to_have_url(re.compile(r"/campaigns/new$"))


def test_the_dealer_opens_a_proposal_from_the_dashboard(page):
    sign_in(page, MARKETER)
    panel(page, "Your campaigns").get_by_role("link", name="Planter demo days").click()
    expect(page).to_have_url(re.compile(r"/campaigns/proposals/\d+$"))
    expect(page.get_by_role("heading", name="Planter demo days")).to_be_visible()


def test_the_channel_manager_sees_the_longest_waiting_first(page):
    sign_in(page, CHANNEL)
    queue = panel(page, "Waiting for your review").get_by_role(
        "list", name="Waiting for your review, longest-waiting first"
    )
    titles = queue.locator(".queue__title").all_inner_texts()
    waits = [int(w.split()[1]) for w in queue.locator(".queue__wait").all_inner_texts()]
    assert titles[0] == "Michigan dairy days" and len(titles) >= 6
    assert waits == sorted(waits, reverse=True)
    expect(panel(page, "Co-op at risk in your territory")).to_be_visible()
    expect(panel(page, "Co-op utilisation").get_by_role("img")).to_be_visible()


def test_the_program_admin_sees_the_second_rung_and_the_figures(page):
    sign_in(page, ADMIN)
    queue = panel(page, "Waiting for your review")
    expect(queue.get_by_text(re.compile(r"step 2 of 2 \(program admin\)")).first).to_be_visible()
    use = panel(page, "Co-op utilisation")
    use.get_by_text("Figures by period").click()
    expect(use.get_by_role("table")).to_be_visible()
    check_axe(page, label="/ as the program admin with the figures open")
