"""Every form page fits a 375 px phone, every field in it has a label, and axe is content.

The pages are tests/form_pages.py's FORM_PAGES (built from app.url_map; tests/test_form_pages.py
fails when a new page with a form is not in it), each opened as a role that may open it.
"""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from hub import db
from hub.accounts import passwords
from hub.demo.channel import DEMO_PASSWORD
from hub.models import Organization, Person
from hub.security import hash_password
from tests.e2e.conftest import check_axe, open_as, sign_in
from tests.form_pages import ANONYMOUS, FORM_PAGES, TWO_FACTOR, demo_values

pytestmark = pytest.mark.e2e

PHONE_375 = {"width": 375, "height": 812}

# Visible fields (not hidden inputs or buttons), and the ones without a label: a label[for],
# a wrapping <label>, aria-label or aria-labelledby, each with text.
FIELDS = """() => {
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const buttons = new Set(["hidden", "submit", "button", "reset", "image"]);
  const text = el => ((el && el.textContent) || "").trim();
  const label = el => {
    if (el.id && text(document.querySelector(`label[for="${CSS.escape(el.id)}"]`))) return true;
    if (text(el.closest("label")) || (el.getAttribute("aria-label") || "").trim()) return true;
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    return ids.some(id => text(document.getElementById(id)));
  };
  const fields = [...document.querySelectorAll("input, select, textarea")]
    .filter(el => !buttons.has((el.type || "").toLowerCase()) && shown(el));
  const wide = [...document.querySelectorAll("main *")]
    .filter(el => shown(el) && el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5).map(el => `${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join(".")}`);
  return {
    fields: fields.length,
    unlabelled: fields.filter(el => !label(el)).map(el => el.outerHTML.slice(0, 160)),
    scrollWidth: document.documentElement.scrollWidth,
    wide,
  };
}"""


@pytest.fixture(scope="module")
def values(live_server):
    """The demo ids, a reset link, an invitation link, and a person with two-factor sign-in."""
    with live_server.app.app_context():
        found = demo_values()
        links: list[str] = []
        passwords.request_password_reset("tech@prairie.example", links.append)
        gpd = db.session.scalar(
            sa.select(Organization).where(Organization.name == "Great Plains Distribution")
        )
        admin = db.session.scalar(sa.select(Person).where(Person.email == "admin@gpd.example"))
        passwords.invite(
            admin,
            gpd,
            email="invited.form-check@gpd.example",
            name="Invited Formcheck",
            role="partner_staff",
            link_for=links.append,
        )
        person = passwords.invite(
            admin,
            gpd,
            email=TWO_FACTOR,
            name="Twofactor Formcheck",
            role="partner_staff",
            link_for=lambda token: None,
        )
        person.password_hash = hash_password(DEMO_PASSWORD)  # the demo's, like every demo account
        person.totp_secret, person.totp_enabled = pyotp.random_base32(), True
        db.session.commit()
    found["reset_token"], found["invitation_token"] = links
    return found


@pytest.mark.parametrize(
    ("endpoint", "who", "path"),
    FORM_PAGES,
    ids=[f"{w or 'anonymous'}:{p}" for _e, w, p in FORM_PAGES],
)
def test_form_page_fits_a_375_px_phone_with_every_field_labelled(
    open_page, values, endpoint, who, path
):
    page = open_page(viewport=PHONE_375)
    url = path.format(**values)
    if who == TWO_FACTOR:
        page.goto("/login")
        page.locator("#email").fill(TWO_FACTOR)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("button[type=submit]").click()
        expect(page).to_have_url(f"{page.url.split('/login')[0]}{url}")
    elif who is not ANONYMOUS:
        response = open_as(page, who, url)
        assert response.status == 200, f"{url} as {who}: {response.status}"
    else:
        response = page.goto(url)
        assert response.status == 200, f"{url}: {response.status}"

    found = page.evaluate(FIELDS)

    assert found["fields"], f"{url} ({endpoint}) shows no form field: update tests/form_pages.py"
    assert found["scrollWidth"] <= PHONE_375["width"], (
        f"{url} is {found['scrollWidth']} px wide at 375 px; too wide: {found['wide']}"
    )
    assert not found["unlabelled"], f"fields without a label on {url}: {found['unlabelled']}"
    check_axe(page, label=f"{url} as {who or 'anonymous'} at 375 px")


@pytest.mark.parametrize("width", [1024, 1280])
def test_tier_editor_shows_whole_tier_names(open_page, width):
    page = open_page(viewport={"width": width, "height": 900})
    sign_in(page, "admin@fieldcrest.example")
    page.goto("/admin/program")

    names = page.locator("#tiers input[name=name]")
    expect(names.first).to_have_value("Authorized")
    for field in names.all():
        clipped = field.evaluate("el => el.scrollWidth > el.clientWidth")
        assert not clipped, f"{field.input_value()!r} is cut off in the tier editor at {width} px"
        assert field.evaluate("el => el.getBoundingClientRect().width") >= 160


def test_budget_lines_show_what_and_amount_labels_on_a_phone(open_page):
    """On a phone the budget table's column heads are hidden: each field shows its own label."""
    page = open_page(viewport=PHONE_375)
    sign_in(page, "marketing@prairie.example")
    page.goto("/campaigns/new")

    expect(page.locator("label[for=line-0-description]")).to_be_visible()
    expect(page.locator("label[for=line-0-description]")).to_have_text("Budget line 1: What")
    expect(page.locator("label[for=line-0-amount]")).to_be_visible()
    page.get_by_label("Budget line 1: What").fill("Farm-paper ads")
