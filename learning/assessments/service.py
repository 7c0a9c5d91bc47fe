"""Practical assessment rules: a learner submits evidence (photos, PDF commissioning
reports) for a level's practical assessment; an OEM reviewer (product manager or program
admin) signs it off — which may issue the level's certification — or asks for more,
which returns it to the learner. Pages, the API and the demo call these.

Who sees a submission and its files is learning/assessments/access.py (re-exported here
for the pages and API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import abort

from hub import audit, db, notifications, uploads
from hub.db import utcnow
from hub.errors import Conflict, ValidationFailed
from hub.models import Organization, Person, StoredFile
from learning.assessments.access import (  # noqa: F401  (the pages and API read them here)
    evidence_or_404,
    get_submission_or_404,
    is_reviewer,
    queue,
    recently_reviewed,
    visible_submissions,
)
from learning.assessments.models import (
    AssessmentEvidence,
    AssessmentSubmission,
    PracticalAssessment,
    SubmissionStatus,
)
from learning.certifications import service as certifications
from learning.certifications.models import Certification
from learning.certifications.requirements import standing
from learning.paths.models import Level

EVIDENCE_FOLDER = "learning/evidence"
MAX_FILES = 6
MAX_NOTE = 2000
# Files checked on a form refused for another reason are kept this long for the resubmit.
HELD_FOR = timedelta(hours=2)


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the page or API received it."""

    data: bytes
    filename: str
    content_type: str | None = None


def get_level_or_404(level_id: int) -> Level:
    level = db.session.get(Level, level_id)
    if level is None:
        abort(404)
    return level


def practical_of(level: Level) -> PracticalAssessment | None:
    return db.session.get(PracticalAssessment, level.id)


def submission_of(person: Person, level: Level) -> AssessmentSubmission | None:
    return db.session.scalar(
        sa.select(AssessmentSubmission).where(
            AssessmentSubmission.person_id == person.id,
            AssessmentSubmission.level_id == level.id,
        )
    )


def organization_name(submission: AssessmentSubmission) -> str:
    org = db.session.get(Organization, submission.person.organization_id)
    return org.name if org else ""


# --- The learner submits --------------------------------------------------------------


def _check_files(uploaded: list[Upload]) -> tuple[list[uploads.AcceptedFile], list[str]]:
    accepted, problems = [], []
    for upload in uploaded:
        try:
            accepted.append(
                uploads.accept_upload(
                    upload.data, upload.filename, upload.content_type, field="files"
                )
            )
        except ValidationFailed as exc:
            problems.extend(m for msgs in exc.problems.values() for m in msgs)
    return accepted, problems


def held_files(
    person: Person, file_ids: list[int], now: datetime | None = None
) -> list[StoredFile]:
    """Files the person uploaded on a refused form (checked, not yet evidence), to submit
    without choosing them again; anything else named is ignored."""
    if not file_ids:
        return []
    now = now or utcnow()
    used = sa.select(AssessmentEvidence.file_id)
    return list(
        db.session.scalars(
            sa.select(StoredFile)
            .where(
                StoredFile.id.in_(file_ids[:MAX_FILES]),
                StoredFile.uploaded_by_id == person.id,
                StoredFile.path.startswith(EVIDENCE_FOLDER + "/"),
                StoredFile.created_at > now - HELD_FOR,
                StoredFile.id.not_in(used),
            )
            .order_by(StoredFile.id)
        )
    )


def _refusal(person: Person, level: Level, existing: AssessmentSubmission | None) -> str | None:
    if practical_of(level) is None:
        return "This level has no practical assessment."
    record = standing(person.id)
    if record.holds(level):
        return "You hold this certification already; there is nothing to submit."
    missing = record.missing_prerequisites(level)
    if missing:
        names = ", ".join(p.title for p in missing)
        return f"Earn {names} first; then submit your evidence."
    if existing is not None and existing.status == SubmissionStatus.SUBMITTED:
        return (
            "Your evidence is waiting for a reviewer already; you will be told when it is reviewed."
        )
    if existing is not None and existing.status == SubmissionStatus.SIGNED_OFF:
        return "Your practical assessment is signed off already."
    return None


def submit(
    person: Person,
    level: Level,
    note: str,
    files: list[Upload],
    *,
    held: list[StoredFile] | None = None,
    now: datetime | None = None,
) -> AssessmentSubmission:
    """Submit evidence (first time, or again after a reviewer asked for more). Refused
    with a sentence, nothing kept: a level without a practical, a locked or held level,
    evidence waiting or signed off already, no file, too many files, a file that is not
    an image or PDF or too large (one sentence per file), a note over 2,000 characters.
    When only the note is wrong, the checked files are kept (ValidationFailed.held) so
    the form can offer them again."""
    now = now or utcnow()
    held = held or []
    existing = submission_of(person, level)
    if (sentence := _refusal(person, level, existing)) is not None:
        raise Conflict(sentence)
    note = (note or "").strip()
    problems: dict[str, list[str]] = {}
    if len(note) > MAX_NOTE:
        problems["note"] = [f"Keep the note to {MAX_NOTE:,} characters or fewer."]
    files = [f for f in files if f.data or f.filename]
    if not files and not held:
        problems["files"] = ["Attach at least one photo or PDF of your work."]
    elif len(files) + len(held) > MAX_FILES:
        problems["files"] = [f"Attach at most {MAX_FILES} files at a time."]
    accepted, file_problems = _check_files(files) if "files" not in problems else ([], [])
    if file_problems:
        problems["files"] = file_problems
    if problems:
        failure = ValidationFailed(problems)
        if not file_problems and accepted and "files" not in problems:
            # Keep what passed, so the learner need not choose it again.
            failure.held = held + _keep_all(person, accepted)  # type: ignore[attr-defined]
        raise failure
    kept = held + _keep_all(person, accepted)
    if existing is None:
        existing = AssessmentSubmission(person_id=person.id, level_id=level.id, round=1)
        db.session.add(existing)
        before = None
    else:
        before = {"status": existing.status.value, "round": existing.round}
        existing.round += 1
    existing.status = SubmissionStatus.SUBMITTED
    existing.note = note
    existing.submitted_at = now
    db.session.flush()
    for stored in kept:
        db.session.add(
            AssessmentEvidence(
                submission_id=existing.id, file_id=stored.id, round=existing.round, created_at=now
            )
        )
    db.session.flush()
    db.session.refresh(existing)
    audit.record(
        "learning.assessment_submitted",
        existing,
        organization_id=person.organization_id,
        before=before,
        after={"status": "submitted", "round": existing.round, "files": len(kept)},
        summary=f"{person.name} submitted practical evidence for {level.title}"
        + (f" (round {existing.round})" if existing.round > 1 else ""),
        actor=person,
    )
    return existing


def _keep_all(person: Person, accepted: list[uploads.AcceptedFile]) -> list[StoredFile]:
    return [
        uploads.keep(
            a,
            EVIDENCE_FOLDER,
            organization_id=person.organization_id,
            uploaded_by_id=person.id,
        )
        for a in accepted
    ]


# --- The reviewer decides ---------------------------------------------------------------


def _check_reviewable(reviewer: Person, submission: AssessmentSubmission) -> None:
    if not is_reviewer(reviewer):
        raise PermissionError("Only product managers and program admins review evidence.")
    if submission.status != SubmissionStatus.SUBMITTED:
        raise Conflict(
            f"This submission is not waiting for review (it is “{submission.status.label}”)."
        )


def sign_off(
    reviewer: Person, submission: AssessmentSubmission, message: str = "", now=None
) -> Certification | None:
    """Sign the evidence off (audited; the learner is told) and issue the level's
    certification when that was its last requirement. Returns the certification, if any."""
    _check_reviewable(reviewer, submission)
    message = (message or "").strip()
    if len(message) > MAX_NOTE:
        raise ValidationFailed({"message": [f"Keep the message to {MAX_NOTE:,} characters."]})
    now = now or utcnow()
    submission.status = SubmissionStatus.SIGNED_OFF
    submission.reviewer_id = reviewer.id
    submission.reviewed_at = now
    submission.review_message = message
    db.session.flush()
    level, person = submission.level, submission.person
    audit.record(
        "learning.assessment_signed_off",
        submission,
        organization_id=person.organization_id,
        before={"status": "submitted"},
        after={"status": "signed_off"},
        summary=f"{reviewer.name} signed off {person.name}'s practical evidence for {level.title}",
        actor=reviewer,
    )
    notifications.notify(
        person.id,
        "learning",
        f"Your practical evidence for {level.title} is signed off."
        + (f" {message}" if message else ""),
        f"/learning/assessments/{submission.id}",
        actor=reviewer,
    )
    return certifications.award_if_earned(person, level, now)


def ask_for_more(
    reviewer: Person, submission: AssessmentSubmission, message: str, now=None
) -> AssessmentSubmission:
    """Return the submission to the learner with a message saying what is missing
    (audited; the learner is told)."""
    _check_reviewable(reviewer, submission)
    message = (message or "").strip()
    if not message:
        raise ValidationFailed({"message": ["Say what more is needed; the learner will read it."]})
    if len(message) > MAX_NOTE:
        raise ValidationFailed({"message": [f"Keep the message to {MAX_NOTE:,} characters."]})
    submission.status = SubmissionStatus.MORE_REQUESTED
    submission.reviewer_id = reviewer.id
    submission.reviewed_at = now or utcnow()
    submission.review_message = message
    level, person = submission.level, submission.person
    audit.record(
        "learning.assessment_more_requested",
        submission,
        organization_id=person.organization_id,
        before={"status": "submitted"},
        after={"status": "more_requested", "message": message},
        summary=f"{reviewer.name} asked {person.name} for more evidence for {level.title}",
        actor=reviewer,
    )
    notifications.notify(
        person.id,
        "learning",
        f"More evidence is needed for {level.title}: {message}",
        f"/learning/levels/{level.id}/assessment",
        actor=reviewer,
    )
    return submission


def set_practical(
    actor: Person, level: Level, enabled: bool, instructions: str = ""
) -> PracticalAssessment | None:
    """Turn a level's practical assessment on (with its instructions) or off (the
    program admin, from authoring; audited)."""
    current = practical_of(level)
    instructions = (instructions or "").strip()
    if enabled and not instructions:
        raise ValidationFailed(
            {"practical_instructions": ["Say what the learner must do and upload."]}
        )
    before = {
        "practical": current is not None,
        "instructions": current.instructions if current else "",
    }
    if enabled:
        current = current or PracticalAssessment(level_id=level.id)
        current.instructions = instructions
        db.session.add(current)
    elif current is not None:
        db.session.delete(current)
        current = None
    db.session.flush()
    audit.record_change(
        "learning.practical_changed",
        level,
        before=before,
        after={"practical": enabled, "instructions": instructions if enabled else ""},
        summary=f"Practical assessment of {level.title} {'set' if enabled else 'turned off'}",
        actor=actor,
    )
    return current


def submissions_by_level(person: Person) -> dict[int, AssessmentSubmission]:
    """The person's submissions, by level (for the path page)."""
    found = db.session.scalars(
        sa.select(AssessmentSubmission).where(AssessmentSubmission.person_id == person.id)
    )
    return {s.level_id: s for s in found}


def open_practicals(person: Person, record, levels: list[Level]) -> list[tuple[Level, object]]:
    """The levels whose modules the person has done but whose practical is not signed
    off yet (and not held), with their submission if any: the learner's next step. The
    submissions are read only when there is such a level (on most visits there is none)."""
    found = [
        level
        for level in levels
        if record.has_practical(level)
        and not record.practical_done(level)
        and not record.holds(level)
        and record.unlocked(level)
        and level.modules
        and record.done_count(level) == len(level.modules)
    ]
    mine = submissions_by_level(person) if found else {}
    return [(level, mine.get(level.id)) for level in found]
