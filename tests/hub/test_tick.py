"""`hub tick`: registered jobs run when due, once, and a failure is retried next time."""

from datetime import timedelta

import pytest

from hub.cli import run_due_jobs
from hub.db import utcnow
from hub.registry import Job, registry


@pytest.fixture
def counting_job(app):
    runs = []

    def run(now):
        runs.append(now)
        return f"run {len(runs)}"

    registry(app).add_job(Job("test.counting", timedelta(minutes=10), run))
    return runs


def _lines_for(lines, name):
    return [line for line in lines if line.startswith(name)]


def test_a_due_job_runs_once_however_often_tick_is_called(app, counting_job):
    now = utcnow()
    assert _lines_for(run_due_jobs(now), "test.counting") == ["test.counting: run 1"]
    assert _lines_for(run_due_jobs(now + timedelta(minutes=1)), "test.counting") == []
    assert _lines_for(run_due_jobs(now + timedelta(minutes=5)), "test.counting") == []
    assert _lines_for(run_due_jobs(now + timedelta(minutes=10)), "test.counting") == [
        "test.counting: run 2"
    ]
    assert len(counting_job) == 2


def test_a_failing_job_is_retried_at_the_next_tick(app):
    attempts = []

    def flaky(now):
        attempts.append(now)
        if len(attempts) == 1:
            raise RuntimeError("ERP not reachable")
        return "recovered"

    registry(app).add_job(Job("test.flaky", timedelta(hours=1), flaky))
    now = utcnow()
    assert _lines_for(run_due_jobs(now), "test.flaky") == ["test.flaky: FAILED ERP not reachable"]
    assert _lines_for(run_due_jobs(now + timedelta(minutes=1)), "test.flaky") == [
        "test.flaky: recovered"
    ]


def test_two_jobs_with_one_name_are_refused(app):
    job = Job("test.twice", timedelta(minutes=1), lambda now: "ok")
    registry(app).add_job(job)
    with pytest.raises(ValueError, match="registered already"):
        registry(app).add_job(job)


def test_the_core_registers_its_own_jobs(app):
    assert {"hub.mail-retry", "hub.prune-login-attempts"} <= set(registry(app).jobs)
