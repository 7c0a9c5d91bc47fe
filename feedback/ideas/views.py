"""Pages of ideas: the board per product line, posting an idea (with duplicate
suggestions while the title is typed), the idea page with votes, comments, following
and — for product managers — the status change with its message, and the photos.

Every route parses, calls the rules (posting, participation, status, search), renders;
an idea is visible to everyone signed in (feedback.ideas.access), a step the viewer may
not take is a 403.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, request, send_file, url_for
from flask_login import current_user, login_required

from feedback.ideas import (
    evidence,
    merging,
    moves,
    participation,
    posting,
    search,
    status,
    tags,
    triage,
)
from feedback.ideas.access import (
    PARTNERS_ONLY,
    TRIAGERS_ONLY,
    can_comment,
    can_post,
    can_triage,
    can_vote,
    get_visible,
    shown_name,
)
from feedback.ideas.forms import CommentForm, MergeForm, TagsForm, idea_form, status_form
from feedback.ideas.models import Idea, IdeaPhoto, IdeaStatus
from feedback.views import bp
from hub import db
from hub.errors import ValidationFailed
from hub.models import StoredFile
from hub.web.forms import apply_problems, flash_problems, submit_status
from hub.web.pages import (
    accepts_files,
    external_url,
    int_arg,
    render,
    see_other,
    stored_path_or_404,
)

PER_PAGE = 20
SUGGESTIONS = 5
# Other capabilities of feedback (field intelligence) add sections to the idea page:
# app.extensions[IDEA_SECTIONS] holds providers (viewer, idea) -> HTML ("" for none).
IDEA_SECTIONS = "feedback.idea_sections"


@bp.app_template_global("idea_author")
def _idea_author(person) -> str:
    return shown_name(current_user, person)


def idea_or_404(idea_id: int) -> Idea:
    idea = get_visible(current_user, idea_id)
    if idea is None:
        abort(404)
    return idea


# --- The board -----------------------------------------------------------------------------


@bp.get("/ideas")
@login_required
def idea_board():
    lines = posting.line_names()
    line_id = int_arg("line", 0)
    line = next((ln for ln in lines if ln.id == line_id), None)
    state = request.args.get("status", "")
    chosen = IdeaStatus(state) if state in {s.value for s in IdeaStatus} else None
    sort = request.args.get("sort", "votes")
    sort = sort if sort in ("votes", "newest") else "votes"
    tag = tags.normalise(request.args.get("tag", "")) or None
    rows, total = triage.board_page(
        current_user,
        triage.Filters(line.id if line else None, chosen, sort, tag=tag),
        int_arg("page"),
        PER_PAGE,
    )
    return render(
        "feedback/ideas/board.html",
        tag=tag,
        all_tags=tags.all_tags(),
        row_tags=tags.tags_of([idea.id for idea, _ in rows]),
        lines=lines,
        line=line,
        rows=rows,
        total=total,
        page=max(int_arg("page"), 1),
        pages=max(1, -(-total // PER_PAGE)),
        status=chosen,
        statuses=list(IdeaStatus),
        sort=sort,
        can_post=can_post(current_user),
    )


# --- Posting -------------------------------------------------------------------------------


def _new_page(form, kept=(), status_code=200):
    return render(
        "feedback/ideas/new.html",
        form=form,
        kept=list(kept),
        status=status_code,
        suggestions=search.similar(current_user, form.title.data or "", limit=SUGGESTIONS)
        if form.title.data
        else [],
    )


def _too_large(sentence: str):
    form = idea_form()
    form.photos.errors = [sentence]
    return _new_page(form, status_code=413)


def _kept_ids(raw: str) -> list[int]:
    return [int(part) for part in (raw or "").split(",") if part.strip().isdigit()][:10]


@bp.route("/ideas/new", methods=["GET", "POST"])
@login_required
@accepts_files(posting.MAX_PHOTOS, _too_large)
def idea_new():
    if not can_post(current_user):
        raise PermissionError(PARTNERS_ONLY)
    form = idea_form(int_arg("line", 0) or None)
    if not form.is_submitted():
        return _new_page(form)
    if not form.validate():  # the CSRF token
        return _new_page(form, status_code=422)
    kept = posting.unattached_photos(current_user, _kept_ids(form.kept_photos.data))
    photo_problems = []
    for upload in request.files.getlist("photos"):
        if not upload or not upload.filename:
            continue
        try:
            kept.append(posting.keep_photo(current_user, upload.read(), upload.filename))
        except ValidationFailed as exc:
            photo_problems += [m for msgs in exc.problems.values() for m in msgs]
    try:
        if photo_problems:
            problems = posting.field_problems(request.form)
            problems["photos"] = photo_problems
            raise ValidationFailed(problems)
        idea = posting.post_idea(current_user, request.form, kept)
    except ValidationFailed as exc:
        apply_problems(form, exc)
        # The photos that passed are kept (stored, on no idea yet) and sent with the form
        # again, so a refused post doesn't ask for them twice.
        form.kept_photos.data = ",".join(str(p.id) for p in kept)
        return _new_page(form, kept, status_code=submit_status(form))
    flash("Your idea is posted. You'll hear when its status changes.", "success")
    return see_other("feedback.idea_page", idea_id=idea.id)


@bp.get("/ideas/similar")
@login_required
def idea_similar():
    """The duplicate suggestions for a title being typed (htmx swaps them in)."""
    line_id = int_arg("product_line_id", 0) or None
    matches = search.similar(current_user, request.args.get("title", ""), limit=SUGGESTIONS)
    if line_id:
        matches.sort(key=lambda m: m.idea.product_line_id != line_id)  # same line first
    return render(
        "feedback/ideas/_similar.html",
        "feedback/ideas/_similar.html",
        suggestions=matches,
        can_vote=can_vote(current_user),
    )


# --- The idea page -------------------------------------------------------------------------


def idea_page_response(
    idea: Idea,
    *,
    status_code=200,
    comment_form=None,
    change_form=None,
    merge_form=None,
    tags_form=None,
):
    viewer = current_user
    triager = can_triage(viewer)
    merge = merging.current_merge(idea)
    idea_tags = tags.tags_of([idea.id]).get(idea.id, [])
    if tags_form is None:
        tags_form = TagsForm(formdata=None, data={"tags": ", ".join(idea_tags)})
    return render(
        "feedback/ideas/idea.html",
        idea=idea,
        status=status_code,
        merge=merge,
        undo_problem=merging.why_not_undoable(merge) if merge and triager else None,
        merged_here=merging.merges_into(idea),
        idea_tags=idea_tags,
        tags_form=tags_form,
        merge_form=merge_form or MergeForm(formdata=None),
        merge_candidates=[
            m.idea for m in search.similar(viewer, idea.title, limit=6) if m.idea.id != idea.id
        ][:5]
        if triager and merge is None
        else [],
        evidence=evidence.evidence_for(viewer, idea),
        sections=[
            html
            for provider in current_app.extensions.get(IDEA_SECTIONS, [])
            if (html := provider(viewer, idea))
        ],
        voted=participation.has_voted(viewer, idea),
        subscribed=participation.is_subscribed(viewer, idea),
        threads=participation.threads(idea),
        history=status.history(idea),
        can_vote=can_vote(viewer) and idea.status not in participation.CLOSED,
        can_comment=can_comment(viewer) and idea.status != IdeaStatus.MERGED,
        can_triage=triager,
        comment_form=comment_form or CommentForm(formdata=None),
        change_form=change_form or status_form(idea.status),
        breakdown=triage.breakdown(idea) if viewer.is_oem else None,
    )


@bp.get("/ideas/<int:idea_id>")
@login_required
def idea_page(idea_id: int):
    return idea_page_response(idea_or_404(idea_id))


@bp.post("/ideas/<int:idea_id>/vote")
@login_required
def idea_vote(idea_id: int):
    idea = idea_or_404(idea_id)
    with flash_problems():
        if request.form.get("withdraw") == "1":
            if participation.withdraw_vote(current_user, idea):
                flash("Your vote is withdrawn.", "success")
        elif participation.vote(current_user, idea):
            flash("Your vote is counted. You'll hear when its status changes.", "success")
    return see_other("feedback.idea_page", idea_id=idea.id)


@bp.post("/ideas/<int:idea_id>/subscription")
@login_required
def idea_subscription(idea_id: int):
    idea = idea_or_404(idea_id)
    active = request.form.get("active") == "1"
    with flash_problems():
        participation.set_subscription(current_user, idea, active)
        flash(
            "You'll hear when this idea's status changes."
            if active
            else "You won't hear about this idea's status changes any more.",
            "success",
        )
    return see_other("feedback.idea_page", idea_id=idea.id)


@bp.post("/ideas/<int:idea_id>/comments")
@login_required
def idea_comment(idea_id: int):
    idea = idea_or_404(idea_id)
    form = CommentForm()
    if form.validate():
        parent = form.parent_id.data
        try:
            participation.comment(
                current_user, idea, request.form.get("body", ""), int(parent) if parent else None
            )
        except (ValidationFailed, ValueError) as exc:
            if not isinstance(exc, ValidationFailed):
                exc = ValidationFailed({"parent_id": ["Reply to a comment on this idea."]})
            db.rollback_request()
            apply_problems(form, exc)
            return idea_page_response(idea_or_404(idea_id), status_code=422, comment_form=form)
        flash("Comment added.", "success")
        return see_other("feedback.idea_page", idea_id=idea.id, _anchor="comments")
    return idea_page_response(idea, status_code=422, comment_form=form)


@bp.post("/ideas/<int:idea_id>/status")
@login_required
def idea_status(idea_id: int):
    idea = idea_or_404(idea_id)
    if not can_triage(current_user):
        raise PermissionError(TRIAGERS_ONLY)
    form = status_form(idea.status)
    if form.validate():
        try:
            change, done = moves.move(
                current_user,
                idea,
                request.form.get("status", ""),
                request.form.get("message", ""),
                link=external_url("feedback.idea_page", idea_id=idea.id),
                path=url_for("feedback.idea_page", idea_id=idea.id),
            )
        except ValidationFailed as exc:
            db.rollback_request()
            apply_problems(form, exc)
            return idea_page_response(idea_or_404(idea_id), status_code=422, change_form=form)
        told = (
            f"{change.notified_count} following it were told"
            if change.fanout is None
            else f"the {change.fanout.audience:,} following it are being told"
        )
        flash(" ".join([f"Moved to {change.to_status.label.lower()}; {told}.", *done]), "success")
        return see_other("feedback.idea_page", idea_id=idea.id)
    return idea_page_response(idea, status_code=422, change_form=form)


@bp.get("/ideas/photos/<int:file_id>")
@login_required
def idea_photo(file_id: int):
    """A photo of an idea the viewer may see."""
    photo = db.session.scalar(sa.select(IdeaPhoto).where(IdeaPhoto.file_id == file_id))
    if photo is None or get_visible(current_user, photo.idea_id) is None:
        stored = db.session.get(StoredFile, file_id)
        # The poster sees a photo kept from a refused form (on no idea yet).
        if not (
            stored and stored.uploaded_by_id == current_user.id and stored.path.startswith("ideas/")
        ):
            abort(404)
    else:
        stored = photo.file
    response = send_file(stored_path_or_404(stored.path), mimetype=stored.content_type, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
