"""The shapes of the learning API's practical assessment submissions."""

from __future__ import annotations

from pydantic import Field

from hub.api import NamedRef, Output, iso_utc
from hub.api.schemas import UtcTime, one_of
from learning.assessments.models import AssessmentSubmission, SubmissionStatus

STATUS = one_of(SubmissionStatus)


class Submission(Output):
    id: int
    person: NamedRef
    level_id: int
    level_title: str
    status: STATUS = Field(description="submitted (waiting), more_requested or signed_off.")
    round: int = Field(description="1 for the first submission, then one more each time.")
    submitted_at: UtcTime
    reviewed_at: UtcTime | None
    reviewer: NamedRef | None
    review_message: str = Field(description="The reviewer's last message.")
    files: int = Field(description="How many evidence files, all rounds.")

    @classmethod
    def of(cls, s: AssessmentSubmission) -> Submission:
        return cls(
            id=s.id,
            person=NamedRef.of(s.person),
            level_id=s.level_id,
            level_title=s.level.title,
            status=s.status.value,
            round=s.round,
            submitted_at=iso_utc(s.submitted_at),
            reviewed_at=iso_utc(s.reviewed_at),
            reviewer=NamedRef.of(s.reviewer) if s.reviewer else None,
            review_message=s.review_message,
            files=len(s.evidence),
        )
