"""Testers' structured reports: an issue (with its severity and the steps to reproduce
it), an idea, or praise — a title, the details and up to four photos (checked and
re-encoded images). Only a tester who signed the current NDA files one."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from feedback.betas.models import (
    TEXT_MAX,
    TITLE_MAX,
    BetaProgram,
    BetaReport,
    BetaReportPhoto,
    ReportKind,
    Severity,
)
from feedback.betas.nda import require_space
from hub import audit, db, uploads
from hub.errors import ValidationFailed
from hub.models import Person, StoredFile

MAX_PHOTOS = 4
PHOTO_FOLDER = "betas/reports"


def keep_photo(actor: Person, data: bytes, filename: str) -> StoredFile:
    """Check one photo (PNG, JPEG, WebP or GIF, re-encoded without metadata) and keep it;
    anything else is refused with a sentence naming the file."""
    name = uploads.clean_filename(filename, "photo")
    png = uploads.reencode_image(data, field="photos", max_side=2048, name=name)
    stem = Path(name).stem if Path(name).suffix.lower() in uploads.IMAGE_SUFFIXES else name
    accepted = uploads.AcceptedFile(png, uploads.clean_filename(f"{stem}.png"), "image/png", ".png")
    return uploads.keep(
        accepted, PHOTO_FOLDER, organization_id=actor.organization_id, uploaded_by_id=actor.id
    )


def field_problems(data) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    kind = str(data.get("kind") or "")
    if kind not in {k.value for k in ReportKind}:
        problems["kind"] = ["Choose what you are reporting: an issue, an idea or praise."]
    severity = str(data.get("severity") or "")
    if kind == ReportKind.ISSUE and severity not in {s.value for s in Severity}:
        problems["severity"] = ["Choose how severe the issue is."]
    elif severity and severity not in {s.value for s in Severity}:
        problems["severity"] = ["Choose one of the severities offered."]
    title = str(data.get("title") or "").strip()
    if not title:
        problems["title"] = ["Give the report a title, e.g. “Joystick button sticks in the cold”."]
    elif len(title) > TITLE_MAX:
        problems["title"] = [f"Keep the title to {TITLE_MAX} characters; say more below."]
    details = str(data.get("details") or "").strip()
    if not details:
        problems["details"] = ["Describe what you saw (or what you'd change)."]
    for name, what in (("details", "the details"), ("steps", "the steps")):
        if len(str(data.get(name) or "").strip()) > TEXT_MAX:
            problems[name] = [f"Keep {what} to {TEXT_MAX:,} characters."]
    if kind == ReportKind.ISSUE and not str(data.get("steps") or "").strip():
        problems["steps"] = ["List the steps that lead to the issue, so we can see it too."]
    return problems


def file_report(
    actor: Person, program: BetaProgram, data, photos: list[StoredFile] = ()
) -> BetaReport:
    """File a report in the program; refused (NdaRequired) before the NDA is signed."""
    require_space(actor, program)
    if actor.is_oem:
        raise PermissionError("Reports are filed by the program's testers.")
    problems = field_problems(data)
    if len(photos) > MAX_PHOTOS:
        problems.setdefault("photos", []).append(f"Attach at most {MAX_PHOTOS} photos.")
    if problems:
        raise ValidationFailed(problems)
    kind = ReportKind(data["kind"])
    severity = str(data.get("severity") or "")
    report = BetaReport(
        program_id=program.id,
        person_id=actor.id,
        organization_id=actor.organization_id,
        kind=kind,
        severity=Severity(severity) if severity and kind == ReportKind.ISSUE else None,
        title=str(data["title"]).strip(),
        details=str(data.get("details") or "").strip(),
        steps=str(data.get("steps") or "").strip() if kind == ReportKind.ISSUE else "",
    )
    db.session.add(report)
    db.session.flush()
    for photo in photos:
        db.session.add(BetaReportPhoto(report_id=report.id, file_id=photo.id))
    audit.record(
        "beta.reported",
        report,
        actor=actor,
        after={"program_id": program.id, "kind": kind.value, "title": report.title},
        summary=f"{kind.label} reported in “{program.title}”: “{report.title}”",
    )
    db.session.flush()
    return report


def reports(program: BetaProgram, *, by: Person | None = None) -> list[BetaReport]:
    """The program's reports, newest first (only by one person's, when given)."""
    stmt = sa.select(BetaReport).where(BetaReport.program_id == program.id)
    if by is not None:
        stmt = stmt.where(BetaReport.person_id == by.id)
    return list(db.session.scalars(stmt.order_by(BetaReport.id.desc())))


def photo_report(file_id: int) -> BetaReport | None:
    """The report a photo belongs to."""
    return db.session.scalar(
        sa.select(BetaReport)
        .join(BetaReportPhoto, BetaReportPhoto.report_id == BetaReport.id)
        .where(BetaReportPhoto.file_id == file_id)
    )
