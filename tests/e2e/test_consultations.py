"""The program admin opens a program change for comment (the rule as it stands shown
beside it); Prairie's marketer says she is concerned, with a comment; the admin reads the
summary by tier and region and publishes the response; the marketer finds it among her
notifications. In Chromium, with axe on each page and the consultation on a 375 px phone."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

ADMIN = "admin@fieldcrest.example"
PRAIRIE = "marketing@prairie.example"  # gives no signal in the demo
PHONE_375 = {"width": 375, "height": 812}


def test_a_dealer_is_concerned_and_hears_the_response(open_page):
    title = f"Minimum claim up to USD 250 ({uuid.uuid4().hex[:6]})"
    admin = open_page()
    sign_in(admin, ADMIN)
    admin.goto("/feedback/consultations/new")
    admin.get_by_label("Title of the change").fill(title)
    admin.get_by_label("The rule it concerns").select_option(
        label="Co-op claim window and minimum claim"
    )
    admin.get_by_label("What changes, in plain words").fill(
        "Claims under USD 250 would no longer be accepted, from next year."
    )
    check_axe(admin, label="the consultation form")
    admin.get_by_role("button", name="Open for comment").click()
    expect(admin).to_have_url(re.compile(r"/feedback/consultations/\d+$"))
    path = re.search(r"/feedback/consultations/\d+$", admin.url).group(0)
    expect(admin.get_by_role("region", name=re.compile("The rule today"))).to_contain_text(
        "the smallest claim is"
    )

    dealer = open_page()
    sign_in(dealer, PRAIRIE)
    expect(dealer.get_by_role("link", name=title)).to_be_visible()  # the dashboard panel
    dealer.get_by_role("link", name=title).click()
    dealer.get_by_role("button", name="I'm concerned").click()
    expect(dealer.get_by_text("Your signal is recorded: i'm concerned.")).to_be_visible()
    dealer.get_by_label("Your comment").fill("<b>Small</b> dealers claim small amounts often.")
    dealer.get_by_role("button", name="Send comment").click()
    expect(dealer.get_by_text("<b>Small</b> dealers claim small amounts often.")).to_be_visible()
    expect(dealer.get_by_role("button", name="I'm concerned")).to_have_attribute(
        "aria-pressed", "true"
    )
    check_axe(dealer, label="the consultation page as a dealer")

    admin.goto(f"{path}/summary")
    expect(admin.get_by_role("img", name="Signals by tier")).to_be_visible()
    expect(admin.get_by_role("table").first).to_contain_text("Premier")
    check_axe(admin, label="the consultation summary")
    admin.goto(path)
    admin.get_by_label("Outcome").select_option(label="Dropped")
    admin.get_by_label("Response to everyone who took part").fill(
        "We keep the minimum claim where it is."
    )
    admin.get_by_role("button", name="Publish and tell them").click()
    expect(admin.get_by_text("Response published; 1 who took part were told.")).to_be_visible()

    dealer.goto("/notifications")
    note = dealer.locator(".notelist__text", has_text=f"Response to “{title}”: dropped.")
    expect(note).to_be_visible()
    item = dealer.locator(".notelist__item", has_text=f"Response to “{title}”")
    item.get_by_role("button", name=re.compile(r"^Open")).click()
    expect(dealer.get_by_text("We keep the minimum claim where it is.")).to_be_visible()

    phone = open_page(viewport=PHONE_375)
    sign_in(phone, PRAIRIE)
    phone.goto(path)
    expect(phone.get_by_text("The comment period has closed.").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_375["width"], f"the consultation is {width} px wide on a 375 px phone"
    check_axe(phone, label="the consultation page at 375 px")
