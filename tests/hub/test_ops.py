"""Operations: health check, request ids, security headers, configuration errors."""

import logging

import pytest
import sqlalchemy as sa

from hub import create_app, db, logs
from hub.config import ConfigError
from hub.web import pages
from tests.conftest import sign_in


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    broken = sa.create_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    app = create_app(
        {"ENV_NAME": "testing", "SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path)}, bind=broken
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    broken.dispose()


def test_every_response_carries_a_request_id_that_is_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="hub.request"):
        response = client.get("/login")
    rid = response.headers["X-Request-ID"]
    assert len(rid) >= 6
    assert any(
        f"rid={rid}" in r.getMessage() and "GET /login 200" in r.getMessage()
        for r in caplog.records
    )


def test_log_lines_read_as_the_standard_formatter_writes_them():
    """hub.logs.LineFormatter: the text logging.Formatter(FORMAT) gives — within one second,
    in the next one, and with a date format of the caller's."""
    standard, ours = logging.Formatter(logs.FORMAT), logs.LineFormatter()
    base = 1_796_000_000.0
    for created in (base + 0.001, base + 0.5, base + 0.999, base + 1.25, base - 86_400.3, base):
        record = logging.LogRecord("hub.request", logging.INFO, "p", 1, "GET %s", ("/",), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == standard.format(record)
        assert ours.formatTime(record, "%H:%M") == standard.formatTime(record, "%H:%M")


def test_error_pages_show_the_request_id_to_quote(client, channel):
    sign_in(client, channel.people["dealer_marketer"])
    response = client.get("/organizations/999999")
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


@pytest.mark.fresh_app  # adds a route to its app
def test_unexpected_errors_roll_back_and_show_a_reference(app, client, channel, session, caplog):
    from hub import audit

    @app.route("/boom-after-write")
    def boom():
        audit.record("test.should_not_stay", summary="written before the failure")
        db.session.flush()
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR):
        response = client.get("/boom-after-write")
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    assert rid in response.get_data(as_text=True)
    assert any(rid in r.getMessage() for r in caplog.records)
    from hub.models import AuditEvent

    assert (
        session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "test.should_not_stay"))
        is None
    )


def test_security_headers_forbid_inline_script_and_framing(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_signed_in_pages_are_not_stored_and_each_security_header_is_sent_once(client, channel):
    assert "Cache-Control" not in client.get("/login").headers  # nobody's: may be cached
    sign_in(client, channel.people["dealer_marketer"])
    headers = client.get("/").headers
    assert headers["Cache-Control"] == "no-store"  # someone's page: never kept by a cache
    assert headers.getlist("X-Frame-Options") == ["DENY"]  # each added once
    assert headers.getlist("Content-Security-Policy") == [pages.CSP]
    # A view's own Cache-Control stays (a conversation's file: "private", in
    # tests/hub/conversations/test_attachments.py).


def test_session_cookie_is_http_only_and_same_site(client, channel):
    from tests.conftest import TEST_PASSWORD, post_form

    response = post_form(
        client,
        "/login",
        {"email": channel.people["dealer_marketer"].email, "password": TEST_PASSWORD},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(tmp_path):
    app = create_app(
        {
            "ENV_NAME": "production",
            "PUBLIC_URL": "https://partners.example.com",
            "SECRET_KEY": "k" * 40,
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["hub.db"]["engine"].dispose()


@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        ({"ENV_NAME": "staging"}, "HUB_ENV_NAME is 'staging'; set it to one of"),
        ({"PORT": "eighty"}, "HUB_PORT must be a whole number"),
        ({"DATABASE_URL": "mysql://x/y"}, "HUB_DATABASE_URL must be a SQLite or PostgreSQL URL"),
        ({"SECRET_KEY": "short"}, "HUB_SECRET_KEY must be at least 32 characters"),
        (
            {"SOCKETIO_MESSAGE_QUEUE": "amqp://x"},
            "HUB_SOCKETIO_MESSAGE_QUEUE must be a redis:// URL",
        ),
        (
            {"ENV_NAME": "production", "DATABASE_URL": "sqlite:///x.db"},
            "Production needs PostgreSQL",
        ),
        (
            {"ENV_NAME": "production", "ALLOW_SQLITE": True},
            "Production needs HUB_PUBLIC_URL",
        ),
        ({"TRUSTED_HOSTS": {"a": 1}}, "HUB_TRUSTED_HOSTS must be a JSON list of host names"),
    ],
)
def test_invalid_settings_stop_start_up_with_a_sentence(tmp_path, settings, sentence):
    with pytest.raises(ConfigError, match=sentence):
        create_app({"SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path), **settings})


def test_settings_come_from_hub_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_PAGE_SIZE", "40")
    monkeypatch.setenv("HUB_MAIL_FROM", "Fieldcrest <partners@fieldcrest.example>")
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["PAGE_SIZE"] == 40
    assert app.config["MAIL_FROM"] == "Fieldcrest <partners@fieldcrest.example>"
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'partner_hub.sqlite3'}"
    assert len(app.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == app.config["SECRET_KEY"]
    app.extensions["hub.db"]["engine"].dispose()


def test_hub_trusted_hosts_is_a_list_flask_checks_each_request_against(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_TRUSTED_HOSTS", '["partners.example.com", ".example.org"]')
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["TRUSTED_HOSTS"] == ["partners.example.com", ".example.org"]
    monkeypatch.setenv("HUB_TRUSTED_HOSTS", "partners.example.com")
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["TRUSTED_HOSTS"] == ["partners.example.com"]
    monkeypatch.delenv("HUB_TRUSTED_HOSTS")
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["TRUSTED_HOSTS"] is None
