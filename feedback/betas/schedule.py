"""Where a program stands in its calendar: a draft until published, then upcoming,
taking applications, waiting to start, running, and ended (after its end date)."""

from __future__ import annotations

import enum
from datetime import date

from feedback.betas.models import BetaProgram
from hub.db import today


class Phase(enum.StrEnum):
    DRAFT = "draft"
    UPCOMING = "upcoming"
    APPLICATIONS_OPEN = "applications_open"
    STARTING = "starting"
    RUNNING = "running"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "upcoming": "Applications open soon",
            "applications_open": "Taking applications",
            "starting": "Starting soon",
            "running": "Running",
            "ended": "Ended",
        }[self.value]


def phase(program: BetaProgram, on: date | None = None) -> Phase:
    """The program's phase on a day (today in the program's zone by default)."""
    on = on or today()
    if program.published_at is None:
        return Phase.DRAFT
    if on > program.ends_on:
        return Phase.ENDED
    if on >= program.starts_on and on > program.applications_close:
        return Phase.RUNNING
    if program.applications_open <= on <= program.applications_close:
        return Phase.APPLICATIONS_OPEN
    if on < program.applications_open:
        return Phase.UPCOMING
    return Phase.STARTING if on < program.starts_on else Phase.RUNNING


def takes_applications(program: BetaProgram, on: date | None = None) -> bool:
    return phase(program, on) == Phase.APPLICATIONS_OPEN
