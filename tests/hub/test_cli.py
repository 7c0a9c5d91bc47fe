"""The `flask --app wsgi hub …` commands."""

import logging

import pytest
import sqlalchemy as sa

from hub import cli, create_app
from hub.accounts import service as accounts
from hub.demo.channel import DEMO_ACCOUNTS, DEMO_PASSWORD
from hub.models import Organization, OrgKind, Person, Role
from hub.security import verify_password


def test_create_token_prints_a_working_token_alone_on_its_last_line(app, channel):
    person = channel.people["channel_manager"]
    result = app.test_cli_runner().invoke(
        args=["hub", "create-token", person.email, "--name", "erp"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert accounts.person_for_api_token(token).id == person.id


def test_create_token_for_an_unknown_email_says_so(app):
    result = app.test_cli_runner().invoke(args=["hub", "create-token", "ghost@nowhere.example"])
    assert result.exit_code != 0
    assert "No active person with the e-mail ghost@nowhere.example" in result.output


def test_seed_demo_is_refused_in_production(app):
    app.config["ENV_NAME"] = "production"
    result = app.test_cli_runner().invoke(args=["hub", "seed-demo"])
    assert result.exit_code != 0
    assert "refused in production" in result.output


def test_tick_command_reports_what_ran(app):
    result = app.test_cli_runner().invoke(args=["hub", "tick", "--force"])
    assert result.exit_code == 0, result.output
    assert "hub.prune-login-attempts:" in result.output


def test_serve_says_where_to_open_the_app_in_one_line(app, monkeypatch):
    """`make run`'s last command: one line with the address, no server banners or
    warnings about production (the server itself is faked: no socket is opened)."""
    served = []

    class FakeServer:
        server_port = 5061

        def serve_forever(self):
            served.append(True)

    def fake_make_server(host, port, wsgi_app, threaded, request_handler=None):
        assert (host, port, wsgi_app, threaded) == ("127.0.0.1", 5061, app, True)
        return FakeServer()

    monkeypatch.setattr(cli, "make_server", fake_make_server)
    result = app.test_cli_runner().invoke(args=["hub", "serve", "--port", "5061", "--no-tick"])
    assert result.exit_code == 0, result.output
    assert served == [True]
    assert result.output.splitlines() == [
        "Partner Hub is running: open http://127.0.0.1:5061 — sign in with a demo account "
        f"from README (password {DEMO_PASSWORD}). Ctrl+C stops it."
    ]


def test_serve_on_another_port_builds_links_on_that_port(app, monkeypatch):
    """Without HUB_PUBLIC_URL, links for outside the page (e-mails, a certificate's QR
    code) go to 127.0.0.1 on the port served, not on the configured default."""
    from hub.web.pages import external_url

    monkeypatch.setitem(app.config, "PORT", 5000)  # restored after the test
    for unset in ("PUBLIC_URL", "SERVER_NAME", "TRUSTED_HOSTS"):
        monkeypatch.setitem(app.config, unset, None)
    _fake_server(monkeypatch, app)
    result = app.test_cli_runner().invoke(args=["hub", "serve", "--port", "5212", "--no-tick"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        assert external_url("auth.login") == "http://127.0.0.1:5212/login"


def _fake_server(monkeypatch, app) -> list:
    """Replace Werkzeug's make_server: record where `hub serve` would listen."""
    listened = []

    class FakeServer:
        def __init__(self, port):
            self.server_port = port

        def serve_forever(self):
            pass

    def fake_make_server(host, port, wsgi_app, threaded, request_handler=None):
        listened.append((host, port))
        return FakeServer(port)

    monkeypatch.setattr(cli, "make_server", fake_make_server)
    return listened


def test_serve_run_by_hand_listens_where_hub_host_and_hub_port_say(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_PORT", "5077")
    monkeypatch.setenv("HUB_HOST", "0.0.0.0")  # noqa: S104 (only handed to a fake server)
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    listened = _fake_server(monkeypatch, app)

    result = app.test_cli_runner().invoke(args=["hub", "serve", "--no-tick"])

    assert result.exit_code == 0, result.output
    assert listened == [("0.0.0.0", 5077)]  # noqa: S104
    assert "open http://127.0.0.1:5077 " in result.output
    app.extensions["hub.db"]["engine"].dispose()


def test_serve_options_win_over_hub_port_and_the_defaults_are_local(tmp_path, monkeypatch):
    monkeypatch.delenv("HUB_HOST", raising=False)
    monkeypatch.setenv("HUB_PORT", "5077")
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    listened = _fake_server(monkeypatch, app)
    runner = app.test_cli_runner()

    assert runner.invoke(args=["hub", "serve", "--no-tick", "--port", "5088"]).exit_code == 0
    monkeypatch.delenv("HUB_PORT")
    default_app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert default_app.test_cli_runner().invoke(args=["hub", "serve", "--no-tick"]).exit_code == 0

    assert listened == [("127.0.0.1", 5088), ("127.0.0.1", 5000)]
    for each in (app, default_app):
        each.extensions["hub.db"]["engine"].dispose()


def test_upgrade_prints_one_line_and_no_alembic_info(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    runner = app.test_cli_runner()
    try:
        first = runner.invoke(args=["hub", "upgrade", "--revision", "0003_conversations"])
        second = runner.invoke(args=["hub", "upgrade"])
        third = runner.invoke(args=["hub", "upgrade"])
        failed = runner.invoke(args=["hub", "upgrade", "--revision", "no_such_revision"])
    finally:
        app.extensions["hub.db"]["engine"].dispose()
    alembic_info = [r.getMessage() for r in caplog.records if r.name.startswith("alembic")]

    assert first.output == "Database created at revision 0003_conversations.\n"
    head = third.output.removeprefix("Database is up to date (revision ").removesuffix(").\n")
    assert head and "," not in head and head != third.output
    assert second.output == f"Database upgraded from revision 0003_conversations to {head}.\n"
    assert alembic_info == []  # no "Context impl SQLiteImpl.", no "Running upgrade …" lines
    assert failed.exit_code != 0
    assert "The database upgrade failed: Can't locate revision" in failed.output


def test_serve_banner_names_an_address_a_browser_can_open():
    assert "open http://127.0.0.1:8000 " in cli.serve_banner("0.0.0.0", 8000)  # noqa: S104
    assert "open http://[::1]:8000 " in cli.serve_banner("::1", 8000)


@pytest.mark.demo
def test_demo_program_has_the_documented_accounts_and_channel(app, session, demo_summary):
    summary = demo_summary
    assert "organisations" in summary
    for email, _label in DEMO_ACCOUNTS:
        person = session.scalar(sa.select(Person).where(Person.email == email))
        assert person is not None and verify_password(person.password_hash, DEMO_PASSWORD), email
    prairie = session.scalar(
        sa.select(Organization).where(Organization.domain == "prairie.example")
    )
    gpd = session.scalar(sa.select(Organization).where(Organization.domain == "gpd.example"))
    harbor = session.scalar(sa.select(Organization).where(Organization.domain == "harbor.example"))
    assert prairie.parent_id == gpd.id and prairie.path.startswith(gpd.path)
    assert harbor.parent.name == "Coastal Supply"
    dealers = session.scalar(sa.select(sa.func.count()).where(Organization.kind == OrgKind.DEALER))
    assert dealers >= 13
    roles = {
        p.role
        for p in session.scalars(sa.select(Person).where(Person.email.like("%@fieldcrest.example")))
    }
    assert {Role.PROGRAM_ADMIN, Role.CHANNEL_MANAGER, Role.PRODUCT_MANAGER} <= roles


def test_serve_logs_each_request_once(app, caplog):
    """A real server with `hub serve`'s handler answers a request; the console gets the
    app's own hub.request line and not Werkzeug's second access line for it."""
    import logging
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=cli.QuietRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/healthz"
        with caplog.at_level(logging.INFO), urllib.request.urlopen(url) as answer:
            assert answer.status == 200
    finally:
        server.shutdown()
        thread.join()
    werkzeug_lines = [
        r for r in caplog.records if r.name == "werkzeug" and "/healthz" in r.getMessage()
    ]
    hub_lines = [
        r for r in caplog.records if r.name == "hub.request" and "/healthz" in r.getMessage()
    ]
    assert werkzeug_lines == []
    assert len(hub_lines) == 1
