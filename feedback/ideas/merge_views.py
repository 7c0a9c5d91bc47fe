"""Product managers' steps on an idea page: merging it into another idea (and undoing
that), and its tags. Each parses, calls the rule (feedback.ideas.merging, .tags) and
goes back to the idea page; a refused form comes back on the page with its sentences."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from feedback.ideas import merging, tags
from feedback.ideas.access import TRIAGERS_ONLY, can_triage
from feedback.ideas.forms import MergeForm, TagsForm
from feedback.ideas.models import IdeaMerge
from feedback.ideas.views import idea_or_404, idea_page_response
from feedback.views import bp
from hub import db
from hub.errors import ValidationFailed
from hub.web.forms import flash_problems, refused
from hub.web.pages import external_url, see_other


def _triager_only() -> None:
    if not can_triage(current_user):
        raise PermissionError(TRIAGERS_ONLY)


@bp.post("/ideas/<int:idea_id>/merge")
@login_required
def idea_merge(idea_id: int):
    idea = idea_or_404(idea_id)
    _triager_only()
    form = MergeForm()
    if form.validate():
        target = merging.find_target(idea, request.form.get("target"))
        target_id = target.id if target else 0
        try:
            record = merging.merge(
                current_user,
                idea,
                request.form.get("target", ""),
                request.form.get("reason", ""),
                link=external_url("feedback.idea_page", idea_id=target_id),
                path=url_for("feedback.idea_page", idea_id=target_id),
            )
        except ValidationFailed as exc:
            refused(form, exc)
            return idea_page_response(idea_or_404(idea_id), status_code=422, merge_form=form)
        moved = record.moved
        flash(
            f"Merged into “{record.target.title}”: {len(moved['votes_moved'])} votes moved, "
            f"{len(moved['votes_dropped'])} counted once, {len(moved['comments'])} comments moved.",
            "success",
        )
        return see_other("feedback.idea_page", idea_id=record.target_id)
    return idea_page_response(idea, status_code=422, merge_form=form)


@bp.post("/ideas/merges/<int:merge_id>/undo")
@login_required
def idea_merge_undo(merge_id: int):
    record = db.session.scalar(sa.select(IdeaMerge).where(IdeaMerge.id == merge_id))
    if record is None:
        abort(404)
    idea_or_404(record.source_id)
    _triager_only()
    with flash_problems():
        merging.undo(current_user, record)
        flash("The merge is undone: both ideas are as they were before it.", "success")
    return see_other("feedback.idea_page", idea_id=record.source_id)


@bp.post("/ideas/<int:idea_id>/tags")
@login_required
def idea_tags(idea_id: int):
    idea = idea_or_404(idea_id)
    _triager_only()
    form = TagsForm()
    if form.validate():
        try:
            saved = tags.set_tags(current_user, idea, request.form.get("tags", ""))
        except ValidationFailed as exc:
            refused(form, exc)
            return idea_page_response(idea_or_404(idea_id), status_code=422, tags_form=form)
        flash(f"Tags saved: {', '.join(saved) or 'none'}.", "success")
        return see_other("feedback.idea_page", idea_id=idea.id)
    return idea_page_response(idea, status_code=422, tags_form=form)
