"""The conversation page sends as many SQL statements for a long thread as for a short
one: messages from more people, system lines and read positions add no query per
message or per author (bench.floor measures the page with 150 messages). Counts only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.db import utcnow
from tests.conftest import sign_in
from tests.hub.conversations.conftest import new_id
from tests.hub.test_query_counts import _count


@pytest.mark.parametrize("viewer", ["dealer_marketer", "channel_manager"])
def test_the_conversation_page_sends_as_many_statements_for_a_long_thread(
    viewer, client, covered, start, statements
):
    from hub.conversations import service as conversations

    people = covered.people
    conversation = start(subject="Demo loaders for the spring shows")
    moment = [utcnow() - timedelta(days=2)]

    def talk(rounds: int) -> None:  # spaced out: the per-person rate limit is not the point
        for _ in range(rounds):
            for who in ("channel_manager", "dealer_marketer", "partner_admin"):
                moment[0] += timedelta(minutes=5)
                conversations.send_message(
                    people[who], conversation, new_id(), f"From {who}", now=moment[0]
                )

    talk(1)
    sign_in(client, people[viewer])
    page = f"/conversations/{conversation.id}"
    small, _ = _count(client, statements, page, {})

    talk(8)
    large, sql = _count(client, statements, page, {})

    assert large == small, "\n".join(sql)


def test_the_page_s_transcript_is_the_messages_as_rows(covered, start):
    """transcript() reads what messages_after loads, field by field: authors (partner and
    OEM, with their role for the message actions), system lines without one, the order."""
    from hub.conversations import service as conversations
    from hub.conversations.models import MessageKind
    from hub.conversations.transcript import transcript

    people = covered.people
    conversation = start(subject="Hydraulic hose sizes")
    moment = utcnow() - timedelta(days=1)
    for n, who in enumerate(("channel_manager", "partner_admin", "dealer_marketer")):
        conversations.send_message(
            people[who], conversation, new_id(), f"Line {n} https://x.example", now=moment
        )
        moment += timedelta(minutes=5)
    conversations.set_status(people["channel_manager"], conversation, "resolved")  # system line

    loaded = conversations.messages_after(conversation, 0)
    rows = transcript(conversation)
    assert len(rows) == len(loaded) >= 5
    assert any(m.kind == MessageKind.SYSTEM for m in loaded)
    for row, message in zip(rows, loaded, strict=True):
        fields = (
            "id",
            "conversation_id",
            "seq",
            "client_msg_id",
            "author_id",
            "kind",
            "body",
            "created_at",
        )
        assert [getattr(row, f) for f in fields] == [getattr(message, f) for f in fields]
        if message.author is None:
            assert row.author is None
        else:
            assert (row.author.id, row.author.name, row.author.is_oem) == (
                message.author.id,
                message.author.name,
                message.author.is_oem,
            )
    assert {row.author.is_oem for row in rows if row.author} == {True, False}
