"""Who sees and reviews practical assessment submissions: the learner, the partner
admins of their organisation and of those above it, and the reviewers (product managers
and program admins); for anyone else a submission and its files do not exist (404)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from hub import db, policy
from hub.models import Person, Role
from learning.assessments.models import (
    AssessmentEvidence,
    AssessmentSubmission,
    SubmissionStatus,
)

REVIEWER_ROLES = (Role.PRODUCT_MANAGER, Role.PROGRAM_ADMIN)


def is_reviewer(person: Person) -> bool:
    return person.role in REVIEWER_ROLES


def visible_submissions(viewer: Person) -> sa.Select:
    """SELECT of the submissions the viewer may see: reviewers all; a partner admin those
    of the people of their organisation and those beneath it; anyone their own."""
    stmt = sa.select(AssessmentSubmission)
    if is_reviewer(viewer):
        return stmt
    if viewer.role == Role.PARTNER_ADMIN:
        in_scope = sa.select(Person.id).where(
            Person.organization_id.in_(policy.visible_organization_ids(viewer))
        )
        return stmt.where(
            sa.or_(
                AssessmentSubmission.person_id == viewer.id,
                AssessmentSubmission.person_id.in_(in_scope),
            )
        )
    return stmt.where(AssessmentSubmission.person_id == viewer.id)


def get_submission_or_404(viewer: Person, submission_id: int) -> AssessmentSubmission:
    found = db.session.scalar(
        visible_submissions(viewer).where(AssessmentSubmission.id == submission_id)
    )
    if found is None:
        abort(404)
    return found


def evidence_or_404(viewer: Person, submission_id: int, evidence_id: int) -> AssessmentEvidence:
    """An evidence file of a submission the viewer may see; a 404 otherwise."""
    submission = get_submission_or_404(viewer, submission_id)
    found = next((e for e in submission.evidence if e.id == evidence_id), None)
    if found is None:
        abort(404)
    return found


def queue(reviewer: Person) -> list[AssessmentSubmission]:
    """The submissions waiting for a reviewer, oldest first (reviewers only)."""
    if not is_reviewer(reviewer):
        return []
    return list(
        db.session.scalars(
            sa.select(AssessmentSubmission)
            .where(AssessmentSubmission.status == SubmissionStatus.SUBMITTED)
            .order_by(AssessmentSubmission.submitted_at, AssessmentSubmission.id)
        )
    )


def recently_reviewed(reviewer: Person, limit: int = 20) -> list[AssessmentSubmission]:
    if not is_reviewer(reviewer):
        return []
    return list(
        db.session.scalars(
            sa.select(AssessmentSubmission)
            .where(AssessmentSubmission.reviewed_at.is_not(None))
            .order_by(AssessmentSubmission.reviewed_at.desc())
            .limit(limit)
        )
    )
