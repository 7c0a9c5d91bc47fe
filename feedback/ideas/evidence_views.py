"""From a conversation to an idea: the pages behind the two actions feedback offers on
each partner message of a conversation (hub's `message_actions` extension point) —
“Turn into idea” (a prefilled idea form) and “Attach to idea as evidence” (pick an idea
by search). Only the product manager handling the conversation (feedback.ideas.evidence);
a conversation the viewer can't see is a 404."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from feedback.ideas import evidence, search
from feedback.ideas.access import get_visible
from feedback.ideas.forms import EvidenceForm, from_message_form
from feedback.views import bp
from hub.errors import ValidationFailed
from hub.web.forms import refused, submit_status
from hub.web.pages import render, see_other

RESULTS = 8


def message_actions(viewer, conversation, message) -> list[tuple[str, str]]:
    """hub's message_actions provider: the two actions, for the product manager handling
    the conversation, on messages partners wrote."""
    if not evidence.qualifies(message) or not evidence.handles(viewer, conversation):
        return []
    return [
        ("Turn into idea", url_for("feedback.idea_from_message", message_id=message.id)),
        (
            "Attach to idea as evidence",
            url_for("feedback.idea_evidence_new", message_id=message.id),
        ),
    ]


def _message_or_404(message_id: int):
    found = evidence.message_for(current_user, message_id)
    if found is None:
        abort(404)
    return found


@bp.route("/ideas/from-message/<int:message_id>", methods=["GET", "POST"])
@login_required
def idea_from_message(message_id: int):
    message, conversation = _message_or_404(message_id)
    initial = None if request.method == "POST" else evidence.prefill(message, conversation)
    form = from_message_form(initial)
    if form.is_submitted() and form.validate():
        try:
            idea = evidence.idea_from_message(current_user, message, conversation, request.form)
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash(
                f"The idea is posted for {conversation.organization.name}; "
                f"{message.author.name} follows it and will hear back.",
                "success",
            )
            return see_other("feedback.idea_page", idea_id=idea.id)
    return render(
        "feedback/ideas/from_message.html",
        form=form,
        message=message,
        conversation=conversation,
        status=submit_status(form),
    )


@bp.route("/ideas/evidence/<int:message_id>", methods=["GET", "POST"])
@login_required
def idea_evidence_new(message_id: int):
    message, conversation = _message_or_404(message_id)
    form = EvidenceForm()
    query = request.args.get("q")
    if query is None:
        query = evidence.prefill(message, conversation)["title"].rstrip("…")
    if form.is_submitted() and form.validate():
        raw = request.form.get("idea_id", "")
        idea = get_visible(current_user, int(raw)) if raw.isdigit() and len(raw) < 12 else None
        try:
            row = evidence.attach(
                current_user, message, conversation, idea, request.form.get("note", "")
            )
        except ValidationFailed as exc:
            refused(form, exc)
        else:
            flash("The message is attached to the idea as evidence.", "success")
            return see_other("feedback.idea_page", idea_id=row.idea_id, _anchor="evidence")
    return render(
        "feedback/ideas/evidence_new.html",
        form=form,
        message=message,
        conversation=conversation,
        query=query,
        results=[m.idea for m in search.similar(current_user, query, limit=RESULTS)],
        status=submit_status(form),
    )
