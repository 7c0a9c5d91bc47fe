"""Prairie's owner in Chromium: the standing page shows Premier met and when it would
lapse, then kudos given on the recognition wall show there as plain text — with axe on
each page, on a desktop and a 375 px phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

WALT = "admin@prairie.example"  # Walt Jensen, Prairie Ag Dealers' partner admin
LAPSE = re.compile(r"Premier criteria lapse on .+, when one of your two Technical certifications")


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


@pytest.mark.parametrize(
    "viewport", [None, {"width": 375, "height": 812}], ids=["desktop", "phone"]
)
def test_the_standing_page_shows_the_projected_lapse_and_kudos_reach_the_wall(open_page, viewport):
    page = open_page(viewport)
    sign_in(page, WALT)
    page.goto("/learning/standing")
    expect(page.get_by_role("heading", name="Prairie Ag Dealers: standing")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=LAPSE)).to_be_visible()
    tiers = page.get_by_role("region", name="Tier requirements")
    expect(tiers.get_by_text("Staff certified in Technical").first).to_be_visible()
    expect(page.get_by_role("region", name="Specialisations")).to_contain_text("Held")
    check_axe(page, label="standing page")
    fits(page)

    page.goto("/learning/recognition")
    check_axe(page, label="recognition wall")
    message = f"<b>Covered the Saturday service desk</b> ({'phone' if viewport else 'desktop'})"
    page.get_by_label("Who").select_option(label="Jorge Alvarez · Prairie Ag Dealers")
    page.get_by_label("For").select_option(label="Teamwork")
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name="Send kudos").click()
    expect(page.get_by_text("Kudos sent to Jorge Alvarez.")).to_be_visible()
    wall = page.get_by_role("region", name="Latest kudos")
    expect(wall.get_by_text(message, exact=True)).to_be_visible()  # shown as text, not bold
    assert wall.locator("b").count() == 0
    fits(page)
    check_axe(page, label="recognition wall after kudos")
