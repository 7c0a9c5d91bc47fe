"""The product manager's dashboard: the conversations handed to them or waiting on them,
the longest-waiting first (hub.conversations.handoff.waiting_on)."""

from __future__ import annotations

from datetime import timedelta

from hub.conversations.handoff import accept_handoff, hand_off, waiting_on, waiting_on_count
from hub.db import utcnow
from tests.conftest import sign_in


def test_handed_and_answered_by_the_partner_wait_on_the_product_manager_oldest_first(
    channel, covered, balers, start, say
):
    cm, pm = channel.people["channel_manager"], channel.people["product_manager"]
    now = utcnow()
    early = start(subject="Knotter misses", product_line_id=balers.id, now=now - timedelta(days=3))
    late = start(subject="Twine tension", now=now - timedelta(days=1))
    answered = start(subject="Already answered", now=now - timedelta(days=2))
    mine_elsewhere = start(subject="Still the channel manager's", now=now - timedelta(days=4))

    hand_off(cm, late, pm, "Over to you", now=now - timedelta(hours=20))
    hand_off(cm, early, pm, now=now - timedelta(days=2, hours=12))
    accept_handoff(pm, early, now=now - timedelta(days=2, hours=11))
    say(early, "dealer_marketer", "Any news?")  # the partner wrote last: waits on the PM
    hand_off(cm, answered, pm, now=now - timedelta(days=1, hours=12))
    accept_handoff(pm, answered, now=now - timedelta(days=1, hours=11))
    say(answered, pm, "Here is the fix.")  # the PM answered: waits on the partner

    items = waiting_on(pm)
    assert [c.subject for c, _h in items] == ["Twine tension", "Knotter misses"]
    assert items[0][1] is not None and items[0][1].from_person_id == cm.id  # not accepted yet
    assert items[1][1] is None
    assert waiting_on_count(pm) == 2
    assert mine_elsewhere.id not in {c.id for c, _h in items}


def test_the_product_managers_dashboard_lists_them_with_partner_line_and_wait(
    client, channel, covered, balers, start
):
    cm, pm = channel.people["channel_manager"], channel.people["product_manager"]
    conversation = start(
        subject="Knotter misses", product_line_id=balers.id, now=utcnow() - timedelta(days=3)
    )
    hand_off(cm, conversation, pm, now=utcnow() - timedelta(days=2))
    sign_in(client, pm)
    html = client.get("/").get_data(as_text=True)
    assert "Conversations waiting on you" in html
    assert "Knotter misses" in html and f"/conversations/{conversation.id}" in html
    assert channel.dealer.name in html and "Balers" in html
    assert f"Handed to you by {cm.name}" in html
    assert "2 days" in html


def test_an_empty_dashboard_says_where_conversations_come_from(client, channel):
    sign_in(client, channel.people["product_manager"])
    html = client.get("/").get_data(as_text=True)
    assert "Nothing waits on you" in html and "hands you a conversation" in html


def test_other_roles_get_no_such_panel(client, channel, covered, start):
    start()
    sign_in(client, channel.people["channel_manager"])
    assert "Conversations waiting on you" not in client.get("/").get_data(as_text=True)
