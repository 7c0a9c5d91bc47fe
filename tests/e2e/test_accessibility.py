"""axe finds no serious or critical problem on any page, for several roles and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, check_axe, open_as, sign_in

pytestmark = pytest.mark.e2e

ADMIN = "admin@fieldcrest.example"
GPD_ADMIN = "admin@gpd.example"
MARKETER = "marketing@prairie.example"

# who (None: signed out), path with {placeholders} filled from the demo ids, status
PAGES = [
    (None, "/login", 200),
    (None, "/password/forgot", 200),
    (None, "/no-such-page", 404),
    (ADMIN, "/", 200),
    (ADMIN, "/organizations", 200),
    (ADMIN, "/organizations/{prairie}", 200),
    (ADMIN, "/organizations/{fieldcrest}", 200),
    (ADMIN, "/people/{kelsey}", 200),
    (ADMIN, "/notifications", 200),
    (ADMIN, "/settings", 200),
    (ADMIN, "/product-lines", 200),
    (ADMIN, "/audit", 200),
    (ADMIN, "/admin/program", 200),
    (ADMIN, "/admin/outbox", 200),
    (ADMIN, "/organizations/999999", 404),
    (GPD_ADMIN, "/", 200),
    (GPD_ADMIN, "/organizations/{gpd}", 200),
    (GPD_ADMIN, "/organizations/{gpd}/invite", 200),
    (GPD_ADMIN, "/people/{kelsey}", 200),
    (GPD_ADMIN, "/audit", 200),
    (MARKETER, "/", 200),
    (MARKETER, "/organizations", 200),
    (MARKETER, "/organizations/{prairie}", 200),
    (MARKETER, "/people/{kelsey}", 200),
    (MARKETER, "/notifications", 200),
    (MARKETER, "/settings", 200),
    (MARKETER, "/product-lines", 200),
    (MARKETER, "/organizations/{harbor}", 404),
    (MARKETER, "/audit", 403),
    ("channel@fieldcrest.example", "/", 200),
    ("pm@fieldcrest.example", "/", 200),
    ("tech@prairie.example", "/", 200),
    ("marketing@harbor.example", "/", 200),
    ("admin@prairie.example", "/learning/assignments", 200),
    (ADMIN, "/learning/authoring", 200),
]


def placeholders(demo) -> dict[str, int]:
    return {
        "fieldcrest": demo.org("Fieldcrest Equipment Co."),
        "gpd": demo.org("Great Plains Distribution"),
        "prairie": demo.org("Prairie Ag Dealers"),
        "harbor": demo.org("Harbor Equipment"),
        "kelsey": demo.person("marketing@prairie.example"),
    }


@pytest.mark.parametrize(
    ("email", "path", "status"), PAGES, ids=[f"{e or 'anonymous'}:{p}" for e, p, _ in PAGES]
)
def test_page_has_no_serious_accessibility_problems(page, demo, email, path, status):
    url = path.format(**placeholders(demo))

    response = open_as(page, email, url) if email else page.goto(url)

    assert response.status == status
    check_axe(page, label=f"{url} as {email or 'anonymous'}")


@pytest.mark.parametrize(
    ("email", "path"),
    [
        pytest.param(None, "/login", id="anonymous:/login"),
        pytest.param(MARKETER, "/", id=f"{MARKETER}:/"),
        pytest.param(
            GPD_ADMIN,
            "/organizations",
            id=f"{GPD_ADMIN}:/organizations",
        ),
        pytest.param(ADMIN, "/admin/program", id=f"{ADMIN}:/admin/program"),
    ],
)
def test_page_at_phone_width_has_no_serious_accessibility_problems(open_page, email, path):
    page = open_page(viewport=PHONE)
    if email:
        sign_in(page, email)
    page.goto(path)
    check_axe(page, label=f"{path} at 390×844")

    if email:  # and once more with the navigation menu open
        page.get_by_role("button", name="Menu").click()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        check_axe(page, label=f"{path} at 390×844, menu open")


def test_open_user_menu(page):
    sign_in(page, GPD_ADMIN)

    page.locator("header details.usermenu summary").click()

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_axe(page, label="/ with the user menu open")


def test_outbox_with_a_message_open(open_page):
    anonymous = open_page()
    anonymous.goto("/password/forgot")
    anonymous.get_by_label("E-mail").fill("tech@prairie.example")
    anonymous.get_by_role("button", name="Send").click()
    expect(anonymous.get_by_text("a reset link is on its way")).to_be_visible()

    page = open_page()
    sign_in(page, ADMIN)
    page.goto("/admin/outbox")
    page.get_by_role("link", name="Reset").first.click()

    expect(page.locator(".mailbody")).to_contain_text("/password/reset/")
    check_axe(page, label="/admin/outbox with a message open")


def test_filtered_directory_after_an_htmx_swap(page):
    sign_in(page, GPD_ADMIN)
    page.goto("/organizations")

    page.locator("input#q").fill("no such dealer")

    expect(page.locator("#results")).to_contain_text("No organisation matches")
    check_axe(page, label="/organizations with no result")


def test_wrong_password_shows_a_sentence_and_keeps_the_email(page):
    page.goto("/login")
    page.locator("#email").fill("marketing@harbor.example")
    page.locator("#password").fill("not the password at all")

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()

    assert answer.value.status == 422
    expect(page.get_by_role("alert")).to_have_text(
        "That e-mail and password don't match an active account."
    )
    expect(page.locator("#email")).to_have_value("marketing@harbor.example")
    expect(page.locator("#password")).to_have_value("")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    check_axe(page, label="/login after a wrong password")


def test_empty_login_form_says_what_to_fill_in_beside_each_field(page):
    page.goto("/login")

    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#email-error")).to_have_text("Enter your e-mail address.")
    expect(page.locator("#password-error")).to_have_text("Enter your password.")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_have_attribute("aria-describedby", "email-error")
    check_axe(page, label="/login with empty fields")
