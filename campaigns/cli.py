"""`flask --app wsgi campaigns …`: period close and the ledger check, plus the daily tick job."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from campaigns.coop.close import close_all_periods
from campaigns.coop.models import CoopProgram
from campaigns.coop.verify import verify_ledger
from hub import db

campaigns_cli = AppGroup("campaigns", help="Co-op programs and the co-op ledger.")


@campaigns_cli.command("close-period")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Expire what the rules say had expired before this day (default: today, UTC).",
)
@click.option("--program", "program_id", type=int, help="Only this program (default: all active).")
def close_period_command(as_of: datetime | None, program_id: int | None) -> None:
    """Expire unspent, unheld co-op funds whose carryover window has ended. Idempotent."""
    day = as_of.date() if as_of else db.utcnow().date()
    if program_id is not None and db.session.get(CoopProgram, program_id) is None:
        raise click.ClickException(f"There is no co-op program with id {program_id}.")
    summaries = close_all_periods(day, program_id)
    db.session.commit()
    if not summaries:
        click.echo("no active co-op programs")
    for summary in summaries:
        click.echo(str(summary))
        for organization_id, bucket, amount in summary.expired:
            click.echo(f"  organisation {organization_id}: {bucket} expired {amount:,.2f}")


@campaigns_cli.command("verify-ledger")
@click.option("--program", "program_id", type=int, help="Only this program (default: all).")
def verify_ledger_command(program_id: int | None) -> None:
    """Check that every cached balance equals the sum of its entries; exit 1 if any does not."""
    program = None
    if program_id is not None:
        program = db.session.get(CoopProgram, program_id)
        if program is None:
            raise click.ClickException(f"There is no co-op program with id {program_id}.")
    problems = verify_ledger(program)
    if problems:
        click.echo(f"{len(problems)} ledger problem(s):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)
    click.echo("ledger verified: every cached balance equals the sum of its entries")


def close_period_job(now: datetime) -> str:
    """The daily `hub tick` job: close periods as of today for every active program."""
    summaries = close_all_periods(now.date())
    expired = [s for s in summaries if s.expired]
    if not expired:
        return f"{len(summaries)} program(s) checked, nothing expired"
    return "; ".join(str(s) for s in expired)
