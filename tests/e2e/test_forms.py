"""Forms end to end: a partner admin invites a colleague, who joins through the e-mailed link."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

GPD = "Great Plains Distribution"
NEW_PASSWORD = "wide open prairie skies 2026"


def staff_row(page, name: str):
    """The row of the organisation page's staff table that belongs to name."""
    table = page.get_by_role("table", name=f"Staff of {GPD}")
    return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def invite(page, gpd_id: int, name: str, email: str, role: str = "Dealer marketer") -> None:
    """Fill and send the invite form of Great Plains Distribution (page is signed in as Ruth)."""
    page.goto(f"/organizations/{gpd_id}")
    page.get_by_role("link", name="Invite staff").click()
    expect(page).to_have_url(re.compile(rf"/organizations/{gpd_id}/invite$"))
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Role").select_option(label=role)
    page.get_by_role("button", name="Send invitation").click()


def invitation_link(open_page, name: str, email: str) -> str:
    """Read the invitation to email in the outbox, as the program admin; return its link."""
    dana = open_page()
    sign_in(dana, "admin@fieldcrest.example")
    dana.goto("/admin/outbox")
    message = dana.get_by_role("listitem").filter(has_text=f"to {email}")
    expect(message).to_have_count(1)
    message.get_by_role("link", name="Ruth Kowalski invited you to Partner Hub").click()
    body = dana.locator(".mailbody")
    expect(body).to_contain_text(f"Hello {name},")
    return body.locator("a[href*='/invitation/']").get_attribute("href")


def join(page, link: str, name: str) -> None:
    """Open the invitation link and choose a password."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    expect(page.get_by_text(f"You're joining {GPD}")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Join Partner Hub").click()


def test_invited_colleague_joins_through_the_emailed_link(open_page, demo):
    name = "Nora Lindgren"
    email = f"nora.{uuid.uuid4().hex[:8]}@gpd.example"
    gpd_id = demo.org(GPD)

    ruth = open_page()
    sign_in(ruth, "admin@gpd.example")
    invite(ruth, gpd_id, name, email)

    expect(ruth).to_have_url(re.compile(rf"/organizations/{gpd_id}$"))
    expect(ruth.get_by_text(f"Invitation sent to {email}.")).to_be_visible()
    row = staff_row(ruth, name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Invited")
    expect(row).to_contain_text("Dealer marketer")

    link = invitation_link(open_page, name, email)
    nora = open_page()  # her own browser: no cookies from Ruth or Dana
    join(nora, link, name)

    expect(nora).to_have_url(re.compile(r"^https?://[^/]+/$"))
    who = nora.locator("header details.usermenu summary")
    expect(who).to_contain_text(name)
    expect(who).to_contain_text(GPD)
    expect(nora.get_by_role("heading", level=1)).to_contain_text("Nora")

    # Ruth sees her colleague active now, and the link is spent.
    ruth.reload()
    expect(staff_row(ruth, name)).to_contain_text("Active")
    spent = open_page()
    assert spent.goto(link).status == 410


def test_joining_greets_the_new_colleague_by_name(open_page, demo):
    name = "Ola Brekke"
    email = f"ola.{uuid.uuid4().hex[:8]}@gpd.example"
    ruth = open_page()
    sign_in(ruth, "admin@gpd.example")
    invite(ruth, demo.org(GPD), name, email, role="Partner staff")
    link = invitation_link(open_page, name, email)
    ola = open_page()

    join(ola, link, name)

    expect(ola).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(ola.get_by_text(f"Welcome to Partner Hub, {name}!")).to_be_visible()


def test_invite_without_a_name_says_so_beside_the_field_and_keeps_the_email(page, demo):
    email = f"no.name.{uuid.uuid4().hex[:8]}@gpd.example"
    sign_in(page, "admin@gpd.example")
    page.goto(f"/organizations/{demo.org(GPD)}/invite")

    page.get_by_label("E-mail").fill(email)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Send invitation").click()

    assert answer.value.status == 422
    name = page.get_by_label("Name", exact=True)
    expect(page.locator("#name-error")).to_have_text("Enter the person's name.")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_attribute("aria-describedby", "name-error")
    expect(page.get_by_label("E-mail")).to_have_value(email)
    expect(page.get_by_role("alert")).to_contain_text("Please correct the problem marked below.")
    check_axe(page, label="invite form with an error")

    # Nothing was created: with a name added, the same address is accepted.
    name.fill("Jon Ek")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {email}.")).to_be_visible()
