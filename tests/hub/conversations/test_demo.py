"""The demo program's conversations: every state, a hand-off to the product manager with
its history, and unread messages waiting for the demo accounts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import db
from hub.conversations import handoff as handoffs
from hub.conversations import reads
from hub.conversations import service as conversations
from hub.conversations.models import Conversation, ConversationStatus
from hub.models import Person


def person(email: str) -> Person:
    return db.session.scalar(sa.select(Person).where(Person.email == email))


@pytest.mark.demo
def test_the_demo_has_conversations_in_every_state_and_unread_ones_for_its_accounts(
    app, demo_summary
):
    summary = demo_summary

    assert "6 conversations" in summary
    all_of_them = db.session.scalars(sa.select(Conversation)).all()
    assert {c.status for c in all_of_them} == set(ConversationStatus)

    kelsey, marcus, priya = (
        person("marketing@prairie.example"),
        person("channel@fieldcrest.example"),
        person("pm@fieldcrest.example"),
    )
    kelseys_open = [
        c
        for c in db.session.scalars(conversations.list_conversations(kelsey, "active"))
        if c.created_by_id == kelsey.id
    ]
    assert len(kelseys_open) >= 2
    assert all(c.assignee_id == marcus.id for c in kelseys_open)

    (handed,) = [c for c in all_of_them if c.assignee_id == priya.id]
    pending = handoffs.pending_handoff(handed)
    assert pending is not None and pending.from_person_id == marcus.id and pending.note
    assert [m.kind.value for m in conversations.messages_after(handed, 0)] == [
        "text",
        "text",
        "text",
        "system",
    ]

    for account in (kelsey, marcus, priya):
        assert reads.unread_conversation_count(account) >= 1, account.email
