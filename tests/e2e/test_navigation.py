"""Each demo account signs in through the form and sees the navigation of its role."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_axe, sign_in, sign_out

pytestmark = pytest.mark.e2e

EVERYONE = ["Dashboard", "Ideas", "Organisations", "Product lines"]
# On a desktop these sit in the bar's "More" menu (so the bar is one line from 1024 px up).
UNDER_MORE = {"Organisations", "Product lines", "Audit log", "Program", "Triage", "Brand kit"}
UNDER_MORE |= {"Field intelligence", "Shipped from your ideas", "Betas", "Consultations"}
UNDER_MORE |= {"Standing", "Recognition"}  # learning: the program admin sees both
DEALER_MORE = {"Studio"}  # a partner's marketers and admins only (the program admin has none)
RESERVED = {"Audit log": "/audit", "Program": "/admin/program", "Triage": "/feedback/triage",
            "Brand kit": "/campaigns/studio/manage"}  # fmt: skip

# e-mail, name shown in the header, organisation, links reserved to some roles it has
ACCOUNTS = [
    (
        "admin@fieldcrest.example",
        "Dana Whitfield",
        "Fieldcrest Equipment Co.",
        {"Audit log", "Program", "Triage", "Brand kit"},
    ),
    ("channel@fieldcrest.example", "Marcus Oyelaran", "Fieldcrest Equipment Co.", set()),
    ("pm@fieldcrest.example", "Priya Raman", "Fieldcrest Equipment Co.", {"Triage"}),
    ("admin@gpd.example", "Ruth Kowalski", "Great Plains Distribution", {"Audit log"}),
    ("marketing@prairie.example", "Kelsey Novak", "Prairie Ag Dealers", set()),
    ("tech@prairie.example", "Jorge Alvarez", "Prairie Ag Dealers", set()),
    ("marketing@harbor.example", "André Guidry", "Harbor Equipment", set()),
]


@pytest.mark.parametrize(
    ("email", "name", "organisation", "reserved"), ACCOUNTS, ids=[a[0] for a in ACCOUNTS]
)
def test_each_role_sees_its_navigation_and_who_is_signed_in(
    page, email, name, organisation, reserved
):
    sign_in(page, email)

    nav = page.get_by_role("navigation", name="Main")
    open_more(page)
    for label in EVERYONE + sorted(reserved):
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(1)
    for label in sorted(set(RESERVED) - reserved):
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)

    who = page.locator("header details.usermenu summary")
    expect(who).to_contain_text(name)
    expect(who).to_contain_text(organisation)


@pytest.mark.parametrize(
    ("email", "reserved"), [(a[0], a[3]) for a in ACCOUNTS], ids=[a[0] for a in ACCOUNTS]
)
def test_every_navigation_link_opens_and_reserved_pages_are_refused(page, email, reserved):
    sign_in(page, email)

    open_more(page)
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    targets = [(link.inner_text().strip(), link.get_attribute("href")) for link in links.all()]
    assert targets, "the main navigation has no links"
    for label, href in targets:
        response = page.goto(href)
        assert response.status == 200, f"{label} ({href}) answered {response.status} for {email}"
        # Under More: the secondary links, and a bar link that did not fit this width.
        spilled = page.locator("li.mainnav__main.is-spilled").get_by_text(label, exact=True)
        if label in UNDER_MORE | DEALER_MORE or spilled.count():
            expect(page.locator("nav details.navmore summary")).to_have_class("navmore--current")
            open_more(page)
        current = page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=label, exact=True
        )
        expect(current).to_have_attribute("aria-current", "page")

    for label in sorted(set(RESERVED) - reserved):
        response = page.goto(RESERVED[label])
        assert response.status == 403, f"{RESERVED[label]} answered {response.status} for {email}"
        expect(page.get_by_role("heading", level=1)).to_have_text("That's not open to your role")


def open_more(page) -> None:
    """Open the navigation's "More" menu (a <details>), where the secondary links are."""
    more = page.locator("nav details.navmore")
    if not more.evaluate("d => d.open"):
        more.locator("summary").click()
    expect(more.get_by_role("link").first).to_be_visible()


@pytest.mark.parametrize("width", [1024, 1280, 1920])
def test_the_navigation_is_one_line_from_1024_px_for_the_role_with_most_links(open_page, width):
    page = open_page(viewport={"width": width, "height": 800})
    sign_in(page, "admin@fieldcrest.example")  # the program admin has the most links

    nav = page.get_by_role("navigation", name="Main")
    tops = nav.locator(":scope > ul > li").evaluate_all(
        "items => items.filter(li => li.offsetParent !== null).map(li => li.offsetTop)"
    )
    assert len(tops) >= 5 and len(set(tops)) == 1, f"navigation wraps at {width} px: {tops}"
    one_line = nav.locator(":scope > ul > li").first.evaluate("li => li.offsetHeight")
    assert nav.evaluate("n => n.offsetHeight") == one_line
    header = page.locator("header.topbar")
    assert header.evaluate("h => h.offsetHeight") <= one_line + 24  # the bar itself: one row

    more = nav.locator("details.navmore")
    more.locator("summary").click()
    for label in sorted(UNDER_MORE):
        expect(more.get_by_role("link", name=label, exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(more.get_by_role("link", name="Program", exact=True)).to_be_hidden()
    expect(more.locator("summary")).to_be_focused()
    check_axe(page, label=f"navigation at {width} px")


def test_links_that_do_not_fit_move_into_more_and_come_back(open_page):
    """Priority navigation: a narrow window moves the bar's last links to the front of
    "More" (one line still), and a wider one brings them back to the bar."""
    page = open_page(viewport={"width": 1024, "height": 800})
    sign_in(page, "tech@prairie.example")  # the conversations badge makes the bar longest
    nav = page.get_by_role("navigation", name="Main")
    bar = nav.locator(":scope > ul > li")

    def tops():
        return bar.evaluate_all(
            "items => items.filter(li => li.offsetParent !== null).map(li => li.offsetTop)"
        )

    assert len(set(tops())) == 1, tops()
    spilled = nav.locator("li.mainnav__main.is-spilled a").all_inner_texts()
    assert spilled, "at 1024 px the technician's bar is expected to move a link into More"
    more = nav.locator("details.navmore")
    more.locator("summary").click()
    for label in spilled:
        expect(more.get_by_role("link", name=label.strip(), exact=True)).to_be_visible()
        expect(
            nav.locator("li.mainnav__main").get_by_role("link", name=label.strip(), exact=True)
        ).to_be_hidden()
    page.keyboard.press("Escape")
    check_axe(page, label="navigation with links moved into More")

    page.set_viewport_size({"width": 1400, "height": 800})
    expect(nav.locator("li.mainnav__main.is-spilled")).to_have_count(0)
    assert len(set(tops())) == 1, tops()
    for label in spilled:
        expect(
            nav.locator("li.mainnav__main").get_by_role("link", name=label.strip(), exact=True)
        ).to_be_visible()


def test_sign_out_from_the_user_menu_returns_to_the_login_page(page):
    sign_in(page, "marketing@prairie.example")

    sign_out(page)

    expect(page).to_have_url(re.compile(r"/login(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(page.locator("header details.usermenu")).to_have_count(0)

    # The session is over: with the same cookies, the dashboard asks for a sign-in again.
    response = page.request.get("/", max_redirects=0)
    assert response.status == 302
    assert "/login" in response.headers["location"]


def test_sign_out_says_signed_out_on_the_plain_login_page(page):
    sign_in(page, "marketing@prairie.example")
    page.wait_for_function("() => window.hubSocket && window.hubSocket.connected")

    sign_out(page)
    page.wait_for_load_state("networkidle")  # judge where the tab settles, not a moment on the way

    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.get_by_text("Please sign in to see that page.")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/login$"))


@pytest.mark.parametrize("email", ["admin@gpd.example", "admin@fieldcrest.example"])
def test_phone_width_hides_the_navigation_behind_the_menu_button(open_page, email):
    page = open_page(viewport={"width": 375, "height": 812})
    sign_in(page, email)

    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    menu.click()

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Audit log", exact=True)).to_be_visible()
    # One flat list on a phone: every link visible at once, no "More" to open.
    for label in EVERYONE:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(nav.locator("details.navmore")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
