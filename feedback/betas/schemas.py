"""The beta programs API's shapes: what it answers (built from the rules' objects) and
what the calls take (unknown fields refused; emptiness and lengths are the rules'
sentences)."""

from __future__ import annotations

from flask import url_for
from pydantic import Field

from feedback.betas import eligibility, nda
from feedback.betas.access import application_of, is_partner
from feedback.betas.models import (
    ApplicationStatus,
    BetaApplication,
    BetaNdaSignature,
    BetaProgram,
    BetaReport,
    ReportKind,
    Severity,
)
from feedback.betas.schedule import Phase, phase
from hub.api import Input, NamedRef, Output, iso_utc
from hub.api.schemas import Day, UtcTime, one_of
from hub.models import Person

PhaseName = one_of(Phase)
StatusName = one_of(ApplicationStatus)


class ApplyInput(Input):
    motivation: str = Field(description="Why you'd like to test it, up to 1,000 characters.")


class ReportInput(Input):
    kind: one_of(ReportKind) = Field(description="An issue, an idea or praise.")
    severity: one_of(Severity) | None = Field(None, description="Required for an issue.")
    title: str = Field(description="Up to 140 characters.")
    details: str = Field(description="What you saw, up to 5,000 characters.")
    steps: str = Field("", description="Steps to reproduce; required for an issue.")


class ApplicationOut(Output):
    program_id: int
    status: StatusName
    motivation: str
    applied_at: UtcTime
    decided_at: UtcTime | None

    @classmethod
    def of(cls, application: BetaApplication) -> ApplicationOut:
        return cls(
            program_id=application.program_id,
            status=application.status.value,
            motivation=application.motivation,
            applied_at=iso_utc(application.applied_at),
            decided_at=iso_utc(application.decided_at),
        )


class SignatureOut(Output):
    program_id: int
    version: int
    signed_at: UtcTime

    @classmethod
    def of(cls, row: BetaNdaSignature) -> SignatureOut:
        return cls(program_id=row.program_id, version=row.version, signed_at=iso_utc(row.signed_at))


class ReportOut(Output):
    id: int
    program_id: int
    kind: one_of(ReportKind)
    severity: one_of(Severity) | None
    title: str
    details: str
    steps: str
    created_at: UtcTime

    @classmethod
    def of(cls, report: BetaReport) -> ReportOut:
        return cls(
            id=report.id,
            program_id=report.program_id,
            kind=report.kind.value,
            severity=report.severity.value if report.severity else None,
            title=report.title,
            details=report.details,
            steps=report.steps,
            created_at=iso_utc(report.created_at),
        )


class ProgramSummary(Output):
    id: int
    title: str
    product_line: NamedRef
    phase: PhaseName
    applications_open: Day
    applications_close: Day
    starts_on: Day
    ends_on: Day
    url: str

    @classmethod
    def of(cls, program: BetaProgram) -> ProgramSummary:
        return cls(
            id=program.id,
            title=program.title,
            product_line=NamedRef.of(program.product_line),
            phase=phase(program).value,
            applications_open=program.applications_open.isoformat(),
            applications_close=program.applications_close.isoformat(),
            starts_on=program.starts_on.isoformat(),
            ends_on=program.ends_on.isoformat(),
            url=url_for("betas_api.get_program", program_id=program.id),
        )


class ProgramDetail(ProgramSummary):
    description: str
    tester_tasks: str
    max_participants: int
    eligibility: list[str] = Field(description="The program's rules in words.")
    eligible: bool = Field(description="Whether you may apply (partner users).")
    lacks: list[str] = Field(description="What you lack to be eligible, a sentence each.")
    application: ApplicationOut | None = Field(description="Your application, if any.")
    nda_version: int
    nda_signed: bool = Field(description="Whether you signed the NDA's current version.")
    outcome: str

    @classmethod
    def of_for(cls, program: BetaProgram, viewer: Person) -> ProgramDetail:
        lacks = eligibility.missing(viewer, program) if is_partner(viewer) else []
        application = application_of(viewer, program)
        return cls(
            **ProgramSummary.of(program).model_dump(),
            description=program.description,
            tester_tasks=program.tester_tasks,
            max_participants=program.max_participants,
            eligibility=eligibility.rules_in_words(program),
            eligible=is_partner(viewer) and not lacks,
            lacks=lacks,
            application=ApplicationOut.of(application) if application else None,
            nda_version=program.nda_version,
            nda_signed=nda.has_signed(viewer, program),
            outcome=program.outcome if program.outcome_posted_at else "",
        )
