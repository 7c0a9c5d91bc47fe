"""The consultations JSON API (`/api/v1/consultations`): the consultations open for me,
one with the comments I may read, my signal, my comment.

Every route calls the rules the pages call; a consultation outside the caller's audience
is a 404; a role that may never signal or comment a 403 before the body is read; a
closed period a 409 with a sentence; bad input a 422.
"""

from __future__ import annotations

from flask import Flask, abort

from feedback.consultations import service
from feedback.consultations.access import (
    PARTNERS_ONLY,
    can_take_part,
    get_visible,
    visible_comments,
    visible_consultations,
)
from feedback.consultations.models import Consultation, ConsultationComment
from feedback.consultations.schemas import (
    ConsultationCommentInput,
    ConsultationCommentOut,
    ConsultationDetail,
    ConsultationQuery,
    ConsultationSummary,
    SignalInput,
)
from hub import db
from hub.api import Page, allow_only, api_blueprint, context, current_person, openapi, operation

bp = api_blueprint("consultations_api", __name__, url_prefix="/api/v1/consultations")
TAGS = ["consultations"]


def _consultation_or_404(consultation_id: int) -> Consultation:
    consultation = get_visible(current_person(), consultation_id)
    if consultation is None:
        abort(404)
    return consultation


def _detail(consultation: Consultation) -> ConsultationDetail:
    person = current_person()
    db.session.flush()
    comments = list(
        db.session.scalars(
            visible_comments(person, consultation).order_by(
                ConsultationComment.created_at, ConsultationComment.id
            )
        )
    )
    return ConsultationDetail.of_for(consultation, person, comments)


@bp.get("")
@operation(
    "Program consultations for me",
    description=(
        "The program changes open for comment that ask your organisation (OEM staff: all), "
        "newest first; `state` picks others."
    ),
    tags=TAGS,
    query=ConsultationQuery,
    responses={200: (Page[ConsultationSummary], "The consultations, on one page.")},
)
def list_consultations():
    args: ConsultationQuery = context().query
    rows = visible_consultations(current_person())
    if args.state != "any":
        rows = [c for c in rows if service.state(c) == args.state]
    return Page[ConsultationSummary](
        data=[ConsultationSummary.of(c) for c in rows], next_cursor=None
    )


@bp.get("/<int:consultation_id>")
@operation(
    "One consultation: the change, the rule as it stood, your signal, the comments you may "
    "read and the response",
    tags=TAGS,
    responses={200: (ConsultationDetail, "The consultation.")},
)
def get_consultation(consultation_id: int):
    return _detail(_consultation_or_404(consultation_id))


@bp.post("/<int:consultation_id>/signal")
@operation(
    "Agree or say you're concerned (partner users asked)",
    description="One signal per person, changeable while comments are open (409 after).",
    tags=TAGS,
    json=SignalInput,
    responses={200: (ConsultationDetail, "The consultation with your signal.")},
    problems=(403, 409),
    before=allow_only(can_take_part, PARTNERS_ONLY),
)
def signal_consultation(consultation_id: int):
    consultation = _consultation_or_404(consultation_id)
    body: SignalInput = context().json
    service.give_signal(current_person(), consultation, body.signal)
    return _detail(consultation)


@bp.post("/<int:consultation_id>/comments")
@operation(
    "Comment on a consultation (partner users asked)",
    description="Plain text, read by the program team (409 once comments have closed).",
    tags=TAGS,
    json=ConsultationCommentInput,
    responses={201: (ConsultationCommentOut, "Your comment.")},
    problems=(403, 409),
    before=allow_only(can_take_part, PARTNERS_ONLY),
)
def comment_consultation(consultation_id: int):
    consultation = _consultation_or_404(consultation_id)
    body: ConsultationCommentInput = context().json
    row = service.add_comment(current_person(), consultation, body.body)
    return ConsultationCommentOut.of(row, current_person()), 201


def init_app(app: Flask) -> None:
    openapi.register_tag(
        "consultations",
        "Program changes open for comment: read them, agree or say you're concerned, comment.",
        app=app,
    )
    app.register_blueprint(bp)
