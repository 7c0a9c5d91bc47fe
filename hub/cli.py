"""`flask --app wsgi hub …` commands: schema upgrades, demo data, tokens and the tick."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError as AlembicError
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import WSGIRequestHandler, make_server

from hub import db, mail, notifications
from hub.accounts import service as accounts
from hub.db import utcnow
from hub.demo.channel import DEMO_PASSWORD, seed_demo
from hub.migrate import alembic_config
from hub.models import JobRun, Person
from hub.registry import Job, registry

hub_cli = AppGroup("hub", help="Partner Hub administration.")


def upgrade_database(app: Flask | None = None, revision: str = "head") -> tuple[str, str]:
    """Run Alembic migrations up to revision for the app's database, quietly.

    Answers the revisions before and after ("" for an empty database). Alembic's INFO
    lines ("Context impl SQLiteImpl.", one per migration) are held back; its warnings
    and errors still reach the log, and a failed migration raises.
    """
    app = app or current_app._get_current_object()
    engine = app.extensions["hub.db"]["engine"]
    chatty = [
        logging.getLogger(n) for n in ("alembic.runtime.migration", "alembic.runtime.plugins")
    ]
    levels = [logger.level for logger in chatty]
    for logger in chatty:
        logger.setLevel(logging.WARNING)
    try:
        before = _current_revision(engine)
        with app.app_context():
            command.upgrade(alembic_config(app), revision)
        return before, _current_revision(engine)
    finally:
        for logger, level in zip(chatty, levels, strict=True):
            logger.setLevel(level)


def _current_revision(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        return ", ".join(MigrationContext.configure(connection).get_current_heads())


@hub_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_command(revision: str) -> None:
    """Build or upgrade the database schema (alembic upgrade), in one line of output."""
    try:
        before, after = upgrade_database(revision=revision)
    except (AlembicError, sa.exc.SQLAlchemyError) as exc:
        raise click.ClickException(f"The database upgrade failed: {exc}") from exc
    click.echo(upgrade_summary(before, after))


def upgrade_summary(before: str, after: str) -> str:
    """The one line `hub upgrade` prints."""
    if before == after:
        return f"Database is up to date (revision {after or 'none'})."
    if not before:
        return f"Database created at revision {after}."
    return f"Database upgraded from revision {before} to {after}."


@hub_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(current_app), message=message, autogenerate=True)


@hub_cli.command("is-empty")
def is_empty_command() -> None:
    """Exit 0 when the database has no organisations yet (used by `make run`)."""
    raise SystemExit(0 if organization_count() == 0 else 1)


def organization_count() -> int:
    return db.session.scalar(sa.text("SELECT count(*) FROM organization"))


def active_person(email: str) -> Person:
    """The active person with this e-mail, or a ClickException saying there is none."""
    person = accounts.person_by_email(email)
    if person is None or not person.active:
        raise click.ClickException(f"No active person with the e-mail {email}.")
    return person


@hub_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even when the database already has data.")
def seed_demo_command(force: bool) -> None:
    """Load the Fieldcrest demo program (development only)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "Demo data (with its shared password) is refused in production. "
            "Unset HUB_ENV_NAME=production to seed a development database."
        )
    if organization_count() and not force:
        raise click.ClickException("The database already has data; use --force to seed anyway.")
    summary = seed_demo()
    db.session.commit()
    click.echo(summary)
    click.echo(f"Every demo account uses the password: {DEMO_PASSWORD}")


@hub_cli.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def create_token_command(email: str, name: str) -> None:
    """Create an API token for EMAIL; the token is printed alone on the last line."""
    person = active_person(email)
    name = f"{name} {utcnow():%Y-%m-%d %H:%M:%S}"
    issued = accounts.create_api_token(person, name, actor=person)
    db.session.commit()
    click.echo(
        f"Token {issued.token.prefix}… for {person.email} ({person.role.label}); keep it secret:"
    )
    click.echo(issued.secret)


@hub_cli.command("notify")
@click.argument("email")
@click.argument("text")
@click.option("--kind", default="message", show_default=True, help="What it is about.")
@click.option("--url", default="", help="Where it leads, e.g. /campaigns/12.")
def notify_command(email: str, text: str, kind: str, url: str) -> None:
    """Send EMAIL an in-app notification, pushed live to their open pages.

    From a separate process the push reaches the servers only through the message queue
    (HUB_SOCKETIO_MESSAGE_QUEUE); without one it shows on the person's next page load.
    """
    person = active_person(email)
    note = notifications.notify(person.id, kind, text, url)
    db.session.commit()
    click.echo(f"Notification {note.id} sent to {person.email}.")


def run_due_jobs(now: datetime | None = None, *, force: bool = False) -> list[str]:
    """Run every registered job whose interval has passed, each in its own transaction.

    A job records its run only after succeeding; two ticks at once never run the same
    job twice, because the run is claimed with a conditional update first.
    """
    now = now or utcnow()
    lines = []
    for job in sorted(registry().jobs.values(), key=lambda j: j.name):
        if not _claim(job, now, force):
            continue
        try:
            result = job.run(now) or "ok"
            db.session.execute(
                sa.update(JobRun)
                .where(JobRun.name == job.name)
                .values(last_result=str(result)[:300])
            )
            db.session.commit()
            lines.append(f"{job.name}: {result}")
        except Exception as exc:
            db.session.rollback()
            _release(job)
            lines.append(f"{job.name}: FAILED {exc}")
            current_app.logger.exception("job %s failed", job.name)
    return lines


def _claim(job: Job, now: datetime, force: bool) -> bool:
    due_before = now if force else now - job.every + timedelta(seconds=1)
    row = db.session.get(JobRun, job.name)
    if row is None:
        try:
            db.session.add(JobRun(name=job.name, last_run_at=now))
            db.session.commit()
            return True
        except sa.exc.IntegrityError:
            db.session.rollback()
            return False
    claimed = db.session.execute(
        sa.update(JobRun)
        .where(JobRun.name == job.name, JobRun.last_run_at <= due_before)
        .values(last_run_at=now)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _release(job: Job) -> None:
    db.session.execute(
        sa.update(JobRun).where(JobRun.name == job.name).values(last_run_at=datetime(2000, 1, 1))
    )
    db.session.commit()


@hub_cli.command("tick")
@click.option("--force", is_flag=True, help="Run every job now, due or not.")
def tick_command(force: bool) -> None:
    """Run the scheduled jobs that are due (expiries, reminders, mail retries). Idempotent."""
    lines = run_due_jobs(force=force)
    click.echo("\n".join(lines) if lines else "nothing due")


@hub_cli.command("serve")
@click.option(
    "--host", default=None, help="Address to listen on.  [default: HUB_HOST or 127.0.0.1]"
)
@click.option("--port", default=None, type=int, help="Port.  [default: HUB_PORT or 5000]")
@click.option(
    "--no-tick", is_flag=True, help="Don't run `hub tick` every minute in the background."
)
def serve_command(host: str | None, port: int | None, no_tick: bool) -> None:
    """Serve the app with Socket.IO for development (production: gunicorn, see README).

    Without --host/--port it listens where HUB_HOST and HUB_PORT say, as `make run` does.
    """
    app = current_app._get_current_object()
    host = host or app.config["HOST"]
    port = app.config["PORT"] if port is None else port
    if not no_tick:

        def _tick_forever():
            stop = threading.Event()
            while not stop.wait(60):
                with app.app_context():
                    for line in run_due_jobs():
                        app.logger.info("tick: %s", line)

        threading.Thread(target=_tick_forever, name="hub-tick", daemon=True).start()
    # Werkzeug's server straight, as the browser tests do: socketio.run() would only add
    # Flask's and Werkzeug's banners and two contradictory warnings about production use
    # (the app's wsgi_app already is Flask-SocketIO's middleware). Requests are still logged.
    server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
    # Links built without HUB_PUBLIC_URL (e-mails, the certificate's QR code) fall back to
    # 127.0.0.1:PORT: make that the port served, so `--port 5212` links to this server.
    app.config["PORT"] = server.server_port
    click.echo(serve_banner(host, server.server_port))
    server.serve_forever()  # returns on Ctrl+C and closes the socket


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its access line: hub.request already logs each request
    once (method, path, status, time, request id, user), so the console shows it once."""

    def log_request(self, code="-", size="-") -> None:
        pass


def serve_banner(host: str, port: int) -> str:
    """The one line `hub serve` prints: where to open the app and how to sign in."""
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 (a wildcard is no address to open)
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return (
        f"Partner Hub is running: open http://{host}:{port} — sign in with a demo account "
        f"from README (password {DEMO_PASSWORD}). Ctrl+C stops it."
    )


def _deliver_mail(now: datetime) -> str:
    sent = mail.deliver_pending(older_than=timedelta(minutes=1))
    return f"{sent} mail sent"


def _prune_login_attempts(now: datetime) -> str:
    removed = accounts.prune_login_attempts(older_than=now - timedelta(days=1))
    return f"{removed} old failed sign-ins pruned"


def _refresh_statistics(now: datetime) -> str:
    return db.refresh_statistics()


def init_app(app: Flask) -> None:
    app.cli.add_command(hub_cli)
    registry(app).add_job(
        Job("hub.database-statistics", timedelta(minutes=10), _refresh_statistics)
    )
    registry(app).add_job(Job("hub.mail-retry", timedelta(minutes=1), _deliver_mail))
    registry(app).add_job(
        Job("hub.prune-login-attempts", timedelta(hours=1), _prune_login_attempts)
    )
