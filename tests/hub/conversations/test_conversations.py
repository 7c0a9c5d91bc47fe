"""The rules of conversations (hub/conversations.py): starting, who sees what, messages
numbered once, hand-offs, states, read positions, context cards and reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub import db
from hub.conversations import access, context, presence, reads, reminders
from hub.conversations import handoff as handoffs
from hub.conversations import service as conversations
from hub.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    Handoff,
    Message,
    MessageKind,
)
from hub.db import utcnow
from hub.errors import Conflict, TooManyAttempts, ValidationFailed
from hub.models import AuditEvent, Notification, OutboxMail, SocketSession, TerritoryAssignment
from hub.registry import registry
from tests.hub.conversations.conftest import new_id


def notes_for(person) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.person_id == person.id)
            .order_by(Notification.id)
        )
    )


def mails_to(person) -> list[OutboxMail]:
    return list(db.session.scalars(sa.select(OutboxMail).where(OutboxMail.to == person.email)))


def audit_actions(conversation) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(
                AuditEvent.object_type == "Conversation",
                AuditEvent.object_id == str(conversation.id),
            )
            .order_by(AuditEvent.id)
        )
    )


def bodies(conversation) -> list[tuple[int, str, str]]:
    return [(m.seq, m.kind.value, m.body) for m in conversations.messages_after(conversation, 0)]


def participant_ids(conversation) -> set[int]:
    return {p.person_id for p in reads.participants(conversation)}


# --- Starting --------------------------------------------------------------------------


def test_a_partner_starts_a_conversation_with_the_channel_manager_covering_them(
    covered, start, balers
):
    marketer = covered.people["dealer_marketer"]
    manager = covered.people["channel_manager"]

    conversation = start(
        subject="  Baler knotter misses ",
        body="It misses every 10th bale.",
        product_line_id=balers.id,
    )

    assert conversation.subject == "Baler knotter misses"
    assert conversation.organization_id == covered.dealer.id
    assert conversation.assignee_id == manager.id  # covers the distributor above the dealer
    assert conversation.status == ConversationStatus.OPEN
    assert conversation.product_line_id == balers.id
    assert conversation.last_seq == 1
    assert bodies(conversation) == [(1, "text", "It misses every 10th bale.")]
    assert participant_ids(conversation) == {marketer.id, manager.id}
    assert reads.read_positions(marketer, [conversation.id]) == {conversation.id: 1}
    (note,) = notes_for(manager)
    assert note.kind == "conversation.new" and note.url == f"/conversations/{conversation.id}"
    assert "Test Dealer" in note.text and "Baler knotter misses" in note.text
    assert audit_actions(conversation) == ["conversation.started"]


def test_without_a_covering_channel_manager_it_waits_in_the_team_queue(channel, start, make_person):
    second_manager = make_person("channel_manager", channel.oem)

    conversation = start()

    assert conversation.assignee_id is None
    for manager in (channel.people["channel_manager"], second_manager):
        assert [n.kind for n in notes_for(manager)] == ["conversation.new"]
        assert access.can_see(manager, conversation)
        assert access.can_take(manager, conversation)
    assert conversations.queue_count(second_manager) == 1


@pytest.mark.parametrize("role", ["program_admin", "channel_manager", "product_manager"])
def test_oem_staff_do_not_start_conversations(channel, role):
    with pytest.raises(PermissionError, match="started by partner staff"):
        conversations.start_conversation(channel.people[role], "Subject", "Body")


@pytest.mark.parametrize(
    ("subject", "body", "line", "field", "sentence"),
    [
        ("", "Body", None, "subject", "Give the conversation a subject"),
        ("x" * 201, "Body", None, "subject", "under 200 characters"),
        ("Subject", "   ", None, "body", "Write a message first."),
        ("Subject", "x" * 5001, None, "body", "under 5,000 characters (this one has 5,001)"),
        ("Subject", "Body", 999999, "product_line_id", "Choose one of the product lines"),
    ],
)
def test_a_start_that_cannot_be_accepted_says_why_by_field(
    channel, subject, body, line, field, sentence
):
    with pytest.raises(ValidationFailed) as caught:
        conversations.start_conversation(channel.people["dealer_marketer"], subject, body, line)
    assert sentence in " ".join(caught.value.problems[field])


def test_starting_again_with_the_same_client_msg_id_returns_the_first_conversation(channel):
    marketer = channel.people["dealer_marketer"]
    key = new_id()
    first, created = conversations.start_conversation(marketer, "Subject", "Body", None, key)
    again, created_again = conversations.start_conversation(marketer, "Subject", "Body", None, key)

    assert created and not created_again
    assert again.id == first.id
    with pytest.raises(Conflict):
        conversations.start_conversation(marketer, "Another subject", "Body", None, key)


# --- Who sees what -------------------------------------------------------------------------

ROLES = [
    "program_admin",
    "channel_manager",
    "product_manager",
    "distributor_admin",
    "partner_admin",
    "dealer_marketer",
    "partner_staff",
    "other_marketer",
]


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("program_admin", True),
        ("channel_manager", True),  # in the queue
        ("product_manager", False),
        ("distributor_admin", False),  # a dealer's line to the OEM is not its distributor's
        ("partner_admin", True),  # colleagues at the same dealer
        ("dealer_marketer", True),
        ("partner_staff", True),
        ("other_marketer", False),
    ],
)
def test_who_sees_a_dealers_conversation(channel, start, role, sees):
    conversation = start()
    viewer = channel.people[role]

    listed = db.session.scalars(conversations.list_conversations(viewer, "all")).all()
    assert (conversation in listed) is sees
    assert (access.find_conversation(viewer, conversation.id) is not None) is sees
    assert reads.unread_conversation_count(viewer) >= 0  # never fails for anyone


@pytest.mark.parametrize("role", ROLES)
def test_the_unread_count_agrees_with_the_conversation_scope(channel, start, say, role):
    """reads.unread_conversation_count runs a statement prebuilt for speed, not
    conversation_scope: for every role, taking part in conversations inside and outside
    their scope, it must count what conversation_scope lets them see."""
    viewer = channel.people[role]
    mine = start()  # the dealer's (inside the scope of its people, the OEM's, not others')
    other = start("other_marketer", subject="Another dealer's")
    for conversation in (mine, other):
        reads.ensure_participant(conversation, viewer, utcnow())
        say(conversation, "channel_manager", "News for everyone")

    through_scope = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ConversationParticipant)
        .join(Conversation, Conversation.id == ConversationParticipant.conversation_id)
        .where(
            ConversationParticipant.person_id == viewer.id,
            ConversationParticipant.last_read_seq < Conversation.last_seq,
            access.conversation_scope(viewer),
        )
    )
    assert reads.unread_conversation_count(viewer) == through_scope
    # The OEM counts both (the channel manager wrote, so read, both); a partner one.
    assert through_scope == {"program_admin": 2, "product_manager": 2, "channel_manager": 0}.get(
        role, 1
    )


def test_a_distributor_sees_a_dealers_conversation_only_when_taking_part(channel, start):
    conversation = start()
    distributor_admin = channel.people["distributor_admin"]
    assert not access.can_see(distributor_admin, conversation)

    db.session.add(
        ConversationParticipant(conversation_id=conversation.id, person_id=distributor_admin.id)
    )
    db.session.flush()

    assert access.can_see(distributor_admin, conversation)
    # ...but never one outside its subtree, participant row or not.
    other = start("other_marketer")
    db.session.add(
        ConversationParticipant(conversation_id=other.id, person_id=distributor_admin.id)
    )
    db.session.flush()
    assert not access.can_see(distributor_admin, other)


def test_a_channel_manager_sees_their_territorys_conversations_whoever_handles_them(
    covered, start, make_person, balers
):
    conversation = start(product_line_id=balers.id)
    handoffs.hand_off(
        covered.people["channel_manager"], conversation, covered.people["product_manager"], ""
    )
    outsider = make_person("channel_manager", covered.oem)  # covers nothing, takes no part
    db.session.flush()

    assert access.can_see(covered.people["channel_manager"], conversation)
    assert not access.can_see(outsider, conversation)


def test_a_product_manager_sees_only_what_is_handed_to_them_or_they_take_part_in(
    covered, start, balers, make_person
):
    handed = start(product_line_id=balers.id)
    untouched = start(subject="Another")
    pm = covered.people["product_manager"]
    other_pm = make_person("product_manager", covered.oem)

    handoffs.hand_off(covered.people["channel_manager"], handed, pm, "Yours")

    assert access.can_see(pm, handed)
    assert not access.can_see(pm, untouched)
    assert not access.can_see(other_pm, handed)


# --- Messages --------------------------------------------------------------------------------


def test_messages_are_numbered_in_order_and_move_the_status(covered, start, say):
    conversation = start()
    assert conversation.first_response_at is None

    say(conversation, "dealer_marketer", "Anyone?")
    assert conversation.status == ConversationStatus.OPEN  # still unanswered
    say(conversation, "channel_manager", "Here!")
    assert conversation.status == ConversationStatus.WAITING_ON_PARTNER
    assert conversation.first_response_at is not None
    say(conversation, "partner_staff", "Thanks, a colleague here.")
    assert conversation.status == ConversationStatus.WAITING_ON_OEM

    assert [seq for seq, _, _ in bodies(conversation)] == [1, 2, 3, 4]
    assert conversation.last_seq == 4
    assert covered.people["partner_staff"].id in participant_ids(conversation)


def test_the_same_client_msg_id_returns_the_stored_message_and_stores_nothing(covered, start):
    conversation = start()
    marketer = covered.people["dealer_marketer"]
    key = new_id()

    first, created = conversations.send_message(marketer, conversation, key, "Once")
    again, created_again = conversations.send_message(marketer, conversation, key, "Once")

    assert created and not created_again
    assert again.id == first.id and again.seq == first.seq == 2
    assert conversation.last_seq == 2
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(Message.conversation_id == conversation.id)
        )
        == 2
    )


def test_a_client_msg_id_cannot_be_reused_for_other_content_or_by_someone_else(covered, start):
    conversation = start()
    key = new_id()
    conversations.send_message(covered.people["dealer_marketer"], conversation, key, "Mine")

    with pytest.raises(Conflict, match="use a new UUID"):
        conversations.send_message(covered.people["dealer_marketer"], conversation, key, "Edited")
    with pytest.raises(Conflict):
        conversations.send_message(covered.people["channel_manager"], conversation, key, "Mine")


@pytest.mark.parametrize(
    ("client_msg_id", "body", "sentence"),
    [
        (None, "Hi", "Send a client_msg_id"),
        ("", "Hi", "Send a client_msg_id"),
        ("x" * 65, "Hi", "Send a client_msg_id"),
        ("has spaces", "Hi", "Send a client_msg_id"),
        ("ok-id", "", "Write a message first."),
        ("ok-id", 42, "Send the message as text."),
        ("ok-id", "x" * 5001, "under 5,000 characters"),
    ],
)
def test_a_message_that_cannot_be_accepted_says_why(covered, start, client_msg_id, body, sentence):
    conversation = start()
    with pytest.raises(ValidationFailed, match=sentence):
        conversations.send_message(
            covered.people["dealer_marketer"], conversation, client_msg_id, body
        )
    assert conversation.last_seq == 1


def test_a_message_of_exactly_5000_characters_is_accepted(covered, start, say):
    conversation = start()
    assert len(say(conversation, "dealer_marketer", "x" * 5000).body) == 5000


def test_sending_too_fast_is_refused_but_a_retry_of_a_sent_message_is_not(covered, start):
    conversation = start()  # the first message counts too
    marketer = covered.people["dealer_marketer"]
    keys = [new_id() for _ in range(conversations.RATE_LIMIT - 1)]
    for n, key in enumerate(keys):
        conversations.send_message(marketer, conversation, key, f"message {n}")

    with pytest.raises(TooManyAttempts, match="Wait a few seconds"):
        conversations.send_message(marketer, conversation, new_id(), "one too many")
    message, created = conversations.send_message(marketer, conversation, keys[-1], "message 18")
    assert not created and message.seq == conversations.RATE_LIMIT
    # Others are not slowed down by one person's pace, and the window passes.
    conversations.send_message(covered.people["channel_manager"], conversation, new_id(), "Hi")
    later = utcnow() + conversations.RATE_WINDOW + timedelta(seconds=1)
    conversations.send_message(marketer, conversation, new_id(), "later", now=later)


def test_someone_who_may_not_see_a_conversation_cannot_write_in_it(channel, start):
    conversation = start()
    with pytest.raises(access.ConversationNotFound):
        conversations.send_message(channel.people["other_marketer"], conversation, new_id(), "Hi")
    with pytest.raises(access.ConversationNotFound):
        conversations.mark_read(channel.people["other_marketer"], conversation, 1)


def test_messages_after_a_sequence_number_come_in_order_without_gaps(covered, start, say):
    conversation = start()
    for n in range(2, 8):
        say(conversation, "dealer_marketer" if n % 2 else "channel_manager", f"message {n}")

    assert [m.seq for m in conversations.messages_after(conversation, 3)] == [4, 5, 6, 7]
    assert [m.seq for m in conversations.messages_after(conversation, 3, limit=2)] == [4, 5]
    assert conversations.messages_after(conversation, 7) == []


def test_messages_are_append_only(covered, start):
    conversation = start()
    (message,) = conversations.messages_after(conversation, 0)
    message.body = "rewritten"
    with pytest.raises(Exception, match="append-only"):
        db.session.flush()
    db.session.rollback()


# --- Reading -----------------------------------------------------------------------------------


def test_read_positions_only_move_forward_and_stop_at_the_last_message(covered, start, say):
    conversation = start()
    say(conversation, "channel_manager", "Two")
    say(conversation, "channel_manager", "Three")
    marketer = covered.people["dealer_marketer"]

    assert conversations.mark_read(marketer, conversation, 2) == 2
    assert conversations.mark_read(marketer, conversation, 1) == 2  # never backwards
    assert conversations.mark_read(marketer, conversation, 99) == 3  # never past the end
    assert reads.read_positions(marketer, [conversation.id]) == {conversation.id: 3}


def test_reading_makes_a_colleague_take_part_but_not_the_program_admin(covered, start):
    conversation = start()
    colleague, admin = covered.people["partner_staff"], covered.people["program_admin"]

    conversations.mark_read(colleague, conversation, 1)
    conversations.mark_read(admin, conversation, 1)

    assert colleague.id in participant_ids(conversation)
    assert admin.id not in participant_ids(conversation)


def test_unread_conversations_are_counted_per_person(covered, start, say):
    first, second = start(), start(subject="Second")
    marketer, manager = covered.people["dealer_marketer"], covered.people["channel_manager"]
    assert reads.unread_conversation_count(marketer) == 0
    assert reads.unread_conversation_count(manager) == 2

    say(first, manager, "Answer one")
    say(first, manager, "Answer two")
    conversations.mark_read(manager, second, second.last_seq)

    assert reads.unread_conversation_count(marketer) == 1
    assert reads.unread_conversation_count(manager) == 0


# --- Hand-offs and states -------------------------------------------------------------------------


def test_a_hand_off_to_the_product_manager_keeps_the_history_and_waits_to_be_accepted(
    covered, start, say, balers
):
    conversation = start(product_line_id=balers.id)
    say(conversation, "channel_manager", "Which serial number?")
    say(conversation, "dealer_marketer", "BL-4411")
    manager, pm = covered.people["channel_manager"], covered.people["product_manager"]

    assert pm in handoffs.handoff_targets(conversation, manager)
    handoff = handoffs.hand_off(manager, conversation, pm, "Knotter batch from May?")

    assert conversation.assignee_id == pm.id
    assert handoffs.pending_handoff(conversation) == handoff
    assert access.can_see(pm, conversation) and access.can_see(manager, conversation)
    assert [b for _, _, b in bodies(conversation)][:3] == [
        "It misses.",
        "Which serial number?",
        "BL-4411",
    ]
    assert bodies(conversation)[-1] == (
        4,
        "system",
        f"{manager.name} handed this conversation to {pm.name} (product manager).",
    )
    (note,) = [n for n in notes_for(pm) if n.kind == "conversation.handoff"]
    assert "Knotter batch from May?" in note.text
    (mail,) = mails_to(pm)  # no page of theirs open: e-mailed as well
    assert (
        "Knotter batch from May?" in mail.body and f"/conversations/{conversation.id}" in mail.body
    )
    assert "conversation.handed_off" in audit_actions(conversation)
    # The note stays among OEM staff: it is in no message.
    assert all("Knotter batch" not in b for _, _, b in bodies(conversation))

    handoffs.accept_handoff(pm, conversation)

    assert handoff.accepted_at is not None
    assert handoffs.pending_handoff(conversation) is None
    assert bodies(conversation)[-1][1:] == ("system", f"{pm.name} accepted the conversation.")
    assert [n.kind for n in notes_for(manager)][-1] == "conversation.accepted"
    assert "conversation.handoff_accepted" in audit_actions(conversation)


def test_a_receiver_who_is_online_is_not_emailed(covered, start, balers):
    conversation = start(product_line_id=balers.id)
    pm = covered.people["product_manager"]
    db.session.add(SocketSession(sid="sid-of-pm", person_id=pm.id))
    db.session.flush()

    handoffs.hand_off(covered.people["channel_manager"], conversation, pm, "")

    assert presence.online_person_ids([pm.id]) == {pm.id}
    assert mails_to(pm) == []


def test_only_the_receiver_accepts_a_hand_off(covered, start, balers):
    conversation = start(product_line_id=balers.id)
    handoffs.hand_off(
        covered.people["channel_manager"], conversation, covered.people["product_manager"], ""
    )
    for role in ("channel_manager", "program_admin", "dealer_marketer"):
        with pytest.raises(PermissionError, match="no hand-off waiting for you"):
            handoffs.accept_handoff(covered.people[role], conversation)


@pytest.mark.parametrize(
    "target",
    ["dealer_marketer", "channel_manager", "other_product_manager"],
    ids=["a partner", "oneself", "a product manager of another line"],
)
def test_a_hand_off_goes_only_to_the_lines_product_managers_or_other_channel_managers(
    covered, start, balers, make_person, target
):
    conversation = start(product_line_id=balers.id)
    other_pm = make_person("product_manager", covered.oem)
    people = {**covered.people, "other_product_manager": other_pm}

    with pytest.raises(ValidationFailed, match="Choose a product manager"):
        handoffs.hand_off(covered.people["channel_manager"], conversation, people[target], "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Handoff)) == 0


def test_another_channel_manager_can_receive_a_hand_off(covered, start, make_person):
    conversation = start()
    colleague = make_person("channel_manager", covered.oem)

    handoffs.hand_off(covered.people["channel_manager"], conversation, colleague, "Your region")

    assert conversation.assignee_id == colleague.id


def test_partners_do_not_hand_off(covered, start, balers):
    conversation = start(product_line_id=balers.id)
    with pytest.raises(PermissionError, match="Only OEM staff"):
        handoffs.hand_off(
            covered.people["dealer_marketer"], conversation, covered.people["product_manager"], ""
        )


def test_partners_resolve_and_reopen_and_the_time_to_resolution_is_kept(covered, start):
    conversation = start()
    marketer = covered.people["dealer_marketer"]

    assert conversations.set_status(marketer, conversation, "resolved")
    assert conversation.status == ConversationStatus.RESOLVED
    assert conversation.resolved_at is not None
    assert not conversations.set_status(marketer, conversation, "resolved")  # no change
    with pytest.raises(PermissionError):
        conversations.set_status(marketer, conversation, "waiting_on_partner")
    with pytest.raises(ValidationFailed, match="Choose one of the states"):
        conversations.set_status(marketer, conversation, "closed")

    conversations.set_status(marketer, conversation, "open")
    assert conversation.resolved_at is None
    assert [b for _, kind, b in bodies(conversation) if kind == "system"] == [
        f"{marketer.name} marked this conversation resolved.",
        f"{marketer.name} reopened this conversation (open).",
    ]
    assert audit_actions(conversation).count("conversation.status_changed") == 2


def test_a_message_reopens_a_resolved_conversation(covered, start, say):
    conversation = start()
    conversations.set_status(covered.people["channel_manager"], conversation, "resolved")

    say(conversation, "dealer_marketer", "One more thing")

    assert conversation.status == ConversationStatus.WAITING_ON_OEM
    assert conversation.resolved_at is None


def test_a_channel_manager_takes_a_queued_conversation_once(channel, start, make_person, say):
    conversation = start()
    first, second = channel.people["channel_manager"], make_person("channel_manager", channel.oem)
    db.session.add(
        TerritoryAssignment(channel_manager_id=second.id, organization_id=channel.dealer.id)
    )
    db.session.flush()

    handoffs.take_conversation(first, conversation)

    assert conversation.assignee_id == first.id
    assert bodies(conversation)[-1][2] == f"{first.name} took this conversation."
    with pytest.raises(Conflict, match="handling this conversation already"):
        handoffs.take_conversation(second, conversation)  # sees it: their territory
    outsider = make_person("channel_manager", channel.oem)
    with pytest.raises(access.ConversationNotFound):
        handoffs.take_conversation(outsider, conversation)  # out of the queue: gone
    answered = start("other_marketer", subject="Another")  # nobody covers that dealer
    say(answered, outsider, "On it")  # answering from the queue takes it as well
    assert answered.assignee_id == outsider.id


# --- Context card and reminders -----------------------------------------------------------------


def test_the_context_card_gathers_every_providers_facts(app, covered, start):
    conversation = start()
    registry(app).context.append(lambda org, viewer: [("Co-op balance", f"{org.name}: USD 700.00")])

    facts = dict(context.context_card(conversation, covered.people["channel_manager"]))

    assert facts["Organisation"] == "Test Dealer (dealer)"
    assert facts["Tier"] == "Premier"
    assert facts["Region"] == "Nebraska"
    assert facts["Staff"] == "3 active"
    assert facts["Co-op balance"] == "Test Dealer: USD 700.00"
    card = context.context_card(conversation, covered.people["channel_manager"])
    assert card[0][0] == "Organisation"  # the core's facts come first


def test_messages_left_unread_are_emailed_about_once(covered, start, say):
    marketer, manager = covered.people["dealer_marketer"], covered.people["channel_manager"]
    long_ago = utcnow() - timedelta(hours=2)
    conversation = start(now=long_ago)
    conversations.mark_read(manager, conversation, 1)
    say(conversation, manager, "Answer", now=long_ago + timedelta(minutes=1))

    reminders.remind_unread(utcnow())
    reminders.remind_unread(utcnow())  # nothing new: no second e-mail

    (mail,) = mails_to(marketer)
    assert "Baler knotter misses" in mail.body and "1 unread" in mail.body
    assert mails_to(manager) == []  # the manager has read everything, and wrote the rest

    say(conversation, manager, "Fresh", now=utcnow())
    reminders.remind_unread(utcnow())
    assert len(mails_to(marketer)) == 1  # the fresh one is not old enough yet
    reminders.remind_unread(utcnow() + reminders.UNREAD_REMINDER_AFTER)
    assert len(mails_to(marketer)) == 2


def test_nothing_is_emailed_once_read(covered, start, say):
    marketer, manager = covered.people["dealer_marketer"], covered.people["channel_manager"]
    long_ago = utcnow() - timedelta(hours=2)
    conversation = start(now=long_ago)
    say(conversation, manager, "Answer", now=long_ago)
    conversations.mark_read(marketer, conversation, conversation.last_seq)
    conversations.mark_read(manager, conversation, conversation.last_seq)

    assert reminders.remind_unread(utcnow()) == "0 unread-message reminders e-mailed"


def test_system_messages_alone_are_not_emailed_about(covered, start, balers):
    long_ago = utcnow() - timedelta(hours=2)
    conversation = start(product_line_id=balers.id, now=long_ago)
    handoffs.hand_off(
        covered.people["channel_manager"],
        conversation,
        covered.people["product_manager"],
        "",
        now=long_ago,
    )

    reminders.remind_unread(utcnow())

    assert mails_to(covered.people["dealer_marketer"]) == []
    # the product manager has the hand-off e-mail and an unread-message reminder
    subjects = sorted(m.subject for m in mails_to(covered.people["product_manager"]))
    assert subjects == [
        "Conversation handed to you: Baler knotter misses",
        "Unread messages on Partner Hub",
    ]
    system = db.session.scalar(sa.select(Message).where(Message.kind == MessageKind.SYSTEM))
    assert system.author_id is None


def test_the_reminder_job_is_registered_with_the_tick(app):
    job = registry(app).jobs["conversations.unread-reminders"]
    assert job.every == timedelta(minutes=5)
    assert job.run(utcnow()).endswith("reminders e-mailed")
