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
from hub.api import AUTH_INVALID_DETAIL
from hub.calls import events as call_events
from hub.calls import service as calls
from hub.conversations import events as chat_events
from hub.conversations import service as conversations
from hub.conversations.models import Conversation
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


# --- Wiring -------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Register the pages, the API, the socket events, the navigation item, the context
    card provider, the reminder job and the demo seeder."""
    from hub.conversations import api

    app.register_blueprint(bp)
    api.init_app(app)
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
