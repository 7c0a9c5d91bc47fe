"""The JSON API of conversations (/api/v1/conversations): conversations, their messages,
files, hand-offs, states and read positions. Every route calls the same rules as the pages.
"""

from __future__ import annotations

from flask import Flask, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from hub import db, uploads
from hub.api import openapi
from hub.api.openapi import (
    PAGINATION_PARAMETERS,
    json_response,
    operation,
    page_of,
    problems,
    query,
    ref,
)
from hub.api.tools import (
    NOT_FOUND_DETAIL,
    ApiProblem,
    api_blueprint,
    choice_query_arg,
    current_person,
    int_query_arg,
    iso_utc,
    json_body,
    page_limit,
    paginate,
)
from hub.conversations import access, attachments, handoff, reads
from hub.conversations import service as conversations
from hub.conversations.access import ConversationNotFound
from hub.conversations.files import allow_files, too_large_sentence
from hub.conversations.models import Conversation, ConversationStatus
from hub.conversations.service import person_ref
from hub.errors import TooManyAttempts, ValidationFailed
from hub.models import Person
from hub.web.errors import problem

# --- JSON API ---------------------------------------------------------------------------

api = api_blueprint("conversations_api", __name__, url_prefix="/api/v1/conversations")


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


def _ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.id, "name": obj.name}


def conversation_json(conversation: Conversation, last_read_seq: int | None = None) -> dict:
    return {
        "id": conversation.id,
        "subject": conversation.subject,
        "organization": _ref(conversation.organization),
        "product_line": _ref(conversation.product_line),
        "link": (
            {"kind": conversation.link_kind, "id": conversation.link_id}
            if conversation.link_kind
            else None
        ),
        "status": conversation.status.value,
        "assignee": person_ref(conversation.assignee),
        "created_by": person_ref(conversation.created_by),
        "created_at": iso_utc(conversation.created_at),
        "last_message_at": iso_utc(conversation.last_message_at),
        "first_response_at": iso_utc(conversation.first_response_at),
        "resolved_at": iso_utc(conversation.resolved_at),
        "last_seq": conversation.last_seq,
        "last_read_seq": last_read_seq,
    }


def _with_read_positions(items: list[dict]) -> list[dict]:
    positions = reads.read_positions(current_person(), [c["id"] for c in items])
    for item in items:
        item["last_read_seq"] = positions.get(item["id"])
    return items


def _only_fields(data: dict, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(
            {
                key: [f"Unknown field '{key}'; send only {', '.join(sorted(allowed))}."]
                for key in unknown
            }
        )


@api.get("")
@operation(
    {
        "summary": "Conversations you can see",
        "description": (
            "Partners see their own organisation's conversations (and those beneath it they "
            "take part in); channel managers theirs, the team queue and their territory's; "
            "product managers those handed to them or they take part in; the program admin "
            "all. Ordered by id."
        ),
        "parameters": [
            query(
                "status",
                {"type": "string", "enum": [s.value for s in ConversationStatus]},
                "Only conversations in this state.",
            ),
            *PAGINATION_PARAMETERS,
        ],
        "responses": {
            "200": json_response("One page of conversations.", page_of("Conversation")),
            **problems(400),
        },
    }
)
def list_conversations():
    stmt = access.visible_conversations(current_person())
    status = choice_query_arg("status", [s.value for s in ConversationStatus])
    if status:
        stmt = stmt.where(Conversation.status == ConversationStatus(status))
    page = paginate(stmt, Conversation.id, conversation_json)
    page["data"] = _with_read_positions(page["data"])
    return jsonify(page)


@api.post("")
@operation(
    {
        "summary": "Start a conversation (partner staff)",
        "description": (
            "Opens a conversation with its first message; it goes to the channel manager "
            "covering your organisation, or to the channel team's queue. With a "
            "client_msg_id, sending the same request again answers 200 with the "
            "conversation made the first time instead of opening another."
        ),
        "requestBody": openapi.json_body(ref("ConversationCreate")),
        "responses": {
            "201": json_response(
                "The new conversation.",
                ref("Conversation"),
                headers={"Location": {"description": "Its URL.", "schema": {"type": "string"}}},
            ),
            "200": json_response(
                "The conversation this client_msg_id started before.", ref("Conversation")
            ),
            **problems(400, 403, 409, 415, 422, 429),
        },
    }
)
def create_conversation():
    data = json_body()
    _only_fields(data, {"subject", "body", "product_line_id", "client_msg_id"})
    conversation, created = conversations.start_conversation(
        current_person(),
        data.get("subject"),
        data.get("body"),
        data.get("product_line_id"),
        data.get("client_msg_id"),
    )
    db.session.flush()
    response = jsonify(_with_read_positions([conversation_json(conversation)])[0])
    if created:
        response.status_code = 201
        response.headers["Location"] = url_for(
            "conversations_api.get_conversation", conversation_id=conversation.id
        )
    return response


@api.get("/<int:conversation_id>")
@operation(
    {
        "summary": "One conversation",
        "responses": {
            "200": json_response("The conversation.", ref("Conversation")),
            **problems(404),
        },
    }
)
def get_conversation(conversation_id: int):
    conversation = access.get_conversation_or_404(current_person(), conversation_id)
    return jsonify(_with_read_positions([conversation_json(conversation)])[0])


@api.get("/<int:conversation_id>/messages")
@operation(
    {
        "summary": "Messages after a sequence number",
        "description": (
            "Messages are numbered 1, 2, 3… per conversation. Pass the last seq you have "
            "as after_seq to get everything after it, in order, with no gaps; follow "
            "next_after_seq while it is not null."
        ),
        "parameters": [
            query(
                "after_seq",
                {"type": "integer", "minimum": 0, "default": 0},
                "Only messages numbered above this.",
            ),
            PAGINATION_PARAMETERS[0],
        ],
        "responses": {
            "200": json_response("Messages in order.", ref("ConversationMessagePage")),
            **problems(400, 404),
        },
    }
)
def list_messages(conversation_id: int):
    conversation = access.get_conversation_or_404(current_person(), conversation_id)
    after_seq = int_query_arg("after_seq") or 0
    if after_seq < 0:
        raise ApiProblem(400, "Bad Request", "The query parameter 'after_seq' must be 0 or more.")
    limit = page_limit()
    found = conversations.messages_after(conversation, after_seq, limit=limit + 1)
    more = len(found) > limit
    found = found[:limit]
    return jsonify(
        {
            "data": conversations.messages_json(found),
            "next_after_seq": found[-1].seq if more else None,
        }
    )


@api.post("/<int:conversation_id>/messages")
@operation(
    {
        "summary": "Post a message (idempotent by client_msg_id)",
        "description": (
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
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ref("ConversationMessageCreate")},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["client_msg_id"],
                        "properties": {
                            "client_msg_id": {"type": "string"},
                            "body": {"type": "string"},
                            "files": {
                                "type": "array",
                                "maxItems": attachments.MAX_ATTACHMENTS,
                                "items": {
                                    "type": "string",
                                    "contentMediaType": "application/octet-stream",
                                },
                            },
                        },
                    }
                },
            },
        },
        "responses": {
            "201": json_response("The message, stored.", ref("ConversationMessage")),
            "200": json_response(
                "The message stored before under this client_msg_id.", ref("ConversationMessage")
            ),
            **problems(400, 404, 409, 413, 415, 422, 429),
        },
    }
)
def post_message_api(conversation_id: int):
    person = current_person()
    conversation = access.get_conversation_or_404(person, conversation_id)
    files: list[uploads.AcceptedFile] = []
    if request.mimetype == "multipart/form-data":
        limit = allow_files(attachments.MAX_ATTACHMENTS)
        _refuse_too_large(limit)
        try:
            form = request.form
            storages = request.files.getlist("files")
        except RequestEntityTooLarge:
            raise ApiProblem(413, "Content Too Large", too_large_sentence(limit)) from None
        _only_fields({**form, **dict.fromkeys(request.files)}, {"client_msg_id", "body", "files"})
        data = {"client_msg_id": form.get("client_msg_id"), "body": form.get("body")}
        files = attachments.accept_files(storages)
    else:
        data = json_body()
        _only_fields(data, {"client_msg_id", "body", "attachment_ids"})
    message, created = conversations.send_message(
        person,
        conversation,
        data.get("client_msg_id"),
        data.get("body"),
        files=files,
        attachment_ids=data.get("attachment_ids") or [],
    )
    response = jsonify(conversations.message_json(message))
    response.status_code = 201 if created else 200
    return response


def _refuse_too_large(limit: int) -> None:
    if request.content_length and request.content_length > limit:
        raise ApiProblem(413, "Content Too Large", too_large_sentence(limit))


@api.post("/<int:conversation_id>/attachments")
@operation(
    {
        "summary": "Upload a file to send with a message",
        "description": (
            "Upload first, then send: post one image (PNG, JPEG, WebP, GIF — re-encoded to "
            "PNG) or PDF (rewritten without JavaScript, embedded files or automatic actions) "
            "as multipart/form-data in the field `file`, then post the message with its id "
            "in attachment_ids. Until it is sent only you can fetch it; uploads never sent "
            "are deleted after a day. A file that is not what its name or type says, "
            "encrypted, damaged or too large is refused (422) and nothing is kept."
        ),
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "contentMediaType": "application/octet-stream",
                            }
                        },
                    }
                }
            },
        },
        "responses": {
            "201": json_response("The upload, ready to attach.", ref("Attachment")),
            **problems(400, 404, 413, 415, 422, 429),
        },
    }
)
def upload_attachment_api(conversation_id: int):
    person = current_person()
    conversation = access.get_conversation_or_404(person, conversation_id)
    if request.mimetype != "multipart/form-data":
        raise ApiProblem(
            415,
            "Unsupported Media Type",
            "Send the file as multipart/form-data in the field 'file'.",
        )
    limit = allow_files(1)
    _refuse_too_large(limit)
    try:
        storages = request.files.getlist("file")
    except RequestEntityTooLarge:
        raise ApiProblem(413, "Content Too Large", too_large_sentence(limit)) from None
    if len(storages) != 1:
        raise ValidationFailed({"file": ["Send one file, in the form field 'file'."]})
    (accepted,) = attachments.accept_files(storages, field="file")
    stored = attachments.upload_attachment(person, conversation, accepted)
    response = jsonify(attachments.attachment_json(conversation.id, stored))
    response.status_code = 201
    return response


def handoff_json(handoff) -> dict:
    return {
        "id": handoff.id,
        "conversation_id": handoff.conversation_id,
        "from": person_ref(handoff.from_person),
        "to": person_ref(handoff.to_person),
        "note": handoff.note,
        "created_at": iso_utc(handoff.created_at),
        "accepted_at": iso_utc(handoff.accepted_at),
    }


@api.post("/<int:conversation_id>/handoff")
@operation(
    {
        "summary": "Hand the conversation to someone else (OEM staff)",
        "description": (
            "Pass the conversation to a product manager of its product line (any product "
            "manager when it has none) or another channel manager, with a note that only "
            "OEM staff see. It is theirs at once — they are notified, keep the whole "
            "history and accept it when they pick it up. Partners get 403."
        ),
        "requestBody": openapi.json_body(ref("HandoffCreate")),
        "responses": {
            "201": json_response("The hand-off, waiting to be accepted.", ref("Handoff")),
            **problems(400, 403, 404, 415, 422),
        },
    }
)
def handoff_api(conversation_id: int):
    person = current_person()
    conversation = access.get_conversation_or_404(person, conversation_id)
    data = json_body()
    _only_fields(data, {"to_person_id", "note"})
    target_id = data.get("to_person_id")
    target = (
        db.session.get(Person, target_id)
        if isinstance(target_id, int) and not isinstance(target_id, bool)
        else None
    )
    note = data.get("note", "")
    if not isinstance(note, str):
        raise ValidationFailed({"note": ["Send the note as text (or leave it out)."]})
    made = handoff.hand_off(person, conversation, target, note)
    response = jsonify(handoff_json(made))
    response.status_code = 201
    return response


@api.post("/<int:conversation_id>/handoff/accept")
@operation(
    {
        "summary": "Accept the hand-off waiting for you",
        "description": (
            "The receiver of a hand-off takes the conversation up; the one who handed it on "
            "is told. Anyone else, or when nothing waits for you, gets 403."
        ),
        "responses": {
            "200": json_response("The accepted hand-off.", ref("Handoff")),
            **problems(403, 404),
        },
    }
)
def accept_handoff_api(conversation_id: int):
    person = current_person()
    conversation = access.get_conversation_or_404(person, conversation_id)
    return jsonify(handoff_json(handoff.accept_handoff(person, conversation)))


@api.patch("/<int:conversation_id>")
@operation(
    {
        "summary": "Change the conversation's status",
        "description": (
            'Send {"status": …}. OEM staff set any state; partners may resolve a '
            "conversation or reopen it (`open`), other states are a 403 for them. Every "
            "change writes a system message into the conversation; sending the state it "
            "already has changes nothing."
        ),
        "requestBody": openapi.json_body(ref("ConversationUpdate")),
        "responses": {
            "200": json_response("The conversation as it is now.", ref("Conversation")),
            **problems(400, 403, 404, 415, 422),
        },
    }
)
def update_conversation(conversation_id: int):
    person = current_person()
    conversation = access.get_conversation_or_404(person, conversation_id)
    data = json_body()
    _only_fields(data, {"status"})
    if "status" not in data:
        raise ValidationFailed({"status": ["Send the new status."]})
    conversations.set_status(person, conversation, data["status"])
    db.session.flush()
    return jsonify(_with_read_positions([conversation_json(conversation)])[0])


@api.post("/<int:conversation_id>/read")
@operation(
    {
        "summary": "Record how far you have read",
        "description": (
            'Send {"seq": 7}: you have read up to message 7. Read positions only move '
            "forward and stop at the last message; the answer's last_read_seq is your "
            "position now. The people following the conversation live see a read receipt, "
            "and unread counts follow."
        ),
        "requestBody": openapi.json_body(ref("ReadPosition")),
        "responses": {
            "200": json_response("The conversation, with your read position.", ref("Conversation")),
            **problems(400, 404, 415, 422),
        },
    }
)
def read_api(conversation_id: int):
    person = current_person()
    conversation = access.get_conversation_or_404(person, conversation_id)
    data = json_body()
    _only_fields(data, {"seq"})
    seq = data.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValidationFailed(
            {"seq": ["Send seq as the number of the last message read (0 or more)."]}
        )
    conversations.mark_read(person, conversation, seq)
    db.session.flush()
    return jsonify(_with_read_positions([conversation_json(conversation)])[0])


_NAMED = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
_TIME = {"type": "string", "format": "date-time", "examples": ["2026-03-01T09:30:00Z"]}
_MAYBE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _nullable(schema_ref: dict) -> dict:
    return {"oneOf": [schema_ref, {"type": "null"}]}


SCHEMAS = {
    "NamedRef": _NAMED,
    "Conversation": {
        "type": "object",
        "required": [
            "id",
            "subject",
            "organization",
            "product_line",
            "link",
            "status",
            "assignee",
            "created_by",
            "created_at",
            "last_message_at",
            "first_response_at",
            "resolved_at",
            "last_seq",
            "last_read_seq",
        ],
        "properties": {
            "id": {"type": "integer"},
            "subject": {"type": "string"},
            "organization": ref("NamedRef"),
            "product_line": _nullable(ref("NamedRef")),
            "link": {
                "description": "What it is about elsewhere in the hub, or null.",
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["kind", "id"],
                        "properties": {
                            "kind": {
                                "type": "string",
                                "description": "A kind a feature registered, e.g. campaign.",
                            },
                            "id": {"type": "integer"},
                        },
                    },
                    {"type": "null"},
                ],
            },
            "status": {"type": "string", "enum": [s.value for s in ConversationStatus]},
            "assignee": {
                "description": "The OEM person handling it; null while it waits in the channel team's queue.",
                **_nullable(ref("NamedRef")),
            },
            "created_by": ref("NamedRef"),
            "created_at": _TIME,
            "last_message_at": _TIME,
            "first_response_at": {"description": "The first OEM answer.", **_MAYBE_TIME},
            "resolved_at": _MAYBE_TIME,
            "last_seq": {"type": "integer", "description": "The number of its latest message."},
            "last_read_seq": {
                "type": ["integer", "null"],
                "description": "How far you have read; null when you do not take part.",
            },
        },
    },
    "ConversationCreate": {
        "type": "object",
        "required": ["subject", "body"],
        "additionalProperties": False,
        "properties": {
            "subject": {"type": "string", "minLength": 1, "maxLength": conversations.MAX_SUBJECT},
            "body": {"type": "string", "minLength": 1, "maxLength": conversations.MAX_BODY},
            "product_line_id": {"type": ["integer", "null"]},
            "client_msg_id": {
                "type": "string",
                "maxLength": conversations.MAX_CLIENT_MSG_ID,
                "description": "A new UUID; makes the request safe to repeat.",
            },
        },
    },
    "ConversationMessage": {
        "type": "object",
        "required": [
            "id",
            "seq",
            "conversation_id",
            "client_msg_id",
            "kind",
            "author",
            "body",
            "created_at",
            "attachments",
        ],
        "properties": {
            "id": {"type": "integer"},
            "seq": {"type": "integer", "minimum": 1},
            "conversation_id": {"type": "integer"},
            "client_msg_id": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["text", "system"],
                "description": "system: written by the hub to record an event (a hand-off, a state change).",
            },
            "author": {"description": "null for system messages.", **_nullable(ref("NamedRef"))},
            "body": {
                "type": "string",
                "description": "Plain text; show it as text, never as HTML. May be empty "
                "when the message carries files.",
            },
            "created_at": _TIME,
            "attachments": {"type": "array", "items": ref("Attachment")},
        },
    },
    "Attachment": {
        "type": "object",
        "required": ["id", "filename", "content_type", "size", "url"],
        "properties": {
            "id": {"type": "integer"},
            "filename": {"type": "string", "description": "The name to show and save it as."},
            "content_type": {"type": "string", "enum": ["image/png", "application/pdf"]},
            "size": {"type": "integer", "description": "Bytes, as stored (after re-encoding)."},
            "url": {
                "type": "string",
                "description": "Where to fetch it: a path on the hub, answered to the "
                "browser's sign-in or an API token (Authorization: Bearer). Images are sent "
                "inline, PDFs as downloads. 404 for anyone who may not see the conversation.",
                "examples": ["/conversations/12/files/88"],
            },
        },
    },
    "Handoff": {
        "type": "object",
        "required": ["id", "conversation_id", "from", "to", "note", "created_at", "accepted_at"],
        "properties": {
            "id": {"type": "integer"},
            "conversation_id": {"type": "integer"},
            "from": ref("NamedRef"),
            "to": ref("NamedRef"),
            "note": {"type": "string", "description": "For OEM staff only."},
            "created_at": _TIME,
            "accepted_at": {"description": "null until the receiver accepts.", **_MAYBE_TIME},
        },
    },
    "HandoffCreate": {
        "type": "object",
        "required": ["to_person_id"],
        "additionalProperties": False,
        "properties": {
            "to_person_id": {
                "type": "integer",
                "description": "A product manager of the conversation's product line, or "
                "another channel manager.",
            },
            "note": {"type": "string", "maxLength": handoff.MAX_NOTE},
        },
    },
    "ConversationUpdate": {
        "type": "object",
        "required": ["status"],
        "additionalProperties": False,
        "properties": {
            "status": {"type": "string", "enum": [s.value for s in ConversationStatus]},
        },
    },
    "ReadPosition": {
        "type": "object",
        "required": ["seq"],
        "additionalProperties": False,
        "properties": {"seq": {"type": "integer", "minimum": 0}},
    },
    "ConversationMessageCreate": {
        "type": "object",
        "required": ["client_msg_id"],
        "additionalProperties": False,
        "properties": {
            "client_msg_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": conversations.MAX_CLIENT_MSG_ID,
                "description": "A new UUID per message; send it again to retry safely.",
            },
            "body": {
                "type": "string",
                "maxLength": conversations.MAX_BODY,
                "description": "1 or more characters; may be empty or left out when "
                "attachment_ids are sent.",
            },
            "attachment_ids": {
                "type": "array",
                "maxItems": attachments.MAX_ATTACHMENTS,
                "items": {"type": "integer"},
                "description": "Ids of your uploads to this conversation "
                "(POST …/attachments), in the order to show them.",
            },
        },
    },
    "ConversationMessagePage": {
        "type": "object",
        "required": ["data", "next_after_seq"],
        "properties": {
            "data": {"type": "array", "items": ref("ConversationMessage")},
            "next_after_seq": {
                "type": ["integer", "null"],
                "description": "Pass as ?after_seq= for the next page; null when you have all.",
            },
        },
    },
}


def init_app(app: Flask) -> None:
    """Register the API blueprint, its schemas and its tag in the OpenAPI document."""
    openapi.init_app(app)
    for name, schema in SCHEMAS.items():
        openapi.register_schema(name, schema, app=app)
    openapi.register_tag(
        "conversations_api",
        "Conversations between partners and the OEM, and their messages.",
        app=app,
    )
    app.register_blueprint(api)
