"""Conversations: a partner's line to the OEM — who sees which, messages numbered per
conversation and stored exactly once, hand-offs, read receipts, states and reminders.

The rules only: the pages, the JSON API, the socket events and the tick all call these
functions; none of them needs a Flask request.

Who sees a conversation (the access policy for conversations, docs/realtime.md):

- a partner person: every conversation of their own organisation (colleagues cover for
  one another), and a conversation of an organisation beneath theirs only when they
  take part in it — a dealer's line to the OEM is not its distributor's business;
- a channel manager: those assigned to them, those waiting in the channel team's queue,
  those of the organisations they cover, and those they take part in;
- a product manager: those handed (assigned) to them and those they take part in;
- the program admin: all of them.

Anything else does not exist for the viewer: None here, 404 on pages and the API, a
refused join on a socket. Taking part (`ConversationParticipant`) starts when someone
starts, writes in, reads, is handed or takes a conversation, and never ends, so a channel
manager who handed a conversation on keeps seeing it.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort, current_app
from sqlalchemy import event, orm
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from hub import audit, db, notifications, policy, uploads
from hub.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    Handoff,
    Message,
    MessageAttachment,
    MessageKind,
)
from hub.db import utcnow
from hub.errors import Conflict, TooManyAttempts, ValidationFailed
from hub.extensions import socketio
from hub.mail import send_mail
from hub.models import (
    Organization,
    Person,
    ProductLine,
    ProductLineManager,
    Role,
    SocketSession,
    StoredFile,
    TerritoryAssignment,
)
from hub.realtime.service import person_room
from hub.registry import registry

MAX_BODY = 5_000  # characters in one message
MAX_SUBJECT = 200
MAX_NOTE = 1_000  # characters in a hand-off note
MAX_CLIENT_MSG_ID = 64
RATE_LIMIT = 20  # messages one person may send…
RATE_WINDOW = timedelta(seconds=30)  # …within this window
UNREAD_REMINDER_AFTER = timedelta(minutes=30)
MAX_ATTACHMENTS = 5  # files on one message
ATTACHMENT_FOLDER = "conversations"  # under HUB_STORAGE_DIR
UPLOAD_LIMIT = 30  # files one person may upload…
UPLOAD_WINDOW = timedelta(minutes=10)  # …within this window
UNSENT_UPLOADS_KEPT = timedelta(days=1)  # uploads never sent with a message are pruned
LINK_KINDS = ("campaign", "idea", "beta_report")
_CLIENT_MSG_ID = re.compile(r"^[A-Za-z0-9._:-]+$")

# Messages are records: stored once, never edited (the migration adds database triggers).
audit.register_append_only(Message)


def conversation_room(conversation_id: int) -> str:
    """The socket room of one conversation (joined with `conversation:join`)."""
    return f"conversation:{conversation_id}"


def conversation_path(conversation_id: int) -> str:
    """The conversation's page, as notifications and e-mails link to it."""
    return f"/conversations/{conversation_id}"


# --- Who sees what ------------------------------------------------------------------


def _takes_part(viewer: Person) -> ColumnElement[bool]:
    return Conversation.id.in_(
        sa.select(ConversationParticipant.conversation_id).where(
            ConversationParticipant.person_id == viewer.id
        )
    )


def conversation_scope(viewer: Person) -> ColumnElement[bool]:
    """A WHERE clause on Conversation limiting rows to those the viewer may see."""
    if viewer.role == Role.PROGRAM_ADMIN:
        return sa.true()
    if viewer.role == Role.CHANNEL_MANAGER:
        covered = Conversation.organization_id.in_(
            sa.select(TerritoryAssignment.organization_id).where(
                TerritoryAssignment.channel_manager_id == viewer.id
            )
        )
        return sa.or_(
            Conversation.assignee_id == viewer.id,
            Conversation.assignee_id.is_(None),
            covered,
            _takes_part(viewer),
        )
    if viewer.role == Role.PRODUCT_MANAGER:
        return sa.or_(Conversation.assignee_id == viewer.id, _takes_part(viewer))
    return sa.and_(
        Conversation.organization_id.in_(policy.visible_organization_ids(viewer)),
        sa.or_(
            Conversation.organization_id == viewer.organization_id,
            _takes_part(viewer),
        ),
    )


def visible_conversations(viewer: Person) -> Select:
    """SELECT of the conversations the viewer may see."""
    return sa.select(Conversation).where(conversation_scope(viewer))


def find_conversation(viewer: Person, conversation_id) -> Conversation | None:
    """The conversation if the viewer may see it; None whether or not it exists."""
    if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
        return None
    return db.session.scalar(
        visible_conversations(viewer)
        .where(Conversation.id == conversation_id)
        # One conversation: its people load when used (often from the session, no query),
        # not in three more statements on every socket event.
        .options(
            orm.lazyload(Conversation.assignee),
            orm.lazyload(Conversation.created_by),
            orm.lazyload(Conversation.product_line),
        )
    )


def get_conversation_or_404(viewer: Person, conversation_id: int) -> Conversation:
    """The conversation if the viewer may see it; otherwise a 404, whether or not it exists."""
    conversation = find_conversation(viewer, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


class ConversationNotFound(Exception):
    """The conversation does not exist, or the person may not see it (never said which)."""

    def __init__(self):
        super().__init__("No such conversation, or you may not see it.")


def can_see(viewer: Person, conversation: Conversation) -> bool:
    """Whether the viewer may see the conversation (one EXISTS: nothing is loaded)."""
    visible = visible_conversations(viewer).where(Conversation.id == conversation.id)
    return bool(db.session.scalar(sa.select(visible.exists())))


def _require_visible(viewer: Person, conversation: Conversation) -> None:
    if not can_see(viewer, conversation):
        raise ConversationNotFound()


def can_hand_off(viewer: Person, conversation: Conversation) -> bool:
    """OEM staff who see a conversation may hand it on."""
    return viewer.is_oem and viewer.active


def can_take(viewer: Person, conversation: Conversation) -> bool:
    """A channel manager may take a conversation that waits in the team's queue."""
    return viewer.role == Role.CHANNEL_MANAGER and conversation.assignee_id is None


def statuses_for(viewer: Person) -> list[ConversationStatus]:
    """The states the viewer may set: OEM staff any, partners resolve or reopen."""
    if viewer.is_oem:
        return list(ConversationStatus)
    return [ConversationStatus.OPEN, ConversationStatus.RESOLVED]


# --- Reading --------------------------------------------------------------------------


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


def read_positions(viewer: Person, conversation_ids: list[int]) -> dict[int, int]:
    """How far the viewer has read each of these conversations (only those they take part in)."""
    if not conversation_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            ConversationParticipant.conversation_id, ConversationParticipant.last_read_seq
        ).where(
            ConversationParticipant.person_id == viewer.id,
            ConversationParticipant.conversation_id.in_(conversation_ids),
        )
    ).all()
    return dict(rows)


def unread_conversation_count(viewer: Person) -> int:
    """How many conversations the viewer takes part in have messages they have not read."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ConversationParticipant)
        .join(Conversation, Conversation.id == ConversationParticipant.conversation_id)
        .where(
            ConversationParticipant.person_id == viewer.id,
            ConversationParticipant.last_read_seq < Conversation.last_seq,
            conversation_scope(viewer),
        )
    )


# --- Live counts and presence ------------------------------------------------------------------

# A presence change reaches the rooms of this many of the person's conversations, the most
# recently active: each page a person opens may change it twice (offline, online again).
PRESENCE_CONVERSATIONS = 25


def _push_unread_later(person_ids) -> None:
    """Send these people their unread-conversation count once this transaction commits
    (counted on what it commits: see _push_unread_counts)."""
    db.session().info.setdefault("hub.unread", set()).update(person_ids)


@event.listens_for(Session, "before_commit")
def _push_unread_counts(sess: Session) -> None:
    ids = sess.info.pop("hub.unread", None)
    if not ids:
        return
    for person in sess.scalars(
        sa.select(Person).where(Person.id.in_(ids), Person.active.is_(True))
    ):
        payload = {"conversations": unread_conversation_count(person)}
        room = person_room(person.id)
        db.on_commit(lambda payload=payload, room=room: socketio.emit("unread", payload, to=room))


@event.listens_for(Session, "after_soft_rollback")
def _drop_unread_counts(sess: Session, _previous_transaction) -> None:
    if not sess.in_transaction():
        sess.info.pop("hub.unread", None)


def announce_presence(person_id: int, state: str) -> None:
    """A person's presence changed: tell the rooms of the conversations they take part in
    (the latest PRESENCE_CONVERSATIONS), whose pages list them with their presence."""
    person = db.session.get(Person, person_id)
    if person is None:
        return
    rooms = [
        conversation_room(cid)
        for cid in db.session.scalars(
            sa.select(ConversationParticipant.conversation_id)
            .join(Conversation, Conversation.id == ConversationParticipant.conversation_id)
            .where(ConversationParticipant.person_id == person_id)
            .order_by(Conversation.last_message_at.desc())
            .limit(PRESENCE_CONVERSATIONS)
        )
    ]
    payload = {"user": person_ref(person), "state": state}
    for room in rooms:
        db.on_commit(lambda room=room: socketio.emit("presence", payload, to=room))


def participants(conversation: Conversation) -> list[ConversationParticipant]:
    """Who takes part, with how far each has read, in the order they joined."""
    return list(
        db.session.scalars(
            sa.select(ConversationParticipant)
            .where(ConversationParticipant.conversation_id == conversation.id)
            .order_by(ConversationParticipant.joined_at, ConversationParticipant.person_id)
        )
    )


def online_person_ids(person_ids) -> set[int]:
    """Those of the people who have a socket open right now (presence: online)."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(SocketSession.person_id).where(SocketSession.person_id.in_(ids)).distinct()
        )
    )


def handoffs(conversation: Conversation) -> list[Handoff]:
    """The conversation's hand-offs, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Handoff)
            .where(Handoff.conversation_id == conversation.id)
            .order_by(Handoff.id)
        )
    )


def pending_handoff(conversation: Conversation) -> Handoff | None:
    """The hand-off waiting for the current assignee to accept it, if any."""
    if conversation.assignee_id is None:
        return None
    return db.session.scalar(
        sa.select(Handoff)
        .where(
            Handoff.conversation_id == conversation.id,
            Handoff.to_person_id == conversation.assignee_id,
            Handoff.accepted_at.is_(None),
        )
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def handoff_targets(conversation: Conversation, viewer: Person) -> list[Person]:
    """Whom the viewer may hand the conversation to: the product managers of its product
    line (any product manager when it has none), then the other channel managers."""
    managers = sa.select(Person).where(Person.active.is_(True), Person.id != viewer.id)
    if conversation.assignee_id is not None:
        managers = managers.where(Person.id != conversation.assignee_id)
    if conversation.product_line_id is not None:
        product = managers.join(
            ProductLineManager, ProductLineManager.person_id == Person.id
        ).where(
            ProductLineManager.product_line_id == conversation.product_line_id,
            Person.role == Role.PRODUCT_MANAGER,
        )
    else:
        product = managers.where(Person.role == Role.PRODUCT_MANAGER)
    channel = managers.where(Person.role == Role.CHANNEL_MANAGER)
    return list(db.session.scalars(product.order_by(Person.name))) + list(
        db.session.scalars(channel.order_by(Person.name))
    )


def covering_channel_manager(organization: Organization) -> Person | None:
    """The active channel manager covering the organisation, or the nearest organisation
    above it; None when nobody does (the conversation then waits in the team's queue)."""
    chain = [int(part) for part in organization.path.strip("/").split("/") if part]
    if not chain:
        chain = [organization.id]
    rows = db.session.execute(
        sa.select(TerritoryAssignment.organization_id, Person)
        .join(Person, Person.id == TerritoryAssignment.channel_manager_id)
        .where(
            TerritoryAssignment.organization_id.in_(chain),
            Person.active.is_(True),
            Person.role == Role.CHANNEL_MANAGER,
        )
        .order_by(Person.id)
    ).all()
    for org_id in reversed(chain):  # the organisation itself first, then upwards
        for covered, person in rows:
            if covered == org_id:
                return person
    return None


# --- Context cards ------------------------------------------------------------------------


def organization_facts(organization: Organization, viewer: Person) -> list[tuple[str, str]]:
    """The core's facts for a context card: kind, tier, region, staff, channel managers."""
    staff = db.session.scalar(
        sa.select(sa.func.count()).where(
            Person.organization_id == organization.id, Person.active.is_(True)
        )
    )
    managers = db.session.scalars(
        sa.select(Person.name)
        .join(TerritoryAssignment, TerritoryAssignment.channel_manager_id == Person.id)
        .where(TerritoryAssignment.organization_id == organization.id)
        .order_by(Person.name)
    ).all()
    return [
        ("Organisation", f"{organization.name} ({organization.kind.label.lower()})"),
        ("Tier", organization.tier.name if organization.tier else "No tier"),
        ("Region", organization.region or "—"),
        ("Staff", f"{staff} active"),
        ("Channel manager", ", ".join(managers) or "None assigned"),
    ]


def context_card(conversation: Conversation, viewer: Person) -> list[tuple[str, str]]:
    """What the person handling a conversation should know about the partner, gathered
    from every context provider (the core's, then each feature's: campaigns, co-op…)."""
    facts: list[tuple[str, str]] = []
    for provider in registry().context:
        facts.extend(provider(conversation.organization, viewer))
    return facts


# --- Representations ---------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def person_ref(person: Person | None) -> dict | None:
    return None if person is None else {"id": person.id, "name": person.name}


def attachment_path(conversation_id: int, file_id: int) -> str:
    """Where a conversation's file is served (to those who may see the conversation)."""
    return f"/conversations/{conversation_id}/files/{file_id}"


def attachment_json(conversation_id: int, file: StoredFile) -> dict:
    """An attached (or uploaded, not yet sent) file as messages and uploads describe it."""
    return {
        "id": file.id,
        "filename": file.filename,
        "content_type": file.content_type,
        "size": file.size,
        "url": attachment_path(conversation_id, file.id),
    }


def attachments_of(message_ids) -> dict[int, list[StoredFile]]:
    """The files attached to each of these messages, in the order they were attached."""
    ids = list(message_ids)
    if not ids:
        return {}
    found: dict[int, list[StoredFile]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(MessageAttachment.message_id, StoredFile)
        .join(StoredFile, StoredFile.id == MessageAttachment.file_id)
        .where(MessageAttachment.message_id.in_(ids))
        .order_by(MessageAttachment.message_id, MessageAttachment.position)
    ).all()
    for message_id, file in rows:
        found[message_id].append(file)
    return found


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
        "created_at": _iso(message.created_at),
        "attachments": [attachment_json(message.conversation_id, f) for f in attachments],
    }


def messages_json(messages: list[Message]) -> list[dict]:
    """Several messages as message_json gives them, their files loaded in one query."""
    files = attachments_of(m.id for m in messages)
    return [message_json(m, files.get(m.id, [])) for m in messages]


# --- Checks -------------------------------------------------------------------------------


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


def _lock(conversation: Conversation) -> None:
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


def _ensure_participant(conversation: Conversation, person: Person, at: datetime) -> None:
    """Make person take part in the conversation (nothing happens when they already do)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    joined = db.session.execute(
        insert(ConversationParticipant)
        .values(
            conversation_id=conversation.id,
            person_id=person.id,
            last_read_seq=0,
            reminded_seq=0,
            joined_at=at,
        )
        .on_conflict_do_nothing()
        .returning(ConversationParticipant.person_id)  # a row only when it was inserted
    ).first()
    if joined is not None:  # the conversation counts for them now (unread, unless they write in it)
        _push_unread_later([person.id])


def _read_up_to(conversation: Conversation, person: Person, seq: int) -> bool:
    """Move person's read position forward to seq; True when it moved."""
    moved = db.session.execute(
        sa.update(ConversationParticipant)
        .where(
            ConversationParticipant.conversation_id == conversation.id,
            ConversationParticipant.person_id == person.id,
            ConversationParticipant.last_read_seq < seq,
        )
        .values(last_read_seq=seq)
    ).rowcount
    return bool(moved)


def _append(
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
        author=author,
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
    _push_unread_later(
        db.session.scalars(
            sa.select(part.person_id).where(part.conversation_id == conversation.id, changed)
        )
    )
    room = conversation_room(conversation.id)
    # Stored before broadcast: the push leaves only once the message is committed.
    db.on_commit(lambda: socketio.emit("message:new", payload, to=room))
    return message


def _system(conversation: Conversation, text: str, at: datetime) -> Message:
    return _append(conversation, None, text, at)


# --- Starting and writing -------------------------------------------------------------------


def start_conversation(
    person: Person,
    subject,
    body,
    product_line_id: int | None = None,
    client_msg_id: str | None = None,
    *,
    link_kind: str | None = None,
    link_id: int | None = None,
    now: datetime | None = None,
) -> tuple[Conversation, bool]:
    """A partner person opens a conversation with the OEM; returns (conversation, created).

    It goes to the channel manager covering their organisation, or to the channel team's
    queue. With a client_msg_id, sending the same start again returns the conversation it
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
    if link_kind is not None and (link_kind not in LINK_KINDS or not isinstance(link_id, int)):
        problems["link_kind"] = [f"A link is one of {', '.join(LINK_KINDS)} with its id."]
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
    assignee = covering_channel_manager(person.organization)
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
    _ensure_participant(conversation, person, at)
    if assignee is not None:
        _ensure_participant(conversation, assignee, at)
    message = _append(conversation, person, body, at, client_msg_id or str(uuid.uuid4()))
    _read_up_to(conversation, person, message.seq)

    text = f"New conversation from {person.organization.name}: “{subject}”"
    recipients = (
        [assignee.id]
        if assignee
        else db.session.scalars(
            sa.select(Person.id).where(Person.role == Role.CHANNEL_MANAGER, Person.active.is_(True))
        ).all()
    )
    for recipient in recipients:
        notifications.notify(
            recipient, "conversation.new", text, conversation_path(conversation.id)
        )
    audit.record(
        "conversation.started",
        conversation,
        actor=person,
        after=audit.snapshot(conversation, ["subject", "status", "assignee_id", "product_line_id"]),
        summary=f"{person.name} started “{subject[:120]}”"
        + (f", assigned to {assignee.name}" if assignee else ", in the channel team's queue"),
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
    _require_visible(person, conversation)
    client_msg_id = _check_client_msg_id(client_msg_id)
    referenced = _uploads_of(person, conversation, attachment_ids, extra=len(files))
    with_files = bool(files or referenced)
    body = _clean_body(body, allow_empty=with_files)
    signature = [f.sha256 for f in referenced] + [f.sha256 for f in files]
    at = now or utcnow()

    stored = _stored(conversation, client_msg_id)
    if stored is None:
        _check_rate(person, at)
        _lock(conversation)
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

    _check_not_sent(referenced)
    attachments = referenced + [_store_file(person, conversation, f, at) for f in files]
    _ensure_participant(conversation, person, at)
    message = _append(conversation, person, body, at, client_msg_id, attachments)
    _read_up_to(conversation, person, message.seq)
    if person.is_oem:
        if conversation.first_response_at is None:
            conversation.first_response_at = at
        if conversation.assignee_id is None and person.role == Role.CHANNEL_MANAGER:
            _assign(conversation, person, person, "answered from the queue")
        conversation.status = ConversationStatus.WAITING_ON_PARTNER
    elif conversation.status != ConversationStatus.OPEN:
        conversation.status = ConversationStatus.WAITING_ON_OEM
    if conversation.resolved_at is not None:
        conversation.resolved_at = None  # a new message reopens a resolved conversation
    return message, True


# --- Attachments ----------------------------------------------------------------------------


def _store_file(
    person: Person, conversation: Conversation, accepted: uploads.AcceptedFile, at: datetime
) -> StoredFile:
    """Write a checked file to storage (content-addressed) and record it as the
    conversation organisation's."""
    return uploads.keep(
        accepted,
        ATTACHMENT_FOLDER,
        organization_id=conversation.organization_id,
        uploaded_by_id=person.id,
        created_at=at,
    )


def upload_attachment(
    person: Person,
    conversation: Conversation,
    accepted: uploads.AcceptedFile,
    *,
    now: datetime | None = None,
) -> StoredFile:
    """Keep a checked file for a message the person is about to send (upload first, then
    send the message with `attachment_ids`). Until it is sent only its uploader sees it;
    unsent uploads are pruned after UNSENT_UPLOADS_KEPT."""
    _require_visible(person, conversation)
    at = now or utcnow()
    recent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(StoredFile)
        .where(
            StoredFile.uploaded_by_id == person.id,
            StoredFile.path.startswith(ATTACHMENT_FOLDER + "/"),
            StoredFile.created_at > at - UPLOAD_WINDOW,
        )
    )
    if recent >= UPLOAD_LIMIT:
        raise TooManyAttempts(
            f"You have uploaded {UPLOAD_LIMIT} files in the last "
            f"{int(UPLOAD_WINDOW.total_seconds() // 60)} minutes. Wait a few minutes, then "
            "attach again."
        )
    return _store_file(person, conversation, accepted, at)


def _uploads_of(person: Person, conversation: Conversation, ids, *, extra: int = 0):
    """The person's uploads to this conversation's organisation named by ids, in order."""
    if ids is None:
        ids = []
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ValidationFailed(
            {"attachment_ids": ["Send attachment_ids as a list of upload ids, e.g. [88, 89]."]}
        )
    if len(ids) != len(set(ids)):
        raise ValidationFailed({"attachment_ids": ["Attach each file once."]})
    if len(ids) + extra > MAX_ATTACHMENTS:
        raise ValidationFailed(
            {
                "attachment_ids": [
                    f"Attach at most {MAX_ATTACHMENTS} files to one message "
                    f"({len(ids) + extra} were sent)."
                ]
            }
        )
    if not ids:
        return []
    rows = {
        f.id: f
        for f in db.session.scalars(
            sa.select(StoredFile).where(
                StoredFile.id.in_(ids),
                StoredFile.uploaded_by_id == person.id,
                StoredFile.organization_id == conversation.organization_id,
                StoredFile.path.startswith(ATTACHMENT_FOLDER + "/"),
            )
        )
    }
    missing = [i for i in ids if i not in rows]
    if missing:
        raise ValidationFailed(
            {
                "attachment_ids": [
                    f"No upload {i} of yours for this conversation; upload the file "
                    "(again) and send its new id."
                    for i in missing
                ]
            }
        )
    return [rows[i] for i in ids]


def _check_not_sent(files: list[StoredFile]) -> None:
    if not files:
        return
    sent = set(
        db.session.scalars(
            sa.select(MessageAttachment.file_id).where(
                MessageAttachment.file_id.in_([f.id for f in files])
            )
        )
    )
    if sent:
        raise ValidationFailed(
            {
                "attachment_ids": [
                    f"“{f.filename}” (upload {f.id}) was sent with another message already; "
                    "upload it again to send it once more."
                    for f in files
                    if f.id in sent
                ]
            }
        )


def find_attachment(viewer: Person, conversation_id, file_id) -> StoredFile | None:
    """A file of a conversation the viewer may see — attached to one of its messages, or
    uploaded by the viewer for it and not sent yet. None otherwise, whether or not the
    file exists (a file of a conversation you can't see is a 404)."""
    conversation = find_conversation(viewer, conversation_id)
    if conversation is None or not isinstance(file_id, int):
        return None
    file = db.session.get(StoredFile, file_id)
    if file is None or not file.path.startswith(ATTACHMENT_FOLDER + "/"):
        return None
    attached_to = db.session.scalars(
        sa.select(Message.conversation_id)
        .join(MessageAttachment, MessageAttachment.message_id == Message.id)
        .where(MessageAttachment.file_id == file.id)
    ).all()
    if attached_to:
        return file if conversation.id in attached_to else None
    if file.uploaded_by_id == viewer.id and file.organization_id == conversation.organization_id:
        return file
    return None


def prune_unsent_uploads(now: datetime) -> str:
    """Forget uploads never sent with a message (the page's upload-then-send, abandoned),
    and delete their stored files when no other record uses the same content."""
    stale = list(
        db.session.scalars(
            sa.select(StoredFile).where(
                StoredFile.path.startswith(ATTACHMENT_FOLDER + "/"),
                StoredFile.created_at < now - UNSENT_UPLOADS_KEPT,
                ~sa.exists().where(MessageAttachment.file_id == StoredFile.id),
            )
        )
    )
    paths = {f.path for f in stale}
    for file in stale:
        db.session.delete(file)
    db.session.flush()
    still_used = set(
        db.session.scalars(sa.select(StoredFile.path).where(StoredFile.path.in_(paths)))
    )
    for path in paths - still_used:
        with contextlib.suppress(FileNotFoundError):  # a path outside storage: leave it
            uploads.open_stored(path).unlink(missing_ok=True)
    return f"{len(stale)} unsent uploads pruned"


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
    _require_visible(person, conversation)
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise ValidationFailed({"seq": ["Send seq as the number of the last message read."]})
    seq = max(0, min(seq, conversation.last_seq))
    if person.role != Role.PROGRAM_ADMIN:
        _ensure_participant(conversation, person, utcnow())
    if _read_up_to(conversation, person, seq):
        _push_unread_later([person.id])
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


# --- Handling: assignment, hand-offs, states ----------------------------------------------


def _assign(conversation: Conversation, to: Person, actor: Person, how: str) -> None:
    before = {"assignee_id": conversation.assignee_id}
    conversation.assignee = to
    _ensure_participant(conversation, to, utcnow())
    audit.record(
        "conversation.assigned",
        conversation,
        actor=actor,
        before=before,
        after={"assignee_id": to.id},
        summary=f"“{conversation.subject[:120]}” assigned to {to.name} ({how})",
    )


def take_conversation(
    person: Person, conversation: Conversation, *, now: datetime | None = None
) -> None:
    """A channel manager takes a conversation waiting in the team's queue."""
    _require_visible(person, conversation)
    if person.role != Role.CHANNEL_MANAGER:
        raise PermissionError("Only channel managers take conversations from the queue.")
    at = now or utcnow()
    _lock(conversation)
    if conversation.assignee_id is not None:
        raise Conflict(
            {"": [f"{conversation.assignee.name} is handling this conversation already."]}
        )
    _assign(conversation, person, person, "taken from the queue")
    _system(conversation, f"{person.name} took this conversation.", at)


def hand_off(
    from_person: Person,
    conversation: Conversation,
    to_person: Person | None,
    note: str = "",
    *,
    now: datetime | None = None,
) -> Handoff:
    """Pass the conversation to a product manager of its product line or another channel
    manager, with a note for them.

    It is theirs — in their queue — at once, whether they are online or not; they are
    notified (and e-mailed when no page of theirs is open), keep the whole history, and
    accept it when they pick it up. A system message records the hand-off; the note stays
    among OEM staff.
    """
    _require_visible(from_person, conversation)
    if not can_hand_off(from_person, conversation):
        raise PermissionError("Only OEM staff hand conversations on.")
    note = (note or "").strip() if isinstance(note, str) else ""
    if len(note) > MAX_NOTE:
        raise ValidationFailed({"note": [f"Keep the note under {MAX_NOTE:,} characters."]})
    targets = {p.id for p in handoff_targets(conversation, from_person)}
    if to_person is None or to_person.id not in targets:
        raise ValidationFailed(
            {
                "to_person_id": [
                    "Choose a product manager of this conversation's product line or "
                    "another channel manager from the list."
                ]
            }
        )
    at = now or utcnow()
    _lock(conversation)
    before = audit.snapshot(conversation, ["assignee_id", "status"])
    conversation.assignee = to_person
    if conversation.status == ConversationStatus.RESOLVED:
        conversation.status, conversation.resolved_at = ConversationStatus.WAITING_ON_OEM, None
    _ensure_participant(conversation, from_person, at)
    _ensure_participant(conversation, to_person, at)
    handoff = Handoff(
        conversation_id=conversation.id,
        from_person_id=from_person.id,
        to_person_id=to_person.id,
        note=note,
        created_at=at,
    )
    db.session.add(handoff)
    db.session.flush()
    _system(
        conversation,
        f"{from_person.name} handed this conversation to {to_person.name} "
        f"({to_person.role.label.lower()}).",
        at,
    )
    org = conversation.organization.name
    text = f"{from_person.name} handed you “{conversation.subject}” ({org})" + (
        f": {note}" if note else "."
    )
    notifications.notify(
        to_person.id, "conversation.handoff", text, conversation_path(conversation.id)
    )
    if not online_person_ids([to_person.id]):
        send_mail(
            to_person.email,
            f"Conversation handed to you: {conversation.subject}",
            f"Hello {to_person.name.split()[0]},\n\n"
            f"{from_person.name} handed you the conversation “{conversation.subject}” "
            f"with {org}.\n\n"
            + (f"Their note: {note}\n\n" if note else "")
            + f"The whole history is there: {_link(conversation_path(conversation.id))}\n",
        )
    audit.record(
        "conversation.handed_off",
        conversation,
        actor=from_person,
        before=before,
        after=audit.snapshot(conversation, ["assignee_id", "status"]),
        summary=f"{from_person.name} handed “{conversation.subject[:120]}” to {to_person.name}",
    )
    return handoff


def accept_handoff(
    person: Person, conversation: Conversation, *, now: datetime | None = None
) -> Handoff:
    """The receiver of a hand-off takes it up; the one who handed it on is told."""
    _require_visible(person, conversation)
    _lock(conversation)
    handoff = pending_handoff(conversation)
    if handoff is None or handoff.to_person_id != person.id:
        raise PermissionError("There is no hand-off waiting for you in this conversation.")
    at = now or utcnow()
    handoff.accepted_at = at
    _system(conversation, f"{person.name} accepted the conversation.", at)
    notifications.notify(
        handoff.from_person_id,
        "conversation.accepted",
        f"{person.name} accepted “{conversation.subject}”.",
        conversation_path(conversation.id),
    )
    audit.record(
        "conversation.handoff_accepted",
        conversation,
        actor=person,
        after={"handoff_id": handoff.id, "assignee_id": person.id},
        summary=f"{person.name} accepted “{conversation.subject[:120]}”",
    )
    return handoff


def set_status(
    person: Person, conversation: Conversation, status, *, now: datetime | None = None
) -> bool:
    """Change the conversation's state; True when it changed.

    OEM staff set any state; partners resolve a conversation or reopen it. Resolving
    records the time to resolution; a system message records every change.
    """
    _require_visible(person, conversation)
    try:
        status = ConversationStatus(status)
    except ValueError:
        raise ValidationFailed({"status": ["Choose one of the states offered."]}) from None
    if status not in statuses_for(person):
        raise PermissionError("Partners may resolve a conversation or reopen it.")
    at = now or utcnow()
    _lock(conversation)
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
    _system(conversation, text, at)
    audit.record(
        "conversation.status_changed",
        conversation,
        actor=person,
        before=before,
        after=audit.snapshot(conversation, ["status", "resolved_at"]),
        summary=f"“{conversation.subject[:120]}”: {status.label}",
    )
    return True


# --- Reminders (the tick) -------------------------------------------------------------------


def _link(path: str) -> str:
    """An absolute link for e-mails: on HUB_PUBLIC_URL, else on SERVER_NAME, else the path."""
    config = current_app.config
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/") + path
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME', 'http')}://{config['SERVER_NAME']}{path}"
    return path


def remind_unread(now: datetime) -> str:
    """E-mail each person about messages others wrote that they have left unread for
    UNREAD_REMINDER_AFTER — one e-mail per person and run, each message mailed about once."""
    cutoff = now - UNREAD_REMINDER_AFTER
    part = ConversationParticipant
    waiting = sa.exists(
        sa.select(Message.id).where(
            Message.conversation_id == part.conversation_id,
            Message.seq > part.last_read_seq,
            Message.seq > part.reminded_seq,
            Message.kind == MessageKind.TEXT,
            Message.author_id != part.person_id,
            Message.created_at <= cutoff,
        )
    )
    rows = db.session.execute(
        sa.select(part, Conversation)
        .join(Conversation, Conversation.id == part.conversation_id)
        .join(Person, Person.id == part.person_id)
        .where(Person.active.is_(True), part.last_read_seq < Conversation.last_seq, waiting)
        .order_by(part.person_id, Conversation.last_message_at.desc())
    ).all()
    by_person: dict[int, list[tuple[ConversationParticipant, Conversation]]] = defaultdict(list)
    for participant, conversation in rows:
        by_person[participant.person_id].append((participant, conversation))
    for entries in by_person.values():
        person = entries[0][0].person
        lines = [
            f"- “{c.subject}” ({c.organization.name}): {c.last_seq - p.last_read_seq} unread — "
            f"{_link(conversation_path(c.id))}"
            for p, c in entries
        ]
        send_mail(
            person.email,
            "Unread messages on Partner Hub",
            f"Hello {person.name.split()[0]},\n\n"
            "Messages are waiting for you on Partner Hub:\n\n"
            + "\n".join(lines)
            + "\n\nOpen a conversation to read and answer. You get this e-mail once for "
            f"messages left unread for {int(UNREAD_REMINDER_AFTER.total_seconds() // 60)} "
            "minutes.\n",
        )
        for participant, conversation in entries:
            participant.reminded_seq = conversation.last_seq
    return f"{len(by_person)} unread-message reminders e-mailed"


# --- Demo ---------------------------------------------------------------------------------


def seed_demo(context: dict) -> str:
    """Demo conversations in every state: Prairie's marketer with the channel manager, one
    handed to the tractor product manager with its history, unread messages all round."""
    people = context["people"]
    lines = {
        line.slug: line
        for line in db.session.scalars(sa.select(ProductLine)).all()  # the core's demo lines
    }
    kelsey = people["marketing@prairie.example"]
    jorge = people["tech@prairie.example"]
    tara = people["marketing@hillside.example"]
    andre = people["marketing@harbor.example"]
    marcus = people["channel@fieldcrest.example"]
    priya = people["pm@fieldcrest.example"]
    start = utcnow() - timedelta(days=3)

    def at(hours: float) -> datetime:
        return start + timedelta(hours=hours)

    def say(conversation, who, text, hours):
        send_message(who, conversation, str(uuid.uuid4()), text, now=at(hours))

    def opened(who, subject, text, line, hours):
        conversation, _ = start_conversation(
            who, subject, text, lines[line].id if line else None, str(uuid.uuid4()), now=at(hours)
        )
        return conversation

    # 1. Waiting on partner: Marcus answered Kelsey; she has not read it yet.
    demo_day = opened(
        kelsey,
        "Spring demo day — can we borrow a 5R tractor?",
        "Hi Marcus, we're planning a field demo day on April 12 at our Kearney lot. "
        "Could Fieldcrest lend us a 5R series tractor for the weekend?",
        "tractors",
        0,
    )
    say(
        demo_day,
        marcus,
        "Hi Kelsey — yes, the demo fleet has a 5R free that weekend. Send me the expected "
        "headcount and I'll book the transport. The demo kit checklist is at "
        "https://fieldcrest.example/demo-kit",
        2,
    )
    mark_read(marcus, demo_day, demo_day.last_seq)

    # 2. Waiting on OEM: Kelsey's follow-up on co-op, unread for Marcus.
    fair = opened(
        kelsey,
        "Co-op for the county fair booth",
        "Can the booth rental for the Buffalo County fair count against our co-op funds?",
        None,
        5,
    )
    say(fair, marcus, "Booth rental qualifies if the booth shows Fieldcrest branding.", 7)
    say(
        fair,
        kelsey,
        "Great — the banner is the co-branded one from last year. Do you need the invoice "
        "before or after the fair?",
        26,
    )
    mark_read(kelsey, fair, fair.last_seq)

    # 3. Handed to Priya (tractors) with its history, waiting for her to accept.
    whine = opened(
        jorge,
        "Hydraulic whine on 6R after 500 hours",
        "Two customers report a high-pitched whine from the hydraulic pump on 6R tractors "
        "at around 500 hours. Fluid and filters are fine. Known issue?",
        "tractors",
        20,
    )
    say(whine, marcus, "Thanks Jorge — which serial numbers? I'll loop in product.", 21)
    say(whine, jorge, "1RW6145RCMD012345 and 1RW6145RCMD012377, both 2025 builds.", 22)
    hand_off(
        marcus,
        whine,
        priya,
        "Two 2025 6R builds with pump whine at ~500 h — could be the supplier batch "
        "you mentioned last month.",
        now=at(23),
    )
    mark_read(marcus, whine, whine.last_seq)

    # 4. Resolved: Hillside's price list question, answered and closed.
    prices = opened(
        tara, "Q3 price list", "Where do we find the Q3 dealer price list?", "parts", 30
    )
    say(prices, marcus, "It's under Product lines → Parts & Service, effective July 1.", 31)
    say(prices, tara, "Found it, thank you!", 32)
    set_status(tara, prices, ConversationStatus.RESOLVED, now=at(32.5))
    for who in (tara, marcus):
        mark_read(who, prices, prices.last_seq)

    # 5. Open: Harbor's new question, not answered yet (unread for Marcus).
    opened(
        andre,
        "Warranty claim form won't load",
        "The warranty claim form shows a blank page in our shop's browser since Monday.",
        "parts",
        60,
    )

    # 6. Open in the other direction: Kelsey's fresh question about a campaign.
    opened(
        kelsey,
        "Harvest campaign: radio spot length",
        "For the harvest campaign, does co-op cover a 60-second radio spot or only 30?",
        None,
        66,
    )
    return "6 conversations (open, waiting, handed off to the product manager, resolved)"
