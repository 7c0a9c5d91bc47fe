"""Who sees which beta program and who may do what in it.

- The OEM's staff see every program and every space; product managers and program
  admins run them (any product manager may run any line's program, as in triage).
- Partner users see published programs (a draft is the product manager's alone); the
  list offers those open to them. A program's space is private: only its accepted
  testers enter it — a partner user who is not one gets a 404, as for anything outside
  their scope — and only once they signed the NDA's current version (feedback.betas.nda).
"""

from __future__ import annotations

import sqlalchemy as sa

from feedback.betas.models import ApplicationStatus, BetaApplication, BetaProgram
from hub import db
from hub.models import PARTNER_ROLES, Person, Role

MANAGERS_ONLY = "Only product managers and program admins run beta programs."
PARTNERS_ONLY = "Beta programs are for partner users; the OEM's staff run them."


def is_partner(viewer: Person) -> bool:
    return viewer.active and viewer.role in PARTNER_ROLES


def can_manage(viewer: Person) -> bool:
    """Product managers (of any line: they run programs together) and program admins."""
    return viewer.active and viewer.role in (Role.PRODUCT_MANAGER, Role.PROGRAM_ADMIN)


def visible_programs(viewer: Person) -> sa.Select:
    """SELECT of the programs the viewer may see: all for the OEM, published ones for
    partner users, none for an inactive account."""
    if not viewer.active:
        return sa.select(BetaProgram).where(sa.false())
    if viewer.is_oem:
        return sa.select(BetaProgram)
    return sa.select(BetaProgram).where(BetaProgram.published_at.is_not(None))


def get_visible(viewer: Person, program_id: int) -> BetaProgram | None:
    """The program if the viewer may see it; None whether it is missing or out of scope."""
    return db.session.scalar(visible_programs(viewer).where(BetaProgram.id == program_id))


def application_of(person: Person, program: BetaProgram) -> BetaApplication | None:
    return db.session.scalar(
        sa.select(BetaApplication).where(
            BetaApplication.program_id == program.id, BetaApplication.person_id == person.id
        )
    )


def is_tester(person: Person, program: BetaProgram) -> bool:
    """Whether person is one of the program's accepted testers."""
    application = application_of(person, program)
    return application is not None and application.status == ApplicationStatus.ACCEPTED


def may_enter_space(viewer: Person, program: BetaProgram) -> bool:
    """Whether the space exists for viewer at all (the NDA is checked after this): the
    OEM's staff and the program's accepted testers. Anyone else gets a 404."""
    if not viewer.active:
        return False
    if viewer.is_oem:
        return True
    return program.published_at is not None and is_tester(viewer, program)
