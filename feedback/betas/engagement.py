"""A tester's engagement in a program, 0–100, shown to the product manager and used to
sort the applicants of the next program.

Points: 10 per report (five count at most), 20 per survey answered and 10 more when it
was answered within a week of being asked (timeliness); the score is the points over
the most the program made possible (50 for reports + 30 per survey), as a percentage.
For an applicant, the score carried forward is the average over the earlier programs
they were a tester in; someone new to betas has none (shown as "new", sorted after
those with a record but before nobody).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from feedback.betas.models import (
    ApplicationStatus,
    BetaApplication,
    BetaReport,
    BetaSurvey,
    BetaSurveyResponse,
)
from hub import db

REPORT_POINTS, REPORTS_COUNTED = 10, 5
SURVEY_POINTS, TIMELY_POINTS = 20, 10
TIMELY_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class Engagement:
    reports: int
    surveys_answered: int
    answered_on_time: int
    surveys_asked: int

    @property
    def points(self) -> int:
        return (
            REPORT_POINTS * min(self.reports, REPORTS_COUNTED)
            + SURVEY_POINTS * self.surveys_answered
            + TIMELY_POINTS * self.answered_on_time
        )

    @property
    def possible(self) -> int:
        return (
            REPORT_POINTS * REPORTS_COUNTED + (SURVEY_POINTS + TIMELY_POINTS) * self.surveys_asked
        )

    @property
    def score(self) -> int:
        return round(100 * self.points / self.possible)


def scores(program_id: int, person_ids: list[int]) -> dict[int, Engagement]:
    """{person id: Engagement} in one program, for each person named."""
    if not person_ids:
        return {}
    reports = dict(
        list(
            db.session.execute(
                sa.select(BetaReport.person_id, sa.func.count())
                .where(BetaReport.program_id == program_id, BetaReport.person_id.in_(person_ids))
                .group_by(BetaReport.person_id)
            ).tuples()
        )
    )
    asked = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(BetaSurvey)
        .where(BetaSurvey.program_id == program_id)
    )
    answered: dict[int, int] = defaultdict(int)
    on_time: dict[int, int] = defaultdict(int)
    rows = db.session.execute(
        sa.select(
            BetaSurveyResponse.person_id, BetaSurveyResponse.submitted_at, BetaSurvey.created_at
        )
        .join(BetaSurvey, BetaSurvey.id == BetaSurveyResponse.survey_id)
        .where(BetaSurvey.program_id == program_id, BetaSurveyResponse.person_id.in_(person_ids))
    )
    for person_id, submitted_at, asked_at in rows:
        answered[person_id] += 1
        if submitted_at - asked_at <= TIMELY_WITHIN:
            on_time[person_id] += 1
    return {
        pid: Engagement(reports.get(pid, 0), answered[pid], on_time[pid], asked or 0)
        for pid in person_ids
    }


def track_record(person_ids: list[int], *, besides: int | None = None) -> dict[int, int | None]:
    """{person id: average engagement over the programs they were a tester in (other than
    `besides`), or None when they have never been one}."""
    if not person_ids:
        return {}
    stmt = sa.select(BetaApplication.program_id, BetaApplication.person_id).where(
        BetaApplication.person_id.in_(person_ids),
        BetaApplication.status == ApplicationStatus.ACCEPTED,
    )
    if besides is not None:
        stmt = stmt.where(BetaApplication.program_id != besides)
    by_program: dict[int, list[int]] = defaultdict(list)
    for program_id, person_id in db.session.execute(stmt):
        by_program[program_id].append(person_id)
    earned: dict[int, list[int]] = defaultdict(list)
    for program_id, people in by_program.items():
        for pid, engagement in scores(program_id, people).items():
            earned[pid].append(engagement.score)
    return {
        pid: round(sum(earned[pid]) / len(earned[pid])) if earned[pid] else None
        for pid in person_ids
    }
