"""The conversations JSON API (/api/v1/conversations): conversations, their messages,
files, hand-offs, states and read positions.

Every route calls the rules in hub.conversations.service, as the pages and the socket
events do; each is declared once with `@operation` (hub.api), its shapes in
hub.conversations.schemas.
"""

from __future__ import annotations

from flask import Flask, g, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from hub import db, uploads
from hub.api import (
    NOT_FOUND_DETAIL,
    ApiProblem,
    Page,
    api_blueprint,
    context,
    current_person,
    openapi,
    operation,
    paginate,
)
from hub.conversations import access, attachments, handoff, reads
from hub.conversations import service as conversations
from hub.conversations.access import ConversationNotFound
from hub.conversations.models import Conversation as ConversationRow
from hub.conversations.models import ConversationStatus
from hub.conversations.schemas import (
    Attachment,
    AttachmentUpload,
    Conversation,
    ConversationCreate,
    ConversationMessage,
    ConversationMessageCreate,
    ConversationMessageForm,
    ConversationMessagePage,
    ConversationQuery,
    ConversationUpdate,
    Handoff,
    HandoffCreate,
    MessagesQuery,
    ReadPosition,
)
from hub.errors import TooManyAttempts, ValidationFailed
from hub.models import Person
from hub.web.errors import problem
from hub.web.pages import allow_files, too_large_sentence

api = api_blueprint("conversations_api", __name__, url_prefix="/api/v1/conversations")
LOCATION = {"Location": {"description": "Its URL.", "schema": {"type": "string"}}}


@api.errorhandler(ConversationNotFound)
def _api_not_found(_exc):
    db.rollback_request()
    return problem(404, "Not Found", NOT_FOUND_DETAIL)


@api.errorhandler(TooManyAttempts)
def _api_too_many(exc: TooManyAttempts):
    db.rollback_request()
    response = problem(429, "Too Many Requests", str(exc))
    response.headers["Retry-After"] = str(int(conversations.RATE_WINDOW.total_seconds()))
    return response


def _with_read_positions(items: list[Conversation]) -> list[Conversation]:
    positions = reads.read_positions(current_person(), [c.id for c in items])
    for item in items:
        item.last_read_seq = positions.get(item.id)
    return items


def _as_seen(conversation: ConversationRow) -> Conversation:
    """The conversation as the caller sees it now: what the request changed is flushed
    first, and the caller's read position is added."""
    db.session.flush()
    return _with_read_positions([Conversation.of(conversation)])[0]


def _visible(conversation_id: int) -> ConversationRow:
    return access.get_conversation_or_404(current_person(), conversation_id)


def _scope_first(then=None):
    """A route's `before`: the conversation (404 outside your scope) before the request's
    body or query is looked at; the view finds it in g.conversation."""

    def check(conversation_id: int, **_):
        g.conversation = _visible(conversation_id)
        if then is not None:
            then()

    return check


@api.get("")
@operation(
    "Conversations you can see",
    description=(
        "Partners see their own organisation's conversations (and those beneath it they "
        "take part in); channel managers theirs, the team queue and their territory's; "
        "product managers those handed to them or they take part in; the program admin "
        "all. Ordered by id."
    ),
    query=ConversationQuery,
    responses={200: (Page[Conversation], "One page of conversations.")},
)
def list_conversations():
    args: ConversationQuery = context().query
    stmt = access.visible_conversations(current_person())
    if args.status:
        stmt = stmt.where(ConversationRow.status == ConversationStatus(args.status))
    page = paginate(stmt, ConversationRow.id, Conversation.of, args)
    page.data = _with_read_positions(page.data)
    return page


@api.post("")
@operation(
    "Start a conversation (partner staff)",
    description=(
        "Opens a conversation with its first message; it goes to the channel manager "
        "covering your organisation, or to the channel team's queue — or, with "
        "to_product_manager, to the product manager of its product line. With a "
        "client_msg_id, sending the same request again answers 200 with the "
        "conversation made the first time instead of opening another."
    ),
    json=ConversationCreate,
    responses={
        201: (Conversation, "The new conversation."),
        200: (Conversation, "The conversation this client_msg_id started before."),
    },
    response_headers={201: LOCATION},
    problems=(403, 409, 429),
)
def create_conversation():
    body: ConversationCreate = context().json
    conversation, created = conversations.start_conversation(
        current_person(),
        body.subject,
        body.body,
        body.product_line_id,
        body.client_msg_id,
        to_product_manager=body.to_product_manager,
    )
    db.session.flush()
    if not created:
        return _as_seen(conversation)
    location = url_for("conversations_api.get_conversation", conversation_id=conversation.id)
    return _as_seen(conversation), 201, {"Location": location}


@api.get("/<int:conversation_id>")
@operation("One conversation", responses={200: (Conversation, "The conversation.")})
def get_conversation(conversation_id: int):
    return _as_seen(_visible(conversation_id))


@api.get("/<int:conversation_id>/messages")
@operation(
    "Messages after a sequence number",
    description=(
        "Messages are numbered 1, 2, 3… per conversation. Pass the last seq you have "
        "as after_seq to get everything after it, in order, with no gaps; follow "
        "next_after_seq while it is not null."
    ),
    query=MessagesQuery,
    responses={200: (ConversationMessagePage, "Messages in order.")},
    before=_scope_first(),
)
def list_messages(conversation_id: int):
    conversation = g.conversation
    args: MessagesQuery = context().query
    found = conversations.messages_after(conversation, args.after_seq, limit=args.limit + 1)
    more = len(found) > args.limit
    found = found[: args.limit]
    return {
        "data": conversations.messages_json(found),
        "next_after_seq": found[-1].seq if more else None,
    }


def _files_allowed(count: int, field: str) -> None:
    """Before the form is read: raise this request's size limit to `count` files, and
    answer 413 with a sentence when it is larger than that."""
    if request.mimetype != "multipart/form-data":
        if field == "file":
            raise ApiProblem(
                415,
                "Unsupported Media Type",
                "Send the file as multipart/form-data in the field 'file'.",
            )
        return
    limit = allow_files(count)
    try:
        if request.content_length and request.content_length > limit:
            raise RequestEntityTooLarge
        request.files  # noqa: B018  (reads the form now, within the limit)
    except RequestEntityTooLarge:
        raise ApiProblem(413, "Content Too Large", too_large_sentence(limit, count)) from None


@api.post("/<int:conversation_id>/messages")
@operation(
    "Post a message (idempotent by client_msg_id)",
    description=(
        "Answers 201 with the stored message the first time, and 200 with the same "
        "message when the same client_msg_id is sent again (nothing new is stored or "
        "broadcast). A different body or other files under a client_msg_id already "
        "used is a 409. At most 20 messages per person in 30 seconds (429 with "
        "Retry-After beyond).\n\nFiles (images, PDFs; at most 5) come either as "
        "attachment_ids of earlier uploads (POST …/attachments) in a JSON body, or with "
        "the message itself as multipart/form-data: fields client_msg_id and body, and "
        "one `files` part per file. A file that is refused refuses the whole message "
        "(422): nothing is stored."
    ),
    json=ConversationMessageCreate,
    form=ConversationMessageForm,
    responses={
        201: (ConversationMessage, "The message, stored."),
        200: (ConversationMessage, "The message stored before under this client_msg_id."),
    },
    problems=(409, 413, 429),
    before=_scope_first(lambda: _files_allowed(attachments.MAX_ATTACHMENTS, "files")),
)
def post_message_api(conversation_id: int):
    person, conversation = current_person(), g.conversation
    files: list[uploads.AcceptedFile] = []
    if request.mimetype == "multipart/form-data":
        form: ConversationMessageForm = context().form
        data = {"client_msg_id": form.client_msg_id, "body": form.body, "attachment_ids": []}
        files = attachments.accept_files(request.files.getlist("files"))
    else:
        body: ConversationMessageCreate = context().json
        data = body.model_dump()
    message, created = conversations.send_message(
        person,
        conversation,
        data["client_msg_id"],
        data["body"],
        files=files,
        attachment_ids=data["attachment_ids"] or [],
    )
    return conversations.message_json(message), 201 if created else 200


@api.post("/<int:conversation_id>/attachments")
@operation(
    "Upload a file to send with a message",
    description=(
        "Upload first, then send: post one image (PNG, JPEG, WebP, GIF — re-encoded to "
        "PNG) or PDF (rewritten without JavaScript, embedded files or automatic actions) "
        "as multipart/form-data in the field `file`, then post the message with its id "
        "in attachment_ids. Until it is sent only you can fetch it; uploads never sent "
        "are deleted after a day. A file that is not what its name or type says, "
        "encrypted, damaged or too large is refused (422) and nothing is kept."
    ),
    form=AttachmentUpload,
    responses={201: (Attachment, "The upload, ready to attach.")},
    problems=(413, 415, 429),
    before=_scope_first(lambda: _files_allowed(1, "file")),
)
def upload_attachment_api(conversation_id: int):
    person, conversation = current_person(), g.conversation
    storages = request.files.getlist("file")
    if len(storages) != 1:
        raise ValidationFailed({"file": ["Send one file, in the form field 'file'."]})
    (accepted,) = attachments.accept_files(storages, field="file")
    stored = attachments.upload_attachment(person, conversation, accepted)
    return Attachment.of(conversation.id, stored), 201


@api.post("/<int:conversation_id>/handoff")
@operation(
    "Hand the conversation to someone else (OEM staff)",
    description=(
        "Pass the conversation to a product manager of its product line (any product "
        "manager when it has none) or another channel manager, with a note that only "
        "OEM staff see. It is theirs at once — they are notified, keep the whole "
        "history and accept it when they pick it up. Partners get 403."
    ),
    json=HandoffCreate,
    responses={201: (Handoff, "The hand-off, waiting to be accepted.")},
    problems=(403,),
    before=_scope_first(),
)
def handoff_api(conversation_id: int):
    person, conversation = current_person(), g.conversation
    body: HandoffCreate = context().json
    target_id = body.to_person_id
    target = (
        db.session.get(Person, target_id)
        if isinstance(target_id, int) and not isinstance(target_id, bool)
        else None
    )
    made = handoff.hand_off(person, conversation, target, body.note)
    return Handoff.of(made), 201


@api.post("/<int:conversation_id>/handoff/accept")
@operation(
    "Accept the hand-off waiting for you",
    description=(
        "The receiver of a hand-off takes the conversation up; the one who handed it on "
        "is told. Anyone else, or when nothing waits for you, gets 403."
    ),
    responses={200: (Handoff, "The accepted hand-off.")},
    problems=(403,),
    before=_scope_first(),
)
def accept_handoff_api(conversation_id: int):
    person, conversation = current_person(), g.conversation
    return Handoff.of(handoff.accept_handoff(person, conversation))


@api.patch("/<int:conversation_id>")
@operation(
    "Change the conversation's status",
    description=(
        'Send {"status": …}. OEM staff set any state; partners may resolve a '
        "conversation or reopen it (`open`), other states are a 403 for them. Every "
        "change writes a system message into the conversation; sending the state it "
        "already has changes nothing."
    ),
    json=ConversationUpdate,
    responses={200: (Conversation, "The conversation as it is now.")},
    problems=(403,),
    before=_scope_first(),
)
def update_conversation(conversation_id: int):
    person, conversation = current_person(), g.conversation
    conversations.set_status(person, conversation, context().json.status)
    return _as_seen(conversation)


@api.post("/<int:conversation_id>/read")
@operation(
    "Record how far you have read",
    description=(
        'Send {"seq": 7}: you have read up to message 7. Read positions only move '
        "forward and stop at the last message; the answer's last_read_seq is your "
        "position now. The people following the conversation live see a read receipt, "
        "and unread counts follow."
    ),
    json=ReadPosition,
    responses={200: (Conversation, "The conversation, with your read position.")},
    before=_scope_first(),
)
def read_api(conversation_id: int):
    person, conversation = current_person(), g.conversation
    conversations.mark_read(person, conversation, context().json.seq)
    return _as_seen(conversation)


def init_app(app: Flask) -> None:
    openapi.init_app(app)
    openapi.register_tag(
        "conversations_api",
        "Conversations between partners and the OEM, and their messages.",
        app=app,
    )
    app.register_blueprint(api)
