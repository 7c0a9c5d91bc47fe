"""The product managers' triage view (ideas sorted by weighted score or votes, votes by
tier, filters by product line and status) and the program admin's tier weights."""

from __future__ import annotations

from flask import flash, request
from flask_login import current_user, login_required

from feedback.ideas import posting, tags, triage
from feedback.ideas.access import can_set_weights, can_triage
from feedback.ideas.forms import weights_form
from feedback.ideas.models import IdeaStatus
from feedback.views import bp
from hub.errors import ValidationFailed
from hub.web.forms import apply_problems, submit_status
from hub.web.pages import int_arg, render, see_other

PER_PAGE = 25


@bp.get("/triage")
@login_required
def idea_triage():
    if not can_triage(current_user):
        raise PermissionError("The triage view is the product managers'.")
    lines = posting.product_lines()
    line_id = int_arg("line", 0)
    line = next((ln for ln in lines if ln.id == line_id), None)
    state = request.args.get("status", "open")  # open ideas unless another status is asked
    chosen = IdeaStatus(state) if state in {s.value for s in IdeaStatus} else None
    sort = request.args.get("sort", "score")
    sort = sort if sort in triage.SORTS else "score"
    tag = tags.normalise(request.args.get("tag", "")) or None
    filters = triage.Filters(
        line.id if line else None, chosen, sort, open_only=state == "open", tag=tag
    )
    stmt = triage.ranked(current_user, filters)
    page = max(int_arg("page"), 1)
    rows, total = triage.page_of(stmt, page, PER_PAGE)
    return render(
        "feedback/ideas/triage.html",
        lines=lines,
        line=line,
        rows=rows,
        tiers=triage.tier_counts([idea.id for idea, _ in rows]),
        tag=tag,
        all_tags=tags.all_tags(),
        row_tags=tags.tags_of([idea.id for idea, _ in rows]),
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        status=chosen,
        open_only=filters.open_only,
        statuses=list(IdeaStatus),
        sort=sort,
        sorts=triage.SORTS,
        can_set_weights=can_set_weights(current_user),
        weights=triage.weights(),
    )


@bp.route("/triage/weights", methods=["GET", "POST"])
@login_required
def idea_weights():
    if not can_set_weights(current_user):
        raise PermissionError("Only program admins set how much each tier's votes weigh.")
    form, tiers = weights_form()
    if form.is_submitted() and form.validate():
        values = {tier.id: request.form.get(f"tier_{tier.id}", "") for tier in tiers}
        try:
            triage.set_weights(current_user, values)
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            flash("Tier weights saved; the triage view's weighted scores use them now.", "success")
            return see_other("feedback.idea_triage")
    return render("feedback/ideas/weights.html", form=form, tiers=tiers, status=submit_status(form))
