"""Conversations: a partner's line to the OEM — messages numbered per conversation and
stored exactly once, who handles a conversation and its state.

The rules only: the pages, the JSON API, the socket events and the tick all call these
functions; none of them needs a Flask request. Who sees which conversation is in
`access`; reading and unread counts in `reads`; files in `attachments`; hand-offs in
`handoff`.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm
from sqlalchemy.sql import Select

from hub import audit, db, notifications, uploads
from hub.conversations.access import (
    conversation_scope,
    require_visible,
    statuses_for,
    visible_conversations,
)
from hub.conversations.attachments import (
    attachment_json,
    attachments_of,
    check_not_sent,
    store_file,
    uploads_of,
)
from hub.conversations.links import check_link
from hub.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    Message,
    MessageAttachment,
    MessageKind,
)
from hub.conversations.reads import ensure_participant, push_unread_later, read_up_to
from hub.conversations.routing import covering_channel_manager, product_experts
from hub.db import utcnow
from hub.errors import Conflict, TooManyAttempts, ValidationFailed
from hub.extensions import socketio
from hub.models import Person, ProductLine, Role, StoredFile
from hub.plain import row_of

MAX_BODY = 5_000  # characters in one message
MAX_SUBJECT = 200
MAX_CLIENT_MSG_ID = 64
RATE_LIMIT = 20  # messages one person may send…
RATE_WINDOW = timedelta(seconds=30)  # …within this window
_CLIENT_MSG_ID = re.compile(r"^[A-Za-z0-9._:-]+$")

# Messages are records: stored once, never edited (the migration adds database triggers).
audit.register_append_only(Message)


def conversation_room(conversation_id: int) -> str:
    """The socket room of one conversation (joined with `conversation:join`)."""
    return f"conversation:{conversation_id}"


def conversation_path(conversation_id: int) -> str:
    """The conversation's page, as notifications and e-mails link to it."""
    return f"/conversations/{conversation_id}"


def absolute_link(path: str) -> str:
    """An absolute link for e-mails: on HUB_PUBLIC_URL, else on SERVER_NAME, else the path."""
    config = current_app.config
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/") + path
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME', 'http')}://{config['SERVER_NAME']}{path}"
    return path


def list_conversations(viewer: Person, state: str = "active") -> Select:
    """The viewer's conversations, latest activity first.

    state: "active" (not resolved), "resolved", "queue" (waiting for a channel manager to
    take them) or "all".
    """
    stmt = visible_conversations(viewer)
    if state == "active":
        stmt = stmt.where(Conversation.status != ConversationStatus.RESOLVED)
    elif state == "resolved":
        stmt = stmt.where(Conversation.status == ConversationStatus.RESOLVED)
    elif state == "queue":
        stmt = stmt.where(
            Conversation.assignee_id.is_(None), Conversation.status != ConversationStatus.RESOLVED
        )
    return stmt.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())


def queue_count(viewer: Person) -> int:
    """How many unresolved conversations wait in the channel team's queue (0 for others)."""
    if viewer.role not in (Role.CHANNEL_MANAGER, Role.PROGRAM_ADMIN):
        return 0
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Conversation)
        .where(
            conversation_scope(viewer),
            Conversation.assignee_id.is_(None),
            Conversation.status != ConversationStatus.RESOLVED,
        )
    )


def messages_after(
    conversation: Conversation, after_seq: int = 0, limit: int | None = None
) -> list[Message]:
    """The conversation's messages numbered above after_seq, in order (at most limit)."""
    stmt = (
        sa.select(Message)
        .where(Message.conversation_id == conversation.id, Message.seq > after_seq)
        .order_by(Message.seq)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def iso_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def person_ref(person: Person | None) -> dict | None:
    return None if person is None else {"id": person.id, "name": person.name}


def message_json(message: Message, attachments: list[StoredFile] | None = None) -> dict:
    """A message as the socket protocol and the API send it (docs/realtime.md).

    attachments: the message's files when the caller has them (lists load them at once
    with `messages_json`); otherwise they are looked up.
    """
    if attachments is None:
        attachments = attachments_of([message.id]).get(message.id, [])
    return {
        "id": message.id,
        "seq": message.seq,
        "conversation_id": message.conversation_id,
        "client_msg_id": message.client_msg_id,
        "kind": message.kind.value,
        "author": person_ref(message.author),
        "body": message.body,
        "created_at": iso_time(message.created_at),
        "attachments": [attachment_json(message.conversation_id, f) for f in attachments],
    }


def messages_json(messages: list[Message]) -> list[dict]:
    """Several messages as message_json gives them, their files loaded in one query."""
    files = attachments_of(m.id for m in messages)
    return [message_json(m, files.get(m.id, [])) for m in messages]


def _clean_body(body, field: str = "body", *, allow_empty: bool = False) -> str:
    if allow_empty and body is None:
        body = ""
    if not isinstance(body, str):
        raise ValidationFailed({field: ["Send the message as text."]})
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body and not allow_empty:
        raise ValidationFailed({field: ["Write a message first."]})
    if len(body) > MAX_BODY:
        raise ValidationFailed(
            {
                field: [
                    f"Keep a message under {MAX_BODY:,} characters (this one has "
                    f"{len(body):,}); send a long text in several messages."
                ]
            }
        )
    return body


def _check_client_msg_id(value) -> str:
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_CLIENT_MSG_ID
        or not _CLIENT_MSG_ID.match(value)
    ):
        raise ValidationFailed(
            {
                "client_msg_id": [
                    "Send a client_msg_id with each message: a new UUID per message "
                    f"(up to {MAX_CLIENT_MSG_ID} letters, digits, '-', '_', '.' or ':')."
                ]
            }
        )
    return value


def _check_rate(person: Person, now: datetime) -> None:
    sent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Message)
        .where(
            Message.author_id == person.id,
            Message.kind == MessageKind.TEXT,
            Message.created_at > now - RATE_WINDOW,
            Message.created_at <= now,
        )
    )
    if sent >= RATE_LIMIT:
        raise TooManyAttempts(
            f"You have sent {RATE_LIMIT} messages in the last {RATE_WINDOW.seconds} seconds. "
            "Wait a few seconds, then send again."
        )


def lock_conversation(conversation: Conversation) -> None:
    """Hold the conversation's row until the transaction ends, so messages are numbered one
    at a time, and reload it (last_seq may have moved while we waited).

    PostgreSQL: SELECT … FOR UPDATE. SQLite knows no row locks (SQLAlchemy leaves the
    clause out); there every writer holds the database lock from BEGIN IMMEDIATE on.
    """
    db.session.execute(
        sa.select(Conversation)
        .where(Conversation.id == conversation.id)
        .with_for_update(of=Conversation)  # its row only, not the joined organisation
        .options(orm.lazyload("*"))  # its people and organisation are in the session already
        .execution_options(populate_existing=True)
    ).scalar_one()  # fetched, so the loaded row really refreshes `conversation`


def append_message(
    conversation: Conversation,
    author: Person | None,
    body: str,
    at: datetime,
    client_msg_id: str | None = None,
    attachments: list[StoredFile] = (),
) -> Message:
    """Store the next message of a locked conversation (with its files); broadcast it
    once committed."""
    seq = conversation.last_seq + 1
    conversation.last_seq = seq
    conversation.last_message_at = at
    message = Message(
        conversation_id=conversation.id,
        seq=seq,
        client_msg_id=client_msg_id or f"system-{uuid.uuid4()}",
        author=row_of(author),
        kind=MessageKind.TEXT if author is not None else MessageKind.SYSTEM,
        body=body,
        created_at=at,
    )
    db.session.add(message)
    db.session.flush()
    for position, file in enumerate(attachments):
        db.session.add(MessageAttachment(message_id=message.id, file_id=file.id, position=position))
    if attachments:
        db.session.flush()
    payload = {"message": message_json(message, list(attachments))}
    # Unread counts change only for those who had read everything before this message
    # (now they have not) and for its author if they had not (they have read it now).
    part = ConversationParticipant
    caught_up = part.last_read_seq >= seq - 1
    changed = (
        caught_up
        if author is None
        else sa.or_(
            sa.and_(part.person_id != author.id, caught_up),
            sa.and_(part.person_id == author.id, ~caught_up),
        )
    )
    push_unread_later(
        db.session.scalars(
            sa.select(part.person_id).where(part.conversation_id == conversation.id, changed)
        )
    )
    room = conversation_room(conversation.id)
    # Stored before broadcast: the push leaves only once the message is committed.
    db.on_commit(lambda: socketio.emit("message:new", payload, to=room))
    return message


def system_message(conversation: Conversation, text: str, at: datetime) -> Message:
    return append_message(conversation, None, text, at)


def start_conversation(
    person: Person,
    subject,
    body,
    product_line_id: int | None = None,
    client_msg_id: str | None = None,
    *,
    link_kind: str | None = None,
    link_id: int | None = None,
    to_product_manager=False,
    now: datetime | None = None,
) -> tuple[Conversation, bool]:
    """A partner person opens a conversation with the OEM; returns (conversation, created).

    It goes to the channel manager covering their organisation, or to the channel team's
    queue. With to_product_manager (“Ask a product expert”) it goes straight to the
    product manager of its product line instead (the covering channel manager takes part
    and sees it); a line without one falls back to the channel manager. With a client_msg_id, sending the same start again returns the conversation it
    made the first time (created False) instead of opening a second one.
    `now` back-dates it (the demo's history); otherwise it is the current time.
    """
    if person.is_oem:
        raise PermissionError(
            "Conversations are started by partner staff; OEM staff answer and hand them on."
        )
    at = now or utcnow()
    problems: dict[str, list[str]] = {}
    subject = subject.strip() if isinstance(subject, str) else ""
    if not subject:
        problems["subject"] = ["Give the conversation a subject, e.g. “Baler knotter misses”."]
    elif len(subject) > MAX_SUBJECT:
        problems["subject"] = [f"Keep the subject under {MAX_SUBJECT} characters."]
    try:
        body = _clean_body(body)
    except ValidationFailed as exc:
        problems.update(exc.problems)
    line = None
    if product_line_id is not None:
        line = (
            db.session.get(ProductLine, product_line_id)
            if isinstance(product_line_id, int) and not isinstance(product_line_id, bool)
            else None
        )
        if line is None:
            problems["product_line_id"] = ["Choose one of the product lines offered, or none."]
    if not isinstance(to_product_manager, bool):
        problems["to_product_manager"] = ["Say true or false."]
    elif to_product_manager and product_line_id is None:
        problems["product_line_id"] = ["Choose the product line whose product expert to ask."]
    try:
        check_link(link_kind, link_id)
    except ValidationFailed as exc:
        problems.update(exc.problems)
    if client_msg_id is not None:
        try:
            client_msg_id = _check_client_msg_id(client_msg_id)
        except ValidationFailed as exc:
            problems.update(exc.problems)
    if problems:
        raise ValidationFailed(problems)

    if client_msg_id is not None:
        first = db.session.scalar(
            sa.select(Message).where(
                Message.author_id == person.id,
                Message.client_msg_id == client_msg_id,
                Message.seq == 1,
            )
        )
        if first is not None:
            conversation = db.session.get(Conversation, first.conversation_id)
            if conversation.subject != subject or first.body != body:
                raise Conflict(
                    {
                        "client_msg_id": [
                            "This client_msg_id already started another conversation; "
                            "use a new one for a new conversation."
                        ]
                    }
                )
            return conversation, False

    _check_rate(person, at)
    channel_manager = covering_channel_manager(person.organization)
    experts = product_experts(line) if to_product_manager else []
    assignee = experts[0] if experts else channel_manager
    conversation = Conversation(
        organization_id=person.organization_id,
        subject=subject,
        product_line_id=line.id if line else None,
        link_kind=link_kind,
        link_id=link_id if link_kind else None,
        status=ConversationStatus.OPEN,
        assignee_id=assignee.id if assignee else None,
        created_by_id=person.id,
        created_at=at,
        last_message_at=at,
        last_seq=0,
    )
    db.session.add(conversation)
    db.session.flush()
    ensure_participant(conversation, person, at)
    for oem_person in {assignee, channel_manager} - {None}:
        ensure_participant(conversation, oem_person, at)
    message = append_message(conversation, person, body, at, client_msg_id or str(uuid.uuid4()))
    read_up_to(conversation, person, message.seq)

    text = f"New conversation from {person.organization.name}: “{subject}”"
    if experts:
        text = f"{person.organization.name} asks you about {line.name}: “{subject}”"
    recipients = (
        [assignee.id]
        if assignee
        else db.session.scalars(
            sa.select(Person.id).where(Person.role == Role.CHANNEL_MANAGER, Person.active.is_(True))
        ).all()
    )
    for recipient in recipients:
        notifications.notify(
            recipient, "conversation.new", text, conversation_path(conversation.id), actor=person
        )
    audit.record(
        "conversation.started",
        conversation,
        actor=person,
        after=audit.snapshot(conversation, ["subject", "status", "assignee_id", "product_line_id"]),
        summary=f"{person.name} started “{subject[:120]}”"
        + (
            f", asked product manager {assignee.name} ({line.name})"
            if experts
            else f", assigned to {assignee.name}"
            if assignee
            else ", in the channel team's queue"
        ),
    )
    return conversation, True


def send_message(
    person: Person,
    conversation: Conversation,
    client_msg_id,
    body,
    *,
    files: list[uploads.AcceptedFile] = (),
    attachment_ids=(),
    now: datetime | None = None,
) -> tuple[Message, bool]:
    """Post a message exactly once; returns (message, created).

    The same client_msg_id again returns the stored message and broadcasts nothing new
    (the sender lost the answer, not the message). Messages are numbered under a lock on
    the conversation and broadcast to its room only after they are committed.

    Files come along in two ways: `files`, checked uploads sent with the message (stored
    now), and `attachment_ids`, files the sender uploaded to this conversation before
    (`upload_attachment`). A message with files may have an empty body. Every check is
    made before anything is written: a refused file stores no message.
    """
    require_visible(person, conversation)
    client_msg_id = _check_client_msg_id(client_msg_id)
    referenced = uploads_of(person, conversation, attachment_ids, extra=len(files))
    with_files = bool(files or referenced)
    body = _clean_body(body, allow_empty=with_files)
    signature = [f.sha256 for f in referenced] + [f.sha256 for f in files]
    at = now or utcnow()

    stored = _stored(conversation, client_msg_id)
    if stored is None:
        _check_rate(person, at)
        lock_conversation(conversation)
        stored = _stored(conversation, client_msg_id)  # a twin may have won the lock
    if stored is not None:
        if (
            stored.author_id != person.id
            or stored.body != body
            or [f.sha256 for f in attachments_of([stored.id]).get(stored.id, [])] != signature
        ):
            raise Conflict(
                {
                    "client_msg_id": [
                        "This client_msg_id belongs to another message in this conversation; "
                        "use a new UUID for each new message."
                    ]
                }
            )
        return stored, False

    check_not_sent(referenced)
    attachments = referenced + [store_file(person, conversation, f, at) for f in files]
    ensure_participant(conversation, person, at)
    message = append_message(conversation, person, body, at, client_msg_id, attachments)
    read_up_to(conversation, person, message.seq)
    if person.is_oem:
        if conversation.first_response_at is None:
            conversation.first_response_at = at
        if conversation.assignee_id is None and person.role == Role.CHANNEL_MANAGER:
            assign(conversation, person, person, "answered from the queue")
        conversation.status = ConversationStatus.WAITING_ON_PARTNER
    elif conversation.status != ConversationStatus.OPEN:
        conversation.status = ConversationStatus.WAITING_ON_OEM
    if conversation.resolved_at is not None:
        conversation.resolved_at = None  # a new message reopens a resolved conversation
    return message, True


def _stored(conversation: Conversation, client_msg_id: str) -> Message | None:
    return db.session.scalar(
        sa.select(Message).where(
            Message.conversation_id == conversation.id, Message.client_msg_id == client_msg_id
        )
    )


def mark_read(person: Person, conversation: Conversation, seq) -> int:
    """Record that person has read up to message seq; tell the room when it moved.

    Positions only move forward and never past the last message. Returns the position.
    Reading makes a person take part — except the program admin, who oversees every
    conversation and takes part only by writing (so is not e-mailed about unread ones).
    """
    require_visible(person, conversation)
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValidationFailed({"seq": ["Send seq as the number of the last message read."]})
    seq = max(0, min(seq, conversation.last_seq))
    if person.role != Role.PROGRAM_ADMIN:
        ensure_participant(conversation, person, utcnow())
    if read_up_to(conversation, person, seq):
        push_unread_later([person.id])
        payload = {"conversation_id": conversation.id, "user": person_ref(person), "seq": seq}
        room = conversation_room(conversation.id)
        db.on_commit(lambda: socketio.emit("read", payload, to=room))
        return seq
    position = db.session.scalar(
        sa.select(ConversationParticipant.last_read_seq).where(
            ConversationParticipant.conversation_id == conversation.id,
            ConversationParticipant.person_id == person.id,
        )
    )
    return seq if position is None else position


def assign(conversation: Conversation, to: Person, actor: Person, how: str) -> None:
    before = {"assignee_id": conversation.assignee_id}
    conversation.assignee = row_of(to)
    ensure_participant(conversation, to, utcnow())
    audit.record(
        "conversation.assigned",
        conversation,
        actor=actor,
        before=before,
        after={"assignee_id": to.id},
        summary=f"“{conversation.subject[:120]}” assigned to {to.name} ({how})",
    )


def set_status(
    person: Person, conversation: Conversation, status, *, now: datetime | None = None
) -> bool:
    """Change the conversation's state; True when it changed.

    OEM staff set any state; partners resolve a conversation or reopen it. Resolving
    records the time to resolution; a system message records every change.
    """
    require_visible(person, conversation)
    try:
        status = ConversationStatus(status)
    except ValueError:
        raise ValidationFailed({"status": ["Choose one of the states offered."]}) from None
    if status not in statuses_for(person):
        raise PermissionError("Partners may resolve a conversation or reopen it.")
    at = now or utcnow()
    lock_conversation(conversation)
    if conversation.status == status:
        return False
    before = audit.snapshot(conversation, ["status", "resolved_at"])
    conversation.status = status
    conversation.resolved_at = at if status == ConversationStatus.RESOLVED else None
    if status == ConversationStatus.RESOLVED:
        text = f"{person.name} marked this conversation resolved."
    elif before["status"] == ConversationStatus.RESOLVED.value:
        text = f"{person.name} reopened this conversation ({status.label.lower()})."
    else:
        text = f"{person.name} set the status to {status.label.lower()}."
    system_message(conversation, text, at)
    audit.record(
        "conversation.status_changed",
        conversation,
        actor=person,
        before=before,
        after=audit.snapshot(conversation, ["status", "resolved_at"]),
        summary=f"“{conversation.subject[:120]}”: {status.label}",
    )
    return True
