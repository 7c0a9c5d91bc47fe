"""The learning API's practical assessment status
(`/api/v1/learning/assessments/{id}`): a submission's state, for the learner, their
organisation's partner admins (and those above) and the reviewers; a 404 for anyone
else. Declared with `@operation` (hub.api) like learning/paths/api.py."""

from __future__ import annotations

from flask import Flask

from hub.api import api_blueprint, current_person, operation
from learning.assessments import service
from learning.assessments.schemas import Submission

bp = api_blueprint("learning_assessments_api", __name__, url_prefix="/api/v1/learning")
TAG = "learning"


@bp.get("/assessments/<int:submission_id>")
@operation(
    "A practical assessment submission",
    description="Its status (waiting, more asked for, signed off), round and the "
    "reviewer's last message. In scope: your own; your organisation's people for a partner "
    "admin; all for product managers and program admins.",
    responses={200: (Submission, "The submission.")},
    tags=[TAG],
)
def get_submission(submission_id: int):
    return Submission.of(service.get_submission_or_404(current_person(), submission_id))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
