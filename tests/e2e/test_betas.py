"""A beta tester's first visit: Hillside's marketer, accepted into the loader joystick
trial, is stopped at the NDA, signs it, files an issue report and answers the survey;
the product manager sees her report on the management page and her answers in the
results. In Chromium, with axe on each page and the space on a 375 px phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

TESTER = "marketing@hillside.example"  # Tara Quinn: accepted, has not signed the NDA
PM = "pm@fieldcrest.example"  # Priya Raman
TRIAL = "Loader joystick field trial"
PHONE_375 = {"width": 375, "height": 812}


def test_a_tester_signs_the_nda_files_a_report_and_answers_the_survey(open_page):
    tester = open_page()
    sign_in(tester, TESTER)
    tester.goto("/feedback/betas")
    tester.get_by_role("link", name=TRIAL).click()
    program_url = tester.url
    # The space is closed until the NDA is signed: its address leads to the NDA.
    tester.goto(program_url + "/space")
    expect(tester).to_have_url(re.compile(r"/feedback/betas/\d+/nda$"))
    expect(tester.get_by_text(f"Sign the NDA of “{TRIAL}” (version 1)")).to_be_visible()
    check_axe(tester, label="the NDA")
    tester.get_by_role("button", name="I agree — sign version 1").click()

    expect(tester).to_have_url(re.compile(r"/feedback/betas/\d+/space$"))
    expect(tester.get_by_text("You signed the NDA (version 1)")).to_be_visible()
    check_axe(tester, label="the program space")
    tester.get_by_role("link", name="File a report").click()
    tester.get_by_role("radio", name="Issue").check()
    tester.get_by_label("Title", exact=True).fill("Joystick boot cracks in the sun")
    tester.get_by_label("What you saw").fill("After a week outside the rubber boot split.")
    tester.get_by_label("Severity (issues)").select_option(label="Medium")
    tester.get_by_label("Steps to reproduce (issues)").fill("1. Park in the sun. 2. Wait a week.")
    check_axe(tester, label="the report form")
    tester.get_by_role("button", name="Send the report").click()
    expect(tester.get_by_text("Thank you: your report is in.")).to_be_visible()
    expect(tester.get_by_role("region", name="Your reports")).to_contain_text(
        "Joystick boot cracks in the sun"
    )

    tester.get_by_role("link", name="First two weeks").click()
    tester.get_by_role("group", name="How well does the joystick fit").get_by_role(
        "radio", name="2", exact=True
    ).check()
    tester.get_by_label("Snow blade").check()
    tester.get_by_label("What would you change first?").fill("A sun-proof boot.")
    check_axe(tester, label="the survey")
    tester.get_by_role("button", name="Send my answers").click()
    expect(tester.get_by_text("Thank you: your answers are in.")).to_be_visible()
    expect(tester.get_by_role("region", name="Surveys")).to_contain_text("Answered")

    phone = open_page(PHONE_375)
    sign_in(phone, TESTER)
    phone.goto(program_url + "/space")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(TRIAL)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    check_axe(phone, label="the program space at 375 px")

    pm = open_page()
    sign_in(pm, PM)
    pm.goto(program_url + "/manage")
    expect(pm.get_by_role("region", name=re.compile("Reports"))).to_contain_text(
        "Joystick boot cracks in the sun"
    )
    check_axe(pm, label="the management page")
    pm.get_by_role("link", name="First two weeks: results").click()
    expect(pm.get_by_text("4 of 4 testers answered")).to_be_visible()
    expect(pm.get_by_role("row", name="Snow blade 1")).to_be_visible()
    expect(pm.get_by_text("A sun-proof boot.")).to_be_visible()
    check_axe(pm, label="the survey results")
