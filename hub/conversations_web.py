"""Conversations on the web: the pages (/conversations), the JSON API
(/api/v1/conversations) and the wiring — socket events, the navigation item, the context
card provider, the unread-messages reminder job and the demo seeder.

Every page works as plain links and form posts; static/js/chat.js adds the live parts
over Socket.IO (hub/chat_events.py). Every route calls the rules in hub.conversations.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, flash, g, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from hub import call_events, chat_events, conversations, db, openapi
from hub.apitools import (
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
from hub.conversations import ConversationNotFound, person_ref
from hub.errors import TooManyAttempts, ValidationFailed
from hub.errors_web import problem
from hub.forms import EmptyForm, apply_problems
from hub.models import Conversation, ConversationStatus, Person, ProductLine, Role
from hub.openapi import (
    PAGINATION_PARAMETERS,
    json_response,
    operation,
    page_of,
    problems,
    query,
    ref,
)
from hub.registry import Job, NavItem, registry
from hub.web import int_arg, render, see_other
from hub.web import paginate as paginate_page

bp = Blueprint("conversations", __name__)
PAGE_SIZE = 25
STATES = {
    "active": "Active",
    "queue": "Team queue",
    "resolved": "Resolved",
    "all": "All",
}


@bp.before_request
def _require_login():
    if not current_user.is_authenticated:
        from hub.extensions import login_manager

        return login_manager.unauthorized()
    return None


# --- Forms ------------------------------------------------------------------------------


# The rules check every field (their sentences land on the fields); the forms only
# carry the CSRF token and the browser hints.
class StartConversationForm(FlaskForm):
    subject = StringField("Subject", render_kw={"maxlength": conversations.MAX_SUBJECT})
    product_line_id = SelectField("Product line", validate_choice=False)
    body = TextAreaField("Your message", render_kw={"rows": 5, "maxlength": conversations.MAX_BODY})
    client_msg_id = HiddenField()


class MessageForm(FlaskForm):
    body = TextAreaField("Message", render_kw={"rows": 3, "maxlength": conversations.MAX_BODY})
    client_msg_id = HiddenField()


class HandoffForm(FlaskForm):
    to_person_id = SelectField("Hand to", validate_choice=False)
    note = TextAreaField(
        "Note for them", render_kw={"rows": 3, "maxlength": conversations.MAX_NOTE}
    )


class StatusForm(FlaskForm):
    status = SelectField("New status", validate_choice=False)


def _new_id() -> str:
    return str(uuid.uuid4())


def _start_form() -> StartConversationForm:
    form = StartConversationForm()
    form.product_line_id.choices = [("", "Not about one product line")] + [
        (str(line.id), line.name)
        for line in db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name))
    ]
    if not form.client_msg_id.data:
        form.client_msg_id.data = _new_id()
    return form


def _as_int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


# --- Pages ------------------------------------------------------------------------------


@bp.get("/conversations")
def index():
    return _render_index(_start_form() if not current_user.is_oem else None)


def _render_index(form: StartConversationForm | None, status: int = 200):
    sees_queue = current_user.role in (Role.CHANNEL_MANAGER, Role.PROGRAM_ADMIN)
    state = request.args.get("state", "active")
    if state not in STATES or (state == "queue" and not sees_queue):
        state = "active"
    page = paginate_page(
        conversations.list_conversations(current_user, state), int_arg("page"), PAGE_SIZE
    )
    return render(
        "conversations/index.html",
        page=page,
        read=conversations.read_positions(current_user, [c.id for c in page.items]),
        state=state,
        states={k: v for k, v in STATES.items() if k != "queue" or sees_queue},
        queue_count=conversations.queue_count(current_user),
        form=form,
        status=status,
    )


@bp.post("/conversations")
def start():
    if current_user.is_oem:
        abort(403)
    form = _start_form()
    status = 422
    if form.validate_on_submit():
        try:
            conversation, _created = conversations.start_conversation(
                current_user,
                form.subject.data,
                form.body.data,
                _as_int(form.product_line_id.data),
                form.client_msg_id.data or None,
            )
            flash("Your conversation is open. You'll see answers here as they come.", "success")
            return see_other("conversations.detail", conversation_id=conversation.id)
        except ValidationFailed as exc:
            apply_problems(form, _client_id_on(exc, "body"))
            form.client_msg_id.data = _new_id()
        except TooManyAttempts as exc:
            form.form_errors.append(str(exc))
            status = 429
    return _render_index(form, status)


def _client_id_on(exc: ValidationFailed, field: str) -> ValidationFailed:
    """Show a problem with the hidden client_msg_id on a visible field instead."""
    if "client_msg_id" not in exc.problems:
        return exc
    moved = {k: v for k, v in exc.problems.items() if k != "client_msg_id"}
    moved.setdefault(field, []).extend(
        ["This form was sent before; check the conversation, then send again if needed."]
    )
    return ValidationFailed(moved)


@bp.get("/conversations/<int:conversation_id>")
def detail(conversation_id: int):
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    position = conversations.read_positions(current_user, [conversation.id]).get(conversation.id)
    takes_part_by_reading = current_user.role != Role.PROGRAM_ADMIN
    if (position is None and takes_part_by_reading) or (
        position is not None and position < conversation.last_seq
    ):
        _become_writer()
        conversations.mark_read(current_user, conversation, conversation.last_seq)
    return _render_detail(conversation)


def _become_writer() -> None:
    """Let this page view record what was read: end its read-only transaction, so the next
    begins as a writer (BEGIN IMMEDIATE on SQLite) instead of upgrading a read snapshot,
    which SQLite refuses when another writer got in between."""
    db.session.commit()
    g.hub_write = True


def _render_detail(conversation: Conversation, message_form: MessageForm | None = None, status=200):
    viewer = current_user._get_current_object()
    people = conversations.participants(conversation)
    if message_form is None:
        message_form = MessageForm(formdata=None)
        message_form.client_msg_id.data = _new_id()
    status_form = StatusForm(formdata=None, status=conversation.status.value)
    status_form.status.choices = [(s.value, s.label) for s in conversations.statuses_for(viewer)]
    ctx = {
        "conversation": conversation,
        "messages": conversations.messages_after(conversation, 0),
        "participants": people,
        "online": conversations.online_person_ids(
            [p.person_id for p in people]
            + ([conversation.assignee_id] if conversation.assignee_id else [])
        ),
        "message_form": message_form,
        "status_form": status_form,
        "action_form": EmptyForm(formdata=None),
        "pending": conversations.pending_handoff(conversation),
        "can_take": conversations.can_take(viewer, conversation),
        "is_oem": viewer.is_oem,
        "max_body": conversations.MAX_BODY,
    }
    if viewer.is_oem:
        handoff_form = HandoffForm(formdata=None)
        handoff_form.to_person_id.choices = [
            (str(p.id), f"{p.name} — {p.role.label.lower()}")
            for p in conversations.handoff_targets(conversation, viewer)
        ]
        ctx.update(
            facts=conversations.context_card(conversation, viewer),
            handoffs=conversations.handoffs(conversation),
            handoff_form=handoff_form,
        )
    return render("conversations/detail.html", status=status, **ctx)


@bp.post("/conversations/<int:conversation_id>/messages")
def post_message(conversation_id: int):
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    form = MessageForm()
    status = 422
    if form.validate_on_submit():
        try:
            message, _created = conversations.send_message(
                current_user, conversation, form.client_msg_id.data or _new_id(), form.body.data
            )
            return redirect(
                url_for(
                    "conversations.detail",
                    conversation_id=conversation.id,
                    _anchor=f"m{message.seq}",
                ),
                code=303,
            )
        except ValidationFailed as exc:
            apply_problems(form, _client_id_on(exc, "body"))
            form.client_msg_id.data = _new_id()
        except TooManyAttempts as exc:
            apply_problems(form, ValidationFailed({"body": [str(exc)]}))
            status = 429
    return _render_detail(conversation, form, status)


@bp.post("/conversations/<int:conversation_id>/handoff")
def handoff(conversation_id: int):
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    if not conversations.can_hand_off(current_user, conversation):
        abort(403)
    form = HandoffForm()
    if form.validate_on_submit():
        target_id = _as_int(form.to_person_id.data)
        target = db.session.get(Person, target_id) if target_id else None
        try:
            conversations.hand_off(current_user, conversation, target, form.note.data)
            flash(f"Handed to {target.name}; they have been notified.", "success")
        except ValidationFailed as exc:
            flash(" ".join(s for messages in exc.problems.values() for s in messages), "error")
    else:
        flash("The form expired; please try again.", "error")
    return see_other("conversations.detail", conversation_id=conversation.id)


@bp.post("/conversations/<int:conversation_id>/accept")
def accept(conversation_id: int):
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    if EmptyForm().validate_on_submit():
        try:
            conversations.accept_handoff(current_user, conversation)
        except PermissionError:
            abort(403)
        flash("The conversation is yours now.", "success")
    return see_other("conversations.detail", conversation_id=conversation.id)


@bp.post("/conversations/<int:conversation_id>/take")
def take(conversation_id: int):
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    if current_user.role != Role.CHANNEL_MANAGER:
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            conversations.take_conversation(current_user, conversation)
            flash("The conversation is yours now.", "success")
        except ValidationFailed as exc:  # someone else took it first
            flash(" ".join(s for messages in exc.problems.values() for s in messages), "error")
    return see_other("conversations.detail", conversation_id=conversation.id)


@bp.post("/conversations/<int:conversation_id>/status")
def change_status(conversation_id: int):
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            if conversations.set_status(current_user, conversation, form.status.data):
                flash(f"Status: {conversation.status.label}.", "success")
        except PermissionError:
            abort(403)
        except ValidationFailed as exc:
            flash(" ".join(s for messages in exc.problems.values() for s in messages), "error")
    return see_other("conversations.detail", conversation_id=conversation.id)


# --- Navigation -------------------------------------------------------------------------


class _ConversationsLabel(str):
    """ "Conversations" in the main navigation, with the viewer's unread count as a badge.

    A str, so the navigation sorts and compares it like any label; rendered in a
    template, it asks for the current count (one query per page).
    """

    __slots__ = ()

    def __html__(self) -> str:
        label = escape(str(self))
        if not current_user or not current_user.is_authenticated:
            return label
        count = conversations.unread_conversation_count(current_user)
        if not count:
            return label
        return Markup(
            '{} <span class="navcount">{}<span class="visually-hidden"> unread</span></span>'
        ).format(label, count)


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
    positions = conversations.read_positions(current_person(), [c["id"] for c in items])
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
    stmt = conversations.visible_conversations(current_person())
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
    conversation = conversations.get_conversation_or_404(current_person(), conversation_id)
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
    conversation = conversations.get_conversation_or_404(current_person(), conversation_id)
    after_seq = int_query_arg("after_seq") or 0
    if after_seq < 0:
        raise ApiProblem(400, "Bad Request", "The query parameter 'after_seq' must be 0 or more.")
    limit = page_limit()
    found = conversations.messages_after(conversation, after_seq, limit=limit + 1)
    more = len(found) > limit
    found = found[:limit]
    return jsonify(
        {
            "data": [conversations.message_json(m) for m in found],
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
            "broadcast). A different body under a client_msg_id already used is a 409. "
            "At most 20 messages per person in 30 seconds (429 with Retry-After beyond)."
        ),
        "requestBody": openapi.json_body(ref("ConversationMessageCreate")),
        "responses": {
            "201": json_response("The message, stored.", ref("ConversationMessage")),
            "200": json_response(
                "The message stored before under this client_msg_id.", ref("ConversationMessage")
            ),
            **problems(400, 404, 409, 415, 422, 429),
        },
    }
)
def post_message_api(conversation_id: int):
    person = current_person()
    conversation = conversations.get_conversation_or_404(person, conversation_id)
    data = json_body()
    _only_fields(data, {"client_msg_id", "body"})
    message, created = conversations.send_message(
        person, conversation, data.get("client_msg_id"), data.get("body")
    )
    response = jsonify(conversations.message_json(message))
    response.status_code = 201 if created else 200
    return response


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
                            "kind": {"type": "string", "enum": list(conversations.LINK_KINDS)},
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
                "description": "Plain text; show it as text, never as HTML.",
            },
            "created_at": _TIME,
        },
    },
    "ConversationMessageCreate": {
        "type": "object",
        "required": ["client_msg_id", "body"],
        "additionalProperties": False,
        "properties": {
            "client_msg_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": conversations.MAX_CLIENT_MSG_ID,
                "description": "A new UUID per message; send it again to retry safely.",
            },
            "body": {"type": "string", "minLength": 1, "maxLength": conversations.MAX_BODY},
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


# --- Wiring -------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Register the pages, the API, the socket events, the navigation item, the context
    card provider, the reminder job and the demo seeder."""
    app.register_blueprint(bp)
    openapi.init_app(app)
    for name, schema in SCHEMAS.items():
        openapi.register_schema(name, schema, app=app)
    openapi.register_tag(
        "conversations_api",
        "Conversations between partners and the OEM, and their messages.",
        app=app,
    )
    app.register_blueprint(api)
    chat_events.init_app(app)
    call_events.init_app(app)
    reg = registry(app)
    reg.nav.append(NavItem(_ConversationsLabel("Conversations"), "conversations.index", order=20))
    reg.context.insert(0, conversations.organization_facts)
    reg.add_job(
        Job("conversations.unread-reminders", timedelta(minutes=5), conversations.remind_unread)
    )
    reg.demo.append(conversations.seed_demo)
