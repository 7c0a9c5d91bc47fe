"""Conversations on the web: the pages (/conversations) and their forms' posts, the
navigation item with its unread badge, and the wiring of the capability (the context card
provider, the reminder and pruning jobs, the demo seeder).

Every page works as plain links and form posts; static/js/chat.js adds the live parts
over Socket.IO (hub/conversations/events.py). Every route calls the rules in
hub.conversations. The files are served by hub/conversations/files.py, the JSON API by
hub/conversations/api.py.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup

from hub import db
from hub.calls import service as calls
from hub.conversations import access, attachments, context, panels, reads, reminders, routing
from hub.conversations import service as conversations
from hub.conversations.files import files_bp
from hub.conversations.forms import (
    HandoffForm,
    MessageForm,
    StartConversationForm,
    StatusForm,
    ask_expert_form,
    new_id,
    start_form,
)
from hub.conversations.handoff import (
    accept_handoff,
    hand_off,
    handoff_targets,
    handoffs,
    pending_handoff,
    take_conversation,
)
from hub.conversations.models import Conversation
from hub.conversations.transcript import transcript
from hub.demo import conversations as demo
from hub.errors import TooManyAttempts, ValidationFailed
from hub.extensions import login_manager
from hub.models import Person, Role
from hub.realtime.service import presence_of
from hub.registry import Job, NavItem, registry
from hub.web.errors import problem
from hub.web.forms import EmptyForm, apply_problems
from hub.web.pages import accepts_files, int_arg, render, see_other
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
        return login_manager.unauthorized()
    return None


def _as_int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


# --- Pages ------------------------------------------------------------------------------


@bp.get("/conversations")
def index():
    return _render_index(start_form() if not current_user.is_oem else None)


def _render_index(form: StartConversationForm | None, status: int = 200):
    sees_queue = current_user.role in (Role.CHANNEL_MANAGER, Role.PROGRAM_ADMIN)
    state = request.args.get("state", "active")
    if state not in STATES or (state == "queue" and not sees_queue):
        state = "active"
    page = paginate_page(
        conversations.list_conversations(current_user, state), int_arg("page"), PAGE_SIZE
    )
    return render(
        "hub/conversations/index.html",
        page=page,
        read=reads.read_positions(current_user, [c.id for c in page.items]),
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
    form = start_form()
    status = 422
    if form.validate_on_submit():
        try:
            conversation, _created = conversations.start_conversation(
                current_user,
                form.subject.data,
                form.body.data,
                _as_int(form.product_line_id.data),
                form.client_msg_id.data or None,
                to_product_manager=form.to_product_manager.data == "1",
            )
            flash(_started_sentence(conversation), "success")
            return see_other("conversations.detail", conversation_id=conversation.id)
        except ValidationFailed as exc:
            apply_problems(form, _moved(exc, "client_msg_id", "body", _SENT_BEFORE))
            form.client_msg_id.data = new_id()
        except TooManyAttempts as exc:
            form.form_errors.append(str(exc))
            status = 429
    line = _expert_line(form.product_line_id.data)
    if form.to_product_manager.data == "1" and line is not None:
        return _render_ask(line, form, status)
    return _render_index(form, status)


def _started_sentence(conversation: Conversation) -> str:
    assignee = conversation.assignee
    if assignee is not None and assignee.role == Role.PRODUCT_MANAGER:
        return f"Sent to {assignee.name}. You'll see the answer here."
    return "Your conversation is open. You'll see answers here as they come."


def _expert_line(value) -> tuple | None:
    """(line, its product managers) for a product line id that has any, else None."""
    line_id = _as_int(value)
    return next((pair for pair in routing.lines_with_experts() if pair[0].id == line_id), None)


@bp.get("/conversations/new")
def ask_expert():
    """“Ask a product expert”: the start form with the product line chosen, going to its
    product manager (a line without one: the ordinary start form)."""
    if current_user.is_oem:
        abort(403)
    line = _expert_line(request.args.get("product_line"))
    if line is None:
        return redirect(url_for("conversations.index", _anchor="start"), code=303)
    return _render_ask(line, ask_expert_form(line[0]))


def _render_ask(line: tuple, form: StartConversationForm, status: int = 200):
    product_line, experts = line
    return render(
        "hub/conversations/ask.html",
        line=product_line,
        expert=experts[0],
        form=form,
        status=status,
    )


_SENT_BEFORE = ["This form was sent before; check the conversation, then send again if needed."]


def _moved(exc: ValidationFailed, source: str, target: str, instead=None) -> ValidationFailed:
    """Show the problems of a field the page does not show (the hidden client_msg_id, the
    script's attachment_ids) on one it does: the same sentences, or `instead`."""
    if source not in exc.problems:
        return exc
    moved = {k: v for k, v in exc.problems.items() if k != source}
    moved.setdefault(target, []).extend(instead or exc.problems[source])
    return ValidationFailed(moved)


def _sentences(exc: ValidationFailed) -> str:
    return " ".join(s for messages in exc.problems.values() for s in messages)


@bp.get("/conversations/<int:conversation_id>")
def detail(conversation_id: int):
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    position = reads.read_positions(current_user, [conversation.id]).get(conversation.id)
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
        message_form.client_msg_id.data = new_id()
    messages = transcript(conversation)
    ctx = _parts_context(conversation)
    ctx.update(
        messages=messages,
        files=attachments.attachments_of(m.id for m in messages),
        # The person, not the proxy: each message's actions read them several times.
        actions=registry().message_actions_for(
            current_user._get_current_object(), conversation, messages
        ),
        message_form=message_form,
        live_call=calls.live_call(conversation),
        max_body=conversations.MAX_BODY,
        max_files=attachments.MAX_ATTACHMENTS,
        max_file_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024),
    )
    return render("hub/conversations/detail.html", status=status, **ctx)


def _parts_context(conversation: Conversation) -> dict:
    """What templates/hub/conversations/_parts.html shows: the parts of the page that change
    while it is open."""
    viewer = current_user._get_current_object()
    people = reads.participants(conversation)
    status_form = StatusForm(formdata=None, status=conversation.status.value)
    status_form.status.choices = [(s.value, s.label) for s in access.statuses_for(viewer)]
    ctx = {
        "conversation": conversation,
        "participants": people,
        "presence": presence_of([p.person_id for p in people]),
        "status_form": status_form,
        "action_form": EmptyForm(formdata=None),
        "pending": pending_handoff(conversation),
        "can_take": access.can_take(viewer, conversation),
        "is_oem": viewer.is_oem,
    }
    if viewer.is_oem:
        handoff_form = HandoffForm(formdata=None)
        handoff_form.to_person_id.choices = [
            (str(p.id), f"{p.name} — {p.role.label.lower()}")
            for p in handoff_targets(conversation, viewer)
        ]
        ctx.update(
            facts=context.context_card(conversation, viewer),
            handoffs=handoffs(conversation),
            handoff_form=handoff_form,
        )
    return ctx


@bp.get("/conversations/<int:conversation_id>/parts")
def live_parts(conversation_id: int):
    """The changing parts of an open conversation page again (state, who handles it,
    people, status, hand-offs), for static/js/chat.js to swap in after a message arrives.
    Reading them marks nothing read: the page's socket does that while it is in view."""
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    return render("hub/conversations/_live.html", **_parts_context(conversation))


def _message_too_large(sentence: str, conversation_id: int):
    """The conversation again, the sentence at the message form's files (the body was
    too large to read; static/js/chat.js refuses such files before sending)."""
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    form = MessageForm(formdata=None)
    form.client_msg_id.data = new_id()
    form.files.errors = [sentence]
    return _render_detail(conversation, form, 413)


@bp.post("/conversations/<int:conversation_id>/messages")
@accepts_files(attachments.MAX_ATTACHMENTS, _message_too_large)
def post_message(conversation_id: int):
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    form = MessageForm()
    status = 422
    if form.validate_on_submit():
        try:
            message, _created = conversations.send_message(
                current_user,
                conversation,
                form.client_msg_id.data or new_id(),
                form.body.data,
                files=attachments.accept_files(request.files.getlist("files")),
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
            apply_problems(
                form,
                _moved(
                    _moved(exc, "attachment_ids", "files"), "client_msg_id", "body", _SENT_BEFORE
                ),
            )
            form.client_msg_id.data = new_id()
        except TooManyAttempts as exc:
            apply_problems(form, ValidationFailed({"body": [str(exc)]}))
            status = 429
    return _render_detail(conversation, form, status)


def _upload_too_large(sentence: str, conversation_id: int):
    return problem(413, "Content Too Large", sentence)


@bp.post("/conversations/<int:conversation_id>/attachments")
@accepts_files(1, _upload_too_large)
def upload(conversation_id: int):
    """Upload one file for a message about to be sent (static/js/chat.js, with progress).

    Answers 201 with the attachment's JSON; the message then names it in attachment_ids.
    Errors are problem JSON with a sentence in `detail`.
    """
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    storages = request.files.getlist("file")  # within the limit: see accepts_files
    try:
        if len(storages) != 1:
            raise ValidationFailed({"file": ["Send one file, in the form field “file”."]})
        (accepted,) = attachments.accept_files(storages, field="file")
        stored = attachments.upload_attachment(current_user, conversation, accepted)
    except ValidationFailed as exc:
        db.rollback_request()
        return problem(422, "Unprocessable Content", _sentences(exc))
    except TooManyAttempts as exc:
        db.rollback_request()
        return problem(429, "Too Many Requests", str(exc))
    response = jsonify(attachments.attachment_json(conversation.id, stored))
    response.status_code = 201
    return response


@bp.post("/conversations/<int:conversation_id>/handoff")
def handoff(conversation_id: int):
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    if not access.can_hand_off(current_user, conversation):
        abort(403)
    form = HandoffForm()
    if form.validate_on_submit():
        target_id = _as_int(form.to_person_id.data)
        target = db.session.get(Person, target_id) if target_id else None
        try:
            hand_off(current_user, conversation, target, form.note.data)
            flash(f"Handed to {target.name}; they have been notified.", "success")
        except ValidationFailed as exc:
            flash(_sentences(exc), "error")
    else:
        flash("The form expired; please try again.", "error")
    return see_other("conversations.detail", conversation_id=conversation.id)


@bp.post("/conversations/<int:conversation_id>/accept")
def accept(conversation_id: int):
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    if EmptyForm().validate_on_submit():
        try:
            accept_handoff(current_user, conversation)
        except PermissionError:
            abort(403)
        flash("The conversation is yours now.", "success")
    return see_other("conversations.detail", conversation_id=conversation.id)


@bp.post("/conversations/<int:conversation_id>/take")
def take(conversation_id: int):
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    if current_user.role != Role.CHANNEL_MANAGER:
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            take_conversation(current_user, conversation)
            flash("The conversation is yours now.", "success")
        except ValidationFailed as exc:  # someone else took it first
            flash(_sentences(exc), "error")
    return see_other("conversations.detail", conversation_id=conversation.id)


@bp.post("/conversations/<int:conversation_id>/status")
def change_status(conversation_id: int):
    conversation = access.get_conversation_or_404(current_user, conversation_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            if conversations.set_status(current_user, conversation, form.status.data):
                flash(f"Status: {conversation.status.label}.", "success")
        except PermissionError:
            abort(403)
        except ValidationFailed as exc:
            flash(_sentences(exc), "error")
    return see_other("conversations.detail", conversation_id=conversation.id)


def filesize(size: int) -> str:
    """A file's size for people: "840 bytes", "12 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# --- Navigation -------------------------------------------------------------------------


_BADGE = Markup(
    '<span class="navcount" data-unread-conversations="%d"%s>%d'
    '<span class="visually-hidden"> unread</span></span>'
)


def _unread_badge(person) -> Markup:
    """The viewer's unread-conversations count beside "Conversations" in the navigation.
    Always there (hidden at 0): static/js/hub.js updates it on the `unread` event."""
    count = reads.unread_conversation_count(person)
    return _BADGE % (count, "" if count else " hidden", count)


# --- Wiring -------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Register the pages, the file serving, the navigation item, the context card
    provider, the reminder and pruning jobs and the demo seeder. (The API registers in
    hub.conversations.api, the socket events in hub.conversations.events.)"""
    app.register_blueprint(bp)
    app.register_blueprint(files_bp)
    app.jinja_env.filters["filesize"] = filesize
    reg = registry(app)
    reg.nav.append(NavItem("Conversations", "conversations.index", order=20, badge=_unread_badge))
    reg.context.insert(0, context.organization_facts)
    reg.panels.extend([panels.waiting_panel, panels.ask_expert_panel])
    reg.add_job(
        Job("conversations.unread-reminders", timedelta(minutes=5), reminders.remind_unread)
    )
    reg.add_job(
        Job(
            "conversations.prune-unsent-uploads",
            timedelta(hours=1),
            attachments.prune_unsent_uploads,
        )
    )
    reg.demo.append(demo.seed_demo)
