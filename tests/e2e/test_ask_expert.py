"""A dealer reaches a product manager in three actions from the dashboard, in Chromium:
“Ask a product expert” on a product line (1), type the question (2), Send (3) — and the
product manager finds it on their dashboard, waiting on them."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, check_axe, sign_in

pytestmark = pytest.mark.e2e

MARKETER = "marketing@prairie.example"  # Kelsey Novak, Prairie Ag Dealers
PM = "pm@fieldcrest.example"  # Priya Raman, product manager (Tractors)


class Actions:
    """The user's actions, counted: every click and every fill goes through here."""

    def __init__(self):
        self.count = 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()

    def fill(self, locator, text: str) -> None:
        self.count += 1
        locator.fill(text)


def test_a_dealer_reaches_a_product_manager_in_three_actions(open_page):
    dealer = open_page()
    sign_in(dealer, MARKETER)  # signed in: the dashboard is where the count starts
    expect(dealer).to_have_url(re.compile(r"/$"))
    question = f"The 8R loses hydraulic pressure when warm ({uuid.uuid4().hex[:8]})."
    actions = Actions()

    ask = dealer.get_by_role("region", name="Ask a product expert")
    actions.click(ask.get_by_role("link", name="Ask a product expert about Tractors"))
    actions.fill(dealer.get_by_label("Your message"), question)
    actions.click(dealer.get_by_role("button", name=re.compile(r"^Send to ")))

    expect(dealer).to_have_url(re.compile(r"/conversations/\d+$"))
    expect(dealer.get_by_text(question)).to_be_visible()
    assert actions.count <= 3, f"{actions.count} actions from the dashboard to a sent message"
    conversation_path = re.search(r"/conversations/\d+$", dealer.url).group(0)

    expert = open_page()
    sign_in(expert, PM)
    waiting = expert.get_by_role("region", name="Conversations waiting on you")
    link = waiting.locator(f'a[href="{conversation_path}"]')
    expect(link).to_have_text("Question about Tractors")
    expect(waiting).to_contain_text("Prairie Ag Dealers")
    link.click()
    expect(expert.get_by_text(question)).to_be_visible()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_ask_page_fits_and_has_no_serious_accessibility_problems(open_page, demo, size):
    page = open_page(viewport={"desktop": DESKTOP, "phone": PHONE}[size])
    sign_in(page, MARKETER)
    page.get_by_role("link", name="Ask a product expert about Tractors").click()
    expect(page.get_by_role("heading", name="Ask a Tractors product expert")).to_be_visible()
    check_axe(page, label=f"the ask page at {size} width")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
