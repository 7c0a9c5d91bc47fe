"""The program's NDA: an accepted tester signs its current version (click-to-sign,
recorded with the version, the time and the person) before anything else in the program
opens to them; a new version (the text changed) must be signed again."""

from __future__ import annotations

import sqlalchemy as sa

from feedback.betas.access import is_tester, may_enter_space
from feedback.betas.models import BetaNdaSignature, BetaProgram
from hub import audit, db
from hub.errors import Conflict
from hub.models import Person


class NdaRequired(Conflict):
    """The tester must sign the NDA's current version first (a 409 in the API)."""


def signature(person: Person, program: BetaProgram) -> BetaNdaSignature | None:
    """person's signature of the NDA's current version, if any."""
    return db.session.scalar(
        sa.select(BetaNdaSignature).where(
            BetaNdaSignature.program_id == program.id,
            BetaNdaSignature.person_id == person.id,
            BetaNdaSignature.version == program.nda_version,
        )
    )


def has_signed(person: Person, program: BetaProgram) -> bool:
    return signature(person, program) is not None


def needs_signature(person: Person, program: BetaProgram) -> bool:
    """Whether person is a tester who has not signed the current version (the OEM's staff
    never sign: they wrote it)."""
    return not person.is_oem and not has_signed(person, program)


def sentence(program: BetaProgram) -> str:
    return (
        f"Sign the NDA of “{program.title}” (version {program.nda_version}) before you "
        "open anything else in the program."
    )


def require_space(person: Person, program: BetaProgram) -> None:
    """Refuse unless person may use the program's space now: LookupError (a 404) for
    anyone who isn't in it, NdaRequired for a tester who hasn't signed the current NDA."""
    if not may_enter_space(person, program):
        raise LookupError("not in this program")
    if needs_signature(person, program):
        raise NdaRequired({"nda": [sentence(program)]})


def sign(person: Person, program: BetaProgram, *, ip: str = "") -> BetaNdaSignature:
    """Record person's signature of the current version (signing twice changes nothing)."""
    if not is_tester(person, program):
        raise PermissionError("Only the program's accepted testers sign its NDA.")
    existing = signature(person, program)
    if existing is not None:
        return existing
    row = BetaNdaSignature(
        program_id=program.id, person_id=person.id, version=program.nda_version, ip=ip[:64]
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "beta.nda_signed",
        program,
        actor=person,
        organization_id=person.organization_id,
        after={"version": program.nda_version},
        summary=f"{person.name} signed the NDA of “{program.title}” (version {program.nda_version})",
    )
    return row


def signatures(program: BetaProgram) -> dict[int, BetaNdaSignature]:
    """{person id: their latest signature} for the program."""
    rows = db.session.scalars(
        sa.select(BetaNdaSignature)
        .where(BetaNdaSignature.program_id == program.id)
        .order_by(BetaNdaSignature.version)
    )
    return {row.person_id: row for row in rows}
