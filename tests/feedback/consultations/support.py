"""Helpers for the consultations tests: a consultation opened by the program admin today
(or moved into the past, as closed), on the tier criteria hub offers."""

from __future__ import annotations

from datetime import timedelta

from feedback.consultations import service
from hub.db import today


def open_one(admin, *, tiers=(), regions=(), **fields):
    """A consultation open from today for a week, taking effect in a month."""
    day = today()
    data = {
        "title": "Carryover: one period instead of two",
        "summary": "From next year co-op money carries over one period.",
        "rule_key": service.rule_choices()[0].key,
        "opens_on": day.isoformat(),
        "closes_on": (day + timedelta(days=7)).isoformat(),
        "effective_on": (day + timedelta(days=30)).isoformat(),
        **fields,
    }
    return service.open_consultation(admin, data, list(tiers), list(regions))


def close(consultation, days_ago=1):
    """Move the comment period into the past (as time passing would)."""
    consultation.opens_on = today() - timedelta(days=days_ago + 7)
    consultation.closes_on = today() - timedelta(days=days_ago)
