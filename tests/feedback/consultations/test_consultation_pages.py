"""The consultation pages: opening one (refused input comes back with sentences), the page
with the rule as it stood beside the change, a signal and a comment (HTML shown as text),
the dashboard panel, the OEM's summary (SVG bars and the table), the response."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from feedback.consultations import service
from feedback.consultations.models import Consultation, Signal
from hub import db
from hub.db import today
from hub.models import Notification
from tests.conftest import post_form
from tests.feedback.consultations.support import close, open_one

NEW = "/feedback/consultations/new"


def test_a_refused_opening_keeps_the_input_with_a_sentence_per_problem(client, login_as, channel):
    login_as("program_admin")
    page = client.get(NEW).get_data(as_text=True)
    assert "Premier tier criteria" in page  # hub's rules, listed beside the form
    response = post_form(
        client,
        NEW,
        {
            "title": "Tier criteria: revenue floor",
            "summary": "",
            "rule_key": "",
            "opens_on": today().isoformat(),
            "closes_on": (today() - timedelta(days=1)).isoformat(),
            "effective_on": "soon",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Tier criteria: revenue floor"' in html
    assert "Say in plain words what changes" in html
    assert "Choose the rule the change concerns." in html
    assert "must end on or after the day it begins" in html
    assert "Give the date it takes effect as a date" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 0


def test_the_admin_opens_one_for_chosen_tiers(client, login_as, channel):
    login_as("program_admin")
    rule = next(r for r in service.rule_choices() if r.key.startswith("hub:tier:"))
    response = post_form(
        client,
        NEW,
        {
            "title": "Premier criteria: add service certification",
            "summary": "Premier dealers would need one certified technician.",
            "rule_key": rule.key,
            "opens_on": today().isoformat(),
            "closes_on": (today() + timedelta(days=10)).isoformat(),
            "effective_on": (today() + timedelta(days=40)).isoformat(),
            "tier_ids": [str(channel.dealer.tier_id)],
        },
    )
    assert response.status_code == 303
    c = db.session.scalar(sa.select(Consultation))
    assert c.audience_tier_ids == [channel.dealer.tier_id] and c.rule_key == rule.key


def test_a_dealer_reads_signals_and_comments_and_html_stays_text(client, login_as, channel):
    c = open_one(channel.people["program_admin"])
    marketer = login_as("dealer_marketer")
    page = client.get(f"/feedback/consultations/{c.id}").get_data(as_text=True)
    assert c.rule_current in page and "The rule today" in page and "What changes" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Program changes open for comment" in dashboard
    assert f'<a href="/feedback/consultations/{c.id}">{c.title}</a>' in dashboard  # not escaped

    url = f"/feedback/consultations/{c.id}"
    assert post_form(client, f"{url}/signal", {"signal": "concerned"}, url).status_code == 303
    assert service.signal_of(marketer, c) == Signal.CONCERNED
    assert "you said “I&#39;m concerned”" in client.get("/").get_data(as_text=True)
    refused = post_form(client, f"{url}/comments", {"body": ""}, url)
    assert refused.status_code == 422
    assert "Write your comment before sending it." in refused.get_data(as_text=True)
    sent = post_form(client, f"{url}/comments", {"body": "<script>alert(1)</script>"}, url)
    assert sent.status_code == 303
    html = client.get(url).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "You said “I&#39;m concerned”" in html or "You said “I'm concerned”" in html


def test_after_the_close_a_signal_is_refused_with_a_sentence(client, login_as, channel):
    c = open_one(channel.people["program_admin"])
    close(c)
    login_as("dealer_marketer")
    url = f"/feedback/consultations/{c.id}"
    response = post_form(client, f"{url}/signal", {"signal": "agree"}, url, follow_redirects=True)
    assert service.CLOSED in response.get_data(as_text=True)
    assert service.signal_of(channel.people["dealer_marketer"], c) is None


def test_the_summary_draws_bars_and_a_table(client, login_as, channel):
    c = open_one(channel.people["program_admin"])
    service.give_signal(channel.people["dealer_marketer"], c, "agree")
    service.give_signal(channel.people["other_marketer"], c, "concerned")
    service.add_comment(channel.people["other_marketer"], c, "Too soon.")
    login_as("program_admin")
    html = client.get(f"/feedback/consultations/{c.id}/summary").get_data(as_text=True)
    assert '<svg class="cchart"' in html and 'aria-labelledby="tier-chart-title"' in html
    assert '<th scope="row">Premier</th><td class="num" data-label="Agree">1</td>' in html
    assert "<strong>1</strong> agree · <strong>1</strong> concerned" in html


def test_the_admin_publishes_the_response_and_the_dealer_is_told(client, login_as, channel):
    c = open_one(channel.people["program_admin"])
    marketer = channel.people["dealer_marketer"]
    service.give_signal(marketer, c, "concerned")
    close(c)
    login_as("program_admin")
    url = f"/feedback/consultations/{c.id}"
    refused = post_form(client, f"{url}/response", {"outcome": "", "response": ""}, url)
    assert refused.status_code == 422
    assert "Write the response" in refused.get_data(as_text=True)
    done = post_form(
        client, f"{url}/response", {"outcome": "dropped", "response": "We keep two periods."}, url
    )
    assert done.status_code == 303
    told = db.session.scalar(sa.select(Notification).where(Notification.person_id == marketer.id))
    assert told.url == url and "dropped" in told.text
    login_as(marketer)
    html = client.get(url).get_data(as_text=True)
    assert "The program team&#39;s response: dropped" in html or "response: dropped" in html
    assert "We keep two periods." in html
    assert "The rule when partners were asked" in html and "The rule today" not in html
