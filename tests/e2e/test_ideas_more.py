"""The product manager merges a duplicate idea into another and undoes it: the votes
move and come back to the number they were; the merged idea's page says where it went.
Then, checked by axe: the field intelligence list and an observation, the idea made from
a conversation (with its evidence), attaching a message as evidence, and — on a 375 px
phone — the shipped page and the observation form. In Chromium."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from feedback.ideas.models import Idea
from hub import db
from tests.e2e.conftest import check_axe, sign_in

pytestmark = pytest.mark.e2e

PM = "pm@fieldcrest.example"  # Priya Raman, product manager
SOURCE = "Grease points grouped on one bank"
TARGET = "Hydraulic oil level visible from the ground"


def _ids(live_server) -> dict[str, int]:
    with live_server.app.app_context():
        return dict(
            db.session.execute(
                sa.select(Idea.title, Idea.id).where(Idea.title.in_([SOURCE, TARGET]))
            ).all()
        )


def _votes(page) -> int:
    return int(page.locator(".ideavote__count strong").inner_text())


def test_a_pm_merges_a_duplicate_and_undoes_it(open_page, live_server):
    ids = _ids(live_server)
    pm = open_page()
    sign_in(pm, PM)
    pm.goto(f"/feedback/ideas/{ids[TARGET]}")
    target_votes = _votes(pm)
    pm.goto(f"/feedback/ideas/{ids[SOURCE]}")
    source_votes = _votes(pm)
    assert source_votes > 0

    merge = pm.get_by_role("region", name="Merge into another idea")
    merge.get_by_label("Number of the idea to keep").fill(str(ids[TARGET]))
    merge.get_by_label("Message to everyone following this idea").fill("Same service access ask.")
    merge.get_by_role("button", name="Merge").click()

    expect(pm).to_have_url(re.compile(rf"/feedback/ideas/{ids[TARGET]}$"))
    expect(pm.get_by_text(re.compile(r"Merged into “.+”: \d+ votes moved"))).to_be_visible()
    expect(pm.get_by_text("Merged into this idea:")).to_be_visible()
    merged_votes = _votes(pm)
    assert target_votes < merged_votes <= target_votes + source_votes
    check_axe(pm, label="the idea kept after a merge")

    pm.get_by_role("link", name=SOURCE).click()
    note = pm.get_by_role("note")
    expect(note).to_contain_text(f"Merged into {TARGET}")
    note.get_by_role("button", name="Undo the merge").click()
    expect(pm.get_by_text("The merge is undone")).to_be_visible()
    assert _votes(pm) == source_votes
    pm.goto(f"/feedback/ideas/{ids[TARGET]}")
    assert _votes(pm) == target_votes

    pm.goto("/feedback/field")
    expect(pm.get_by_role("heading", name="Field intelligence")).to_be_visible()
    expect(pm.locator(".fieldlist__item")).not_to_have_count(0)
    check_axe(pm, label="the field intelligence list")
    pm.goto("/feedback/ideas?sort=newest")
    pm.get_by_role("link", name="Pump whine on 6R tractors around 500 hours").click()
    expect(pm.get_by_role("region", name="Evidence from conversations")).to_contain_text(
        "both 2025 builds"
    )
    check_axe(pm, label="an idea with evidence from a conversation")
    pm.get_by_role("link", name="Open the conversation").first.click()
    pm.get_by_role("link", name="Attach to idea as evidence").first.click()
    expect(pm.get_by_role("heading", level=1)).to_contain_text("Attach a message to an idea")
    check_axe(pm, label="attaching a message to an idea")
    pm.goto("/feedback/field")
    pm.locator(".fieldlist__title a").first.click()
    expect(pm.get_by_role("heading", name="Linked ideas")).to_be_visible()
    check_axe(pm, label="an observation with its tags and links")

    phone = open_page(viewport={"width": 375, "height": 812})
    sign_in(phone, "marketing@prairie.example")
    phone.goto("/feedback/shipped")
    expect(phone.get_by_role("heading", level=1)).to_have_text("What we shipped from your ideas")
    check_axe(phone, label="the shipped page on a phone")
    phone.goto("/feedback/field/new")
    check_axe(phone, label="filing an observation on a phone")
