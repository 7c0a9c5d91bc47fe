"""The assignments' daily job for `hub tick` (the hub registry's Job): remind learners
of assignments due within three days and of overdue ones (idempotent: once each)."""

from __future__ import annotations

from datetime import timedelta

from hub.registry import Job
from learning.assignments import service

REMINDERS = Job("learning.assignment-reminders", timedelta(days=1), service.send_reminders)
