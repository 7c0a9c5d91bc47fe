"""The notifications page: each row says who, what and when, shows unread (a dot, a
distinct row, words for screen readers), and has its actions in one place."""

from __future__ import annotations

import re
from datetime import timedelta

from hub import notifications
from hub.db import utcnow
from tests.conftest import csrf_token, sign_in


def _rows(html: str) -> list[str]:
    return re.findall(r'<li class="notelist__item.*?</li>', html, flags=re.S)


def test_unread_and_read_rows_say_who_what_and_when(client, channel, session):
    marketer, cm = channel.people["dealer_marketer"], channel.people["channel_manager"]
    read = notifications.notify(marketer.id, "test", "Welcome aboard.", "/")
    read.read_at = utcnow()
    read.created_at = utcnow() - timedelta(days=2)
    unread = notifications.notify(
        marketer.id, "conversation.handoff", "Marcus answered you.", "/conversations/1", actor=cm
    )
    unread.created_at = utcnow() - timedelta(hours=3)
    session.flush()
    sign_in(client, marketer)

    html = client.get("/notifications").get_data(as_text=True)
    first, second = _rows(html)

    # Newest first; the unread one: distinct row, a dot, words for screen readers, who.
    assert "notelist__item--unread" in first and "Unread: " in first
    assert "Marcus answered you." in first and cm.name in first and cm.initials in first
    assert "3 hours ago" in first and 'title="' in first
    assert "Mark read" in first
    assert 'name="next" value="/conversations/1"' in first  # Open marks it read and goes
    # The read one: none of that; the hub itself said it.
    assert "notelist__item--unread" not in second and "Unread: " not in second
    assert "Welcome aboard." in second and "Partner Hub" in second and "2 days ago" in second
    assert "Mark read" not in second and '<a class="button notelist__button" href="/"' in second
    assert "1 unread" in html and "Mark all read" in html


def test_all_read_says_so_and_offers_no_mark_all(client, channel, session):
    marketer = channel.people["dealer_marketer"]
    note = notifications.notify(marketer.id, "test", "Old news.")
    note.read_at = utcnow()
    session.flush()
    sign_in(client, marketer)
    html = client.get("/notifications").get_data(as_text=True)
    assert "All read" in html and "Mark all read" not in html


def test_nothing_yet_says_what_will_come(client, channel):
    sign_in(client, channel.people["dealer_marketer"])
    html = client.get("/notifications").get_data(as_text=True)
    assert "No notifications yet" in html


def test_opening_marks_read_and_goes_there(client, channel, session):
    marketer = channel.people["dealer_marketer"]
    note = notifications.notify(marketer.id, "test", "Look.", "/conversations/7")
    sign_in(client, marketer)
    response = client.post(
        f"/notifications/{note.id}/read",
        data={"csrf_token": csrf_token(client, "/notifications"), "next": "/conversations/7"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/conversations/7"
    session.refresh(note)
    assert note.read_at is not None


def test_htmx_gets_the_whole_page_content_to_swap(client, channel):
    marketer = channel.people["dealer_marketer"]
    notifications.notify(marketer.id, "test", "Look.")
    sign_in(client, marketer)
    html = client.get("/notifications", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<div id="notifications-page"' in html and "<html" not in html
    assert "1 unread" in html
