"""The ideas JSON API (`/api/v1/ideas`): list (filters, search), post, read, vote,
comment and — for product managers and program admins — change the status.

Every route calls the rules the pages call; every idea is visible to every signed-in
person (feedback.ideas.access), a missing one is a 404, a role that may never take the
step a 403 before the body is read, a second vote a 409, bad input a 422 with a
sentence per problem.
"""

from __future__ import annotations

from flask import Flask, abort, url_for

from feedback.ideas import moves, participation, posting, search
from feedback.ideas.access import (
    PARTNERS_ONLY,
    TRIAGERS_ONLY,
    can_post,
    can_triage,
    can_vote,
    get_visible,
    visible_ideas,
)
from feedback.ideas.models import Idea, IdeaStatus
from feedback.ideas.schemas import (
    CommentInput,
    CommentOut,
    IdeaDetail,
    IdeaInput,
    IdeaQuery,
    IdeaSummary,
    StatusInput,
)
from hub import db
from hub.api import Page, allow_only, api_blueprint, context, current_person, operation, paginate
from hub.web.pages import external_url

bp = api_blueprint("ideas_api", __name__, url_prefix="/api/v1/ideas")
TAGS = ["ideas"]
LOCATION = {"Location": {"description": "Its URL.", "schema": {"type": "string"}}}


def _idea_or_404(idea_id: int) -> Idea:
    idea = get_visible(current_person(), idea_id)
    if idea is None:
        abort(404)
    return idea


def _detail(idea: Idea):
    db.session.flush()
    return IdeaDetail.of_for(idea, current_person())


@bp.get("")
@operation(
    "Ideas",
    description=(
        "Every idea of the program, in id order, filtered by product line and status. "
        "With q: the best matches for those words (word forms and small typos match), "
        "best first, on one page."
    ),
    tags=TAGS,
    query=IdeaQuery,
    responses={200: (Page[IdeaSummary], "One page of ideas.")},
)
def list_ideas():
    person = current_person()
    args: IdeaQuery = context().query
    if args.q:
        matches = search.similar(
            person, args.q, product_line_id=args.product_line_id, limit=args.limit
        )
        if args.status:
            matches = [m for m in matches if m.idea.status.value == args.status]
        return Page[IdeaSummary](data=[IdeaSummary.of(m.idea) for m in matches], next_cursor=None)
    stmt = visible_ideas(person)
    if args.product_line_id is not None:
        stmt = stmt.where(Idea.product_line_id == args.product_line_id)
    if args.status:
        stmt = stmt.where(Idea.status == IdeaStatus(args.status))
    return paginate(stmt, Idea.id, IdeaSummary.of, args)


@bp.post("")
@operation(
    "Post an idea (partner users)",
    description="Title, the customer's problem and optionally the idea itself; you follow it.",
    tags=TAGS,
    json=IdeaInput,
    responses={201: (IdeaDetail, "The new idea.")},
    response_headers={201: LOCATION},
    problems=(403,),
    before=allow_only(can_post, PARTNERS_ONLY),
)
def create_idea():
    body: IdeaInput = context().json
    idea = posting.post_idea(current_person(), body.model_dump())
    location = url_for("ideas_api.get_idea", idea_id=idea.id)
    return _detail(idea), 201, {"Location": location}


@bp.get("/<int:idea_id>")
@operation(
    "One idea with its comments and status history",
    tags=TAGS,
    responses={200: (IdeaDetail, "The idea.")},
)
def get_idea(idea_id: int):
    return _detail(_idea_or_404(idea_id))


@bp.post("/<int:idea_id>/vote")
@operation(
    "Vote for an idea (partner users)",
    description="One vote per person: a second one is refused (409) and changes nothing.",
    tags=TAGS,
    responses={200: (IdeaDetail, "The idea with your vote.")},
    problems=(403, 409),
    before=allow_only(can_vote, PARTNERS_ONLY),
)
def vote_idea(idea_id: int):
    idea = _idea_or_404(idea_id)
    participation.vote(current_person(), idea)
    return _detail(idea)


@bp.delete("/<int:idea_id>/vote")
@operation(
    "Withdraw your vote",
    tags=TAGS,
    responses={200: (IdeaDetail, "The idea without your vote.")},
)
def withdraw_vote(idea_id: int):
    idea = _idea_or_404(idea_id)
    participation.withdraw_vote(current_person(), idea)
    return _detail(idea)


@bp.post("/<int:idea_id>/comments")
@operation(
    "Comment on an idea, or reply to a comment",
    tags=TAGS,
    json=CommentInput,
    responses={201: (CommentOut, "The comment.")},
)
def comment_idea(idea_id: int):
    idea = _idea_or_404(idea_id)
    body: CommentInput = context().json
    row = participation.comment(current_person(), idea, body.body, body.parent_id)
    return CommentOut.of(row, current_person()), 201


@bp.post("/<int:idea_id>/status")
@operation(
    "Change an idea's status (product managers and program admins)",
    description=(
        "Always with a message, sent in the app and by e-mail to everyone following the "
        "idea (its voters, commenters and subscribers); declining needs the reason. "
        "Moving it to in_beta also invites its voters not invited yet to the beta programs "
        "linked to it that take applications."
    ),
    tags=TAGS,
    json=StatusInput,
    responses={200: (IdeaDetail, "The idea in its new status.")},
    problems=(403,),
    before=allow_only(can_triage, TRIAGERS_ONLY),
)
def change_idea_status(idea_id: int):
    idea = _idea_or_404(idea_id)
    body: StatusInput = context().json
    moves.move(
        current_person(),
        idea,
        body.status,
        body.message,
        link=external_url("feedback.idea_page", idea_id=idea.id),
        path=url_for("feedback.idea_page", idea_id=idea.id),
    )
    return _detail(idea)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
