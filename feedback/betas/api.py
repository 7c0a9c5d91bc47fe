"""The beta programs JSON API (`/api/v1/beta-programs`): the programs open to you, one
program, applying, signing the NDA and filing a report.

Every route calls the rules the pages call. A program the caller may not see is a 404,
and so is a program's space for anyone who is not its tester; a tester who hasn't signed
the NDA's current version gets a 409 saying so; a role that may never take the step a
403; bad input a 422 with a sentence per problem.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, abort, request, url_for

from feedback.betas import applications, eligibility, nda, reports
from feedback.betas.access import PARTNERS_ONLY, get_visible, is_partner, visible_programs
from feedback.betas.models import BetaApplication, BetaProgram
from feedback.betas.schedule import Phase, phase
from feedback.betas.schemas import (
    ApplicationOut,
    ApplyInput,
    ProgramDetail,
    ProgramSummary,
    ReportInput,
    ReportOut,
    SignatureOut,
)
from hub import db
from hub.api import Page, allow_only, api_blueprint, context, current_person, operation

bp = api_blueprint("betas_api", __name__, url_prefix="/api/v1/beta-programs")
TAGS = ["beta programs"]
LOCATION = {"Location": {"description": "Its URL.", "schema": {"type": "string"}}}
OPEN = (Phase.UPCOMING, Phase.APPLICATIONS_OPEN)


def _program_or_404(program_id: int) -> BetaProgram:
    program = get_visible(current_person(), program_id)
    if program is None:
        abort(404)
    return program


@bp.get("")
@operation(
    "Beta programs for you",
    description=(
        "For a partner user: the programs open (or about to open) that you are eligible "
        "for, and those you applied to. For the OEM's staff: every program."
    ),
    tags=TAGS,
    responses={200: (Page[ProgramSummary], "The programs, newest start first, on one page.")},
)
def list_programs():
    person = current_person()
    rows = db.session.scalars(
        visible_programs(person).order_by(BetaProgram.starts_on.desc(), BetaProgram.id)
    )
    if not person.is_oem:
        mine = set(
            db.session.scalars(
                sa.select(BetaApplication.program_id).where(BetaApplication.person_id == person.id)
            )
        )
        rows = [
            p
            for p in rows
            if p.id in mine or (phase(p) in OPEN and eligibility.is_eligible(person, p))
        ]
    return Page[ProgramSummary](data=[ProgramSummary.of(p) for p in rows], next_cursor=None)


@bp.get("/<int:program_id>")
@operation(
    "One beta program",
    description="With your eligibility (what you lack, a sentence each), application and NDA.",
    tags=TAGS,
    responses={200: (ProgramDetail, "The program.")},
)
def get_program(program_id: int):
    program = _program_or_404(program_id)
    return ProgramDetail.of_for(program, current_person())


@bp.post("/<int:program_id>/applications")
@operation(
    "Apply to a beta program (partner users)",
    description=(
        "While applications are open, with a short motivation. Refused (422) with a "
        "sentence per rule you miss when you are not eligible; a second application is 409."
    ),
    tags=TAGS,
    json=ApplyInput,
    responses={201: (ApplicationOut, "Your application.")},
    response_headers={201: LOCATION},
    problems=(403, 409),
    before=allow_only(is_partner, PARTNERS_ONLY),
)
def apply_program(program_id: int):
    program = _program_or_404(program_id)
    body: ApplyInput = context().json
    application = applications.apply(current_person(), program, body.motivation)
    location = url_for("betas_api.get_program", program_id=program.id)
    return ApplicationOut.of(application), 201, {"Location": location}


@bp.post("/<int:program_id>/nda")
@operation(
    "Sign the program's NDA (accepted testers)",
    description="Click-to-sign the current version; signing again changes nothing.",
    tags=TAGS,
    responses={200: (SignatureOut, "Your signature of the current version.")},
    problems=(403,),
    before=allow_only(is_partner, PARTNERS_ONLY),
)
def sign_nda(program_id: int):
    program = _program_or_404(program_id)
    try:
        nda.require_space(current_person(), program)
    except LookupError:
        abort(404)
    except nda.NdaRequired:
        pass
    return SignatureOut.of(nda.sign(current_person(), program, ip=request.remote_addr or ""))


@bp.post("/<int:program_id>/reports")
@operation(
    "File a report in a beta program (testers who signed the NDA)",
    description=(
        "An issue (severity and steps required), an idea or praise. Before the NDA's "
        "current version is signed: 409."
    ),
    tags=TAGS,
    json=ReportInput,
    responses={201: (ReportOut, "The report.")},
    problems=(403, 409),
    before=allow_only(is_partner, PARTNERS_ONLY),
)
def report_program(program_id: int):
    program = _program_or_404(program_id)
    body: ReportInput = context().json
    try:
        report = reports.file_report(current_person(), program, body.model_dump())
    except LookupError:
        abort(404)
    return ReportOut.of(report), 201


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
