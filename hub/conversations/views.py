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
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField

from hub import db, uploads
from hub.accounts import service as accounts
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
    AUTH_INVALID_DETAIL,
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
from hub.calls import events as call_events
from hub.calls import service as calls
from hub.conversations import events as chat_events
from hub.conversations import service as conversations
from hub.conversations.models import Conversation, ConversationStatus
from hub.conversations.service import ConversationNotFound, person_ref
from hub.errors import TooManyAttempts, ValidationFailed
from hub.models import Person, ProductLine, Role
from hub.realtime import service as realtime
from hub.realtime.service import presence_of
from hub.registry import Job, NavItem, registry
from hub.web.errors import problem
from hub.web.forms import EmptyForm, apply_problems
from hub.web.pages import int_arg, render, see_other
from hub.web.pages import paginate as paginate_page

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
    files = MultipleFileField(
        "Attach files",
        render_kw={"accept": "image/png,image/jpeg,image/webp,image/gif,application/pdf"},
    )
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
        db.become_writer()
        conversations.mark_read(current_user, conversation, conversation.last_seq)
    return _render_detail(conversation)


def _render_detail(conversation: Conversation, message_form: MessageForm | None = None, status=200):
    if message_form is None:
        message_form = MessageForm(formdata=None)
        message_form.client_msg_id.data = _new_id()
    messages = conversations.messages_after(conversation, 0)
    ctx = _parts_context(conversation)
    ctx.update(
        messages=messages,
        files=conversations.attachments_of(m.id for m in messages),
        message_form=message_form,
        live_call=calls.live_call(conversation),
        max_body=conversations.MAX_BODY,
        max_files=conversations.MAX_ATTACHMENTS,
        max_file_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024),
    )
    return render("conversations/detail.html", status=status, **ctx)


def _parts_context(conversation: Conversation) -> dict:
    """What templates/conversations/_parts.html shows: the parts of the page that change
    while it is open."""
    viewer = current_user._get_current_object()
    people = conversations.participants(conversation)
    status_form = StatusForm(formdata=None, status=conversation.status.value)
    status_form.status.choices = [(s.value, s.label) for s in conversations.statuses_for(viewer)]
    ctx = {
        "conversation": conversation,
        "participants": people,
        "presence": presence_of([p.person_id for p in people]),
        "status_form": status_form,
        "action_form": EmptyForm(formdata=None),
        "pending": conversations.pending_handoff(conversation),
        "can_take": conversations.can_take(viewer, conversation),
        "is_oem": viewer.is_oem,
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
    return ctx


@bp.get("/conversations/<int:conversation_id>/parts")
def live_parts(conversation_id: int):
    """The changing parts of an open conversation page again (state, who handles it,
    people, status, hand-offs), for static/js/chat.js to swap in after a message arrives.
    Reading them marks nothing read: the page's socket does that while it is in view."""
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    return render("conversations/_live.html", **_parts_context(conversation))


def _allow_files(count: int) -> int:
    """Let this request carry up to `count` files of HUB_UPLOAD_MAX_BYTES; returns the limit."""
    limit = count * current_app.config["UPLOAD_MAX_BYTES"] + 64 * 1024  # + the form's fields
    request.max_content_length = limit
    return limit


def _too_large_sentence(limit: int) -> str:
    each = _mb(current_app.config["UPLOAD_MAX_BYTES"])
    return (
        f"Those files are too large together ({_mb(request.content_length)} sent); attach "
        f"at most {conversations.MAX_ATTACHMENTS} files of up to {each} each."
        if request.content_length
        else f"That upload is larger than {_mb(limit)}."
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _accepted_files(storages, field: str = "files") -> list[uploads.AcceptedFile]:
    """Check every uploaded file; refuse them all, with a sentence per problem, if any fails."""
    chosen = [f for f in storages if f and (f.filename or "").strip()]
    if len(chosen) > conversations.MAX_ATTACHMENTS:
        raise ValidationFailed(
            {
                field: [
                    f"Attach at most {conversations.MAX_ATTACHMENTS} files to one message "
                    f"({len(chosen)} were chosen)."
                ]
            }
        )
    accepted, problems = [], []
    for storage in chosen:
        try:
            accepted.append(
                uploads.accept_upload(
                    storage.read(), storage.filename, storage.mimetype, field=field
                )
            )
        except ValidationFailed as exc:
            problems.extend(s for sentences in exc.problems.values() for s in sentences)
    if problems:
        raise ValidationFailed({field: problems})
    return accepted


@bp.post("/conversations/<int:conversation_id>/messages")
def post_message(conversation_id: int):
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    limit = _allow_files(conversations.MAX_ATTACHMENTS)
    if request.content_length and request.content_length > limit:
        form = MessageForm(formdata=None)
        form.client_msg_id.data = _new_id()
        form.files.errors = [_too_large_sentence(limit)]
        return _render_detail(conversation, form, 413)
    form = MessageForm()
    status = 422
    if form.validate_on_submit():
        try:
            message, _created = conversations.send_message(
                current_user,
                conversation,
                form.client_msg_id.data or _new_id(),
                form.body.data,
                files=_accepted_files(request.files.getlist("files")),
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
            apply_problems(form, _client_id_on(_ids_on(exc, "files"), "body"))
            form.client_msg_id.data = _new_id()
        except TooManyAttempts as exc:
            apply_problems(form, ValidationFailed({"body": [str(exc)]}))
            status = 429
    return _render_detail(conversation, form, status)


def _ids_on(exc: ValidationFailed, field: str) -> ValidationFailed:
    """Problems with attachment_ids (the script's uploads) shown on the file field."""
    if "attachment_ids" not in exc.problems:
        return exc
    moved = {k: v for k, v in exc.problems.items() if k != "attachment_ids"}
    moved.setdefault(field, []).extend(exc.problems["attachment_ids"])
    return ValidationFailed(moved)


@bp.post("/conversations/<int:conversation_id>/attachments")
def upload(conversation_id: int):
    """Upload one file for a message about to be sent (static/js/chat.js, with progress).

    Answers 201 with the attachment's JSON; the message then names it in attachment_ids.
    Errors are problem JSON with a sentence in `detail`.
    """
    conversation = conversations.get_conversation_or_404(current_user, conversation_id)
    limit = _allow_files(1)
    if request.content_length and request.content_length > limit:
        return problem(413, "Content Too Large", _too_large_sentence(limit))
    try:
        storages = request.files.getlist("file")
    except RequestEntityTooLarge:
        return problem(413, "Content Too Large", _too_large_sentence(limit))
    try:
        if len(storages) != 1:
            raise ValidationFailed({"file": ["Send one file, in the form field “file”."]})
        (accepted,) = _accepted_files(storages, field="file")
        stored = conversations.upload_attachment(current_user, conversation, accepted)
    except ValidationFailed as exc:
        db.rollback_request()
        sentences = [s for messages in exc.problems.values() for s in messages]
        return problem(422, "Unprocessable Content", " ".join(sentences))
    except TooManyAttempts as exc:
        db.rollback_request()
        return problem(429, "Too Many Requests", str(exc))
    response = jsonify(conversations.attachment_json(conversation.id, stored))
    response.status_code = 201
    return response


# --- Files ----------------------------------------------------------------------------------
# Their own blueprint: a file is fetched by a signed-in browser (the page's <img>, a link)
# or by an integration with its API token, so one URL serves both.

files_bp = Blueprint("conversation_files", __name__)
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@files_bp.before_request
def _file_viewer():
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        # A token decides alone when it is sent, as on sockets: the cookie is ignored.
        person = accounts.person_for_api_token(secret.strip())
        if person is None:
            response = problem(401, "Unauthorized", AUTH_INVALID_DETAIL)
            response.headers["WWW-Authenticate"] = (
                'Bearer realm="Partner Hub", error="invalid_token"'
            )
            return response
        g._login_user = person
        return None
    if not current_user.is_authenticated:
        from hub.extensions import login_manager

        return login_manager.unauthorized()
    return None


@files_bp.get("/conversations/<int:conversation_id>/files/<int:file_id>")
def attachment(conversation_id: int, file_id: int):
    """A conversation's file: images inline, PDFs as a download; 404 outside your scope."""
    file = conversations.find_attachment(current_user, conversation_id, file_id)
    if file is None:
        abort(404)
    try:
        path = uploads.open_stored(file.path)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    is_image = file.content_type.startswith("image/")
    response = send_file(
        path,
        mimetype=file.content_type,
        as_attachment=not is_image,  # images show inline (still named for "Save as…")
        download_name=file.filename,
        conditional=True,
        etag=file.sha256[:32],
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    # Behind the access check: browsers may keep it, shared caches must not.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


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


def filesize(size: int) -> str:
    """A file's size for people: "840 bytes", "12 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


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
        # Always there (hidden at 0): static/js/hub.js updates it on the `unread` event.
        return Markup(
            '{} <span class="navcount" data-unread-conversations="{}"{}>{}'
            '<span class="visually-hidden"> unread</span></span>'
        ).format(label, count, Markup(" hidden") if not count else "", count)


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
                                "maxItems": conversations.MAX_ATTACHMENTS,
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
    conversation = conversations.get_conversation_or_404(person, conversation_id)
    files: list[uploads.AcceptedFile] = []
    if request.mimetype == "multipart/form-data":
        limit = _allow_files(conversations.MAX_ATTACHMENTS)
        _refuse_too_large(limit)
        try:
            form = request.form
            storages = request.files.getlist("files")
        except RequestEntityTooLarge:
            raise ApiProblem(413, "Content Too Large", _too_large_sentence(limit)) from None
        _only_fields({**form, **dict.fromkeys(request.files)}, {"client_msg_id", "body", "files"})
        data = {"client_msg_id": form.get("client_msg_id"), "body": form.get("body")}
        files = _accepted_files(storages)
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
        raise ApiProblem(413, "Content Too Large", _too_large_sentence(limit))


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
    conversation = conversations.get_conversation_or_404(person, conversation_id)
    if request.mimetype != "multipart/form-data":
        raise ApiProblem(
            415,
            "Unsupported Media Type",
            "Send the file as multipart/form-data in the field 'file'.",
        )
    limit = _allow_files(1)
    _refuse_too_large(limit)
    try:
        storages = request.files.getlist("file")
    except RequestEntityTooLarge:
        raise ApiProblem(413, "Content Too Large", _too_large_sentence(limit)) from None
    if len(storages) != 1:
        raise ValidationFailed({"file": ["Send one file, in the form field 'file'."]})
    (accepted,) = _accepted_files(storages, field="file")
    stored = conversations.upload_attachment(person, conversation, accepted)
    response = jsonify(conversations.attachment_json(conversation.id, stored))
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
    conversation = conversations.get_conversation_or_404(person, conversation_id)
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
    made = conversations.hand_off(person, conversation, target, note)
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
    conversation = conversations.get_conversation_or_404(person, conversation_id)
    return jsonify(handoff_json(conversations.accept_handoff(person, conversation)))


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
    conversation = conversations.get_conversation_or_404(person, conversation_id)
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
    conversation = conversations.get_conversation_or_404(person, conversation_id)
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
            "note": {"type": "string", "maxLength": conversations.MAX_NOTE},
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
                "maxItems": conversations.MAX_ATTACHMENTS,
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
    app.register_blueprint(files_bp)
    chat_events.init_app(app)
    call_events.init_app(app)
    realtime.on_presence_change(app, conversations.announce_presence)
    app.jinja_env.filters["filesize"] = filesize
    reg = registry(app)
    reg.nav.append(NavItem(_ConversationsLabel("Conversations"), "conversations.index", order=20))
    reg.context.insert(0, conversations.organization_facts)
    reg.add_job(
        Job("conversations.unread-reminders", timedelta(minutes=5), conversations.remind_unread)
    )
    reg.add_job(
        Job(
            "conversations.prune-unsent-uploads",
            timedelta(hours=1),
            conversations.prune_unsent_uploads,
        )
    )
    reg.demo.append(conversations.seed_demo)
