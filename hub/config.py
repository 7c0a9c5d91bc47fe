"""Layered configuration: defaults, then HUB_* environment variables, then test overrides."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

from flask import Flask

from hub.dates import zone_named

# The feature packages the factory loads, each through its init_app(app).
FEATURES = ["campaigns", "learning", "feedback"]
# The repository: templates/, static/, migrations/ and the default instance/ live here.
ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, object] = {
    "ENV_NAME": "development",
    "HOST": "127.0.0.1",  # where `hub serve` listens (HUB_HOST), unless --host says
    "PORT": 5000,
    # The program's time zone (IANA name): today's date for periods, deadlines and ledger
    # lines, and the zone of times shown to someone who has not chosen their own.
    "TIMEZONE": "UTC",  # where `hub serve` listens (HUB_PORT), unless --port says
    "DATABASE_URL": None,  # filled with a SQLite file in the instance folder
    "SOCKETIO_MESSAGE_QUEUE": None,  # e.g. redis://127.0.0.1:6379/0 for several processes
    "SOCKETIO_CORS_ORIGINS": None,  # None: same origin only
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": True,
    "MAIL_FROM": "Partner Hub <no-reply@partnerhub.invalid>",
    "PUBLIC_URL": None,  # e-mailed links; required in production, else http://127.0.0.1:PORT
    "TRUSTED_HOSTS": [],  # host names requests may use (others get 400); []: any
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LOGIN_WINDOW_MINUTES": 15,
    "PASSWORD_RESET_HOURS": 2,
    "INVITATION_DAYS": 7,
    "SESSION_HOURS": 12,
    "PAGE_SIZE": 25,
    "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
    "IMAGE_MAX_PIXELS": 25_000_000,
    "STORAGE_DIR": None,  # defaults to instance/storage
    "SECURE_COOKIES": None,  # defaults to True outside development and testing
    "PROXY_COUNT": 0,  # reverse proxies in front (nginx: 1) whose X-Forwarded-* to trust
    "ICE_SERVERS": [],  # WebRTC ICE servers (JSON list); []: host candidates only (one LAN)
    "TURN_SECRET": None,  # coturn's static-auth-secret: short-lived TURN credentials per call
    "TURN_URLS": [],  # e.g. ["turn:turn.example.com:3478", "turns:turn.example.com:5349"]
    "TURN_TTL": 3600,  # seconds a TURN credential stays valid
    # How often each server process marks its sockets as alive (socket_session.last_seen_at);
    # `hub tick` prunes rows not seen for five of these (a killed process leaves them behind).
    "SOCKET_HEARTBEAT_SECONDS": 60,
}

ENV_NAMES = {"development", "production", "testing"}
INT_KEYS = {
    "PORT",
    "PROXY_COUNT",
    "SMTP_PORT",
    "LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "LOGIN_MAX_FAILURES_PER_ADDRESS",
    "LOGIN_WINDOW_MINUTES",
    "PASSWORD_RESET_HOURS",
    "INVITATION_DAYS",
    "SESSION_HOURS",
    "PAGE_SIZE",
    "UPLOAD_MAX_BYTES",
    "IMAGE_MAX_PIXELS",
    "TURN_TTL",
    "SOCKET_HEARTBEAT_SECONDS",
}
ICE_URL = re.compile(r"^(stun|turn|turns):[^\s?/]+(\?transport=(udp|tcp))?$")
ICE_SERVER_KEYS = {"urls", "username", "credential"}


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says what to set."""


def load_config(app: Flask, overrides: dict | None = None) -> None:
    """Fill app.config from defaults, HUB_* variables and overrides, then validate it."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.from_prefixed_env("HUB", loads=_loads)
    if overrides:
        app.config.update(overrides)
    _complete(app)
    _validate(app)


def _loads(value: str):
    """Parse HUB_* values as JSON where they look like it, else keep the string."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _complete(app: Flask) -> None:
    instance = Path(app.instance_path)
    if not app.config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'partner_hub.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
    if not app.config.get("STORAGE_DIR"):
        app.config["STORAGE_DIR"] = str(instance / "storage")
    if app.config.get("SECURE_COOKIES") is None:
        app.config["SECURE_COOKIES"] = app.config["ENV_NAME"] == "production"
    app.config["TESTING"] = app.config.get("TESTING") or app.config["ENV_NAME"] == "testing"
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(app.config["SECURE_COOKIES"]),
        REMEMBER_COOKIE_SECURE=bool(app.config["SECURE_COOKIES"]),
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=int(app.config["UPLOAD_MAX_BYTES"]) + 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        # Flask-WTF's own hook looks up the view's exemptions before the method, on every
        # GET too; hub.web.csrf.protect_writes asks the method first (the same check).
        WTF_CSRF_CHECK_DEFAULT=False,
    )


def _instance_secret(instance: Path) -> str:
    """Read the secret key from the instance folder, creating it on first start."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _validate(app: Flask) -> None:
    cfg = app.config
    problems = []
    if cfg["ENV_NAME"] not in ENV_NAMES:
        problems.append(
            f"HUB_ENV_NAME is {cfg['ENV_NAME']!r}; set it to one of {', '.join(sorted(ENV_NAMES))}."
        )
    for key in sorted(INT_KEYS):
        try:
            cfg[key] = int(cfg[key])
        except (TypeError, ValueError):
            problems.append(f"HUB_{key} must be a whole number, not {cfg[key]!r}.")
            continue
        if cfg[key] < 0 or (cfg[key] == 0 and key != "PROXY_COUNT"):
            problems.append(f"HUB_{key} must be greater than zero (HUB_PROXY_COUNT may be 0).")
    url = str(cfg["DATABASE_URL"])
    if not url.startswith(("sqlite://", "postgresql")):
        problems.append(
            "HUB_DATABASE_URL must be a SQLite or PostgreSQL URL, "
            "e.g. postgresql+psycopg://user@host/dbname."
        )
    if len(str(cfg["SECRET_KEY"])) < 32:
        problems.append("HUB_SECRET_KEY must be at least 32 characters (or leave it unset).")
    if zone_named(str(cfg.get("TIMEZONE") or "")) is None:
        problems.append(
            f"HUB_TIMEZONE is {cfg.get('TIMEZONE')!r}; set it to an IANA time zone such as "
            "America/Chicago or UTC."
        )
    queue = cfg.get("SOCKETIO_MESSAGE_QUEUE")
    if queue and not str(queue).startswith(("redis://", "rediss://")):
        problems.append("HUB_SOCKETIO_MESSAGE_QUEUE must be a redis:// URL.")
    if cfg["ENV_NAME"] == "production" and url.startswith("sqlite") and not cfg.get("ALLOW_SQLITE"):
        problems.append(
            "Production needs PostgreSQL: set HUB_DATABASE_URL "
            "(or HUB_ALLOW_SQLITE=true for a single-process trial)."
        )
    if cfg["ENV_NAME"] == "production" and not cfg.get("PUBLIC_URL"):
        problems.append(
            "Production needs HUB_PUBLIC_URL: set it to the address people open, e.g. "
            "https://partners.example.com (e-mailed links are built on it)."
        )
    hosts = _as_list(
        cfg.get("TRUSTED_HOSTS"),
        str,
        problems,
        "HUB_TRUSTED_HOSTS must be a JSON list of host names, e.g. '[\"partners.example.com\"]'.",
    )
    cfg["TRUSTED_HOSTS"] = hosts or None
    problems.extend(_ice_problems(cfg))
    if problems:
        raise ConfigError("Partner Hub cannot start: " + " ".join(problems))


def _as_list(value, single: type, problems: list[str], problem: str) -> list:
    """A setting that should be a list: unset or "" is [], one `single` item is a list of it;
    anything else that is not a list adds `problem` and counts as []."""
    if value is None or value == "":
        return []
    if isinstance(value, single):
        return [value]
    if not isinstance(value, list):
        problems.append(problem)
        return []
    return value


def _ice_problems(cfg) -> list[str]:
    """Check HUB_ICE_SERVERS and HUB_TURN_URLS (WebRTC), normalising both to lists.

    A browser refuses a whole RTCPeerConnection over one bad entry, so a mistake here would
    only show as calls that never connect; say at start-up what to fix instead.
    """
    problems = []
    servers = _as_list(
        cfg.get("ICE_SERVERS"),
        dict,
        problems,
        "HUB_ICE_SERVERS must be a JSON list of ICE servers, e.g. "
        '\'[{"urls": "stun:stun.example.com:3478"}]\'.',
    )
    for n, server in enumerate(servers):
        where = f"HUB_ICE_SERVERS[{n}]"
        if not isinstance(server, dict):
            problems.append(f'{where} must be an object like {{"urls": "stun:host:3478"}}.')
            continue
        unknown = sorted(set(server) - ICE_SERVER_KEYS)
        if unknown:
            problems.append(
                f"{where} has unknown keys ({', '.join(unknown)}); "
                "use only urls, username and credential."
            )
        urls = server.get("urls")
        urls = [urls] if isinstance(urls, str) else urls
        if not isinstance(urls, list) or not urls:
            problems.append(f"{where} needs urls: a URL or a list of URLs (stun:, turn:, turns:).")
            continue
        for url in urls:
            if not isinstance(url, str) or not ICE_URL.match(url):
                problems.append(
                    f"{where} has the URL {url!r}; ICE server URLs look like "
                    "stun:host:3478, turn:host:3478 or turns:host:5349 (optionally "
                    "?transport=udp or tcp)."
                )
        for key in ("username", "credential"):
            if key in server and not isinstance(server[key], str):
                problems.append(f"{where}: {key} must be a string.")
        is_turn = any(isinstance(u, str) and u.startswith("turn") for u in urls)
        if is_turn and not (server.get("username") and server.get("credential")):
            problems.append(
                f"{where} is a TURN server without username and credential; add both, or "
                "set HUB_TURN_SECRET and HUB_TURN_URLS for short-lived credentials."
            )
    cfg["ICE_SERVERS"] = servers
    turn_urls = _as_list(
        cfg.get("TURN_URLS"),
        str,
        problems,
        "HUB_TURN_URLS must be a JSON list of TURN URLs, e.g. '[\"turn:turn.example.com:3478\"]'.",
    )
    for url in turn_urls:
        if not isinstance(url, str) or not ICE_URL.match(url) or url.startswith("stun:"):
            problems.append(
                f"HUB_TURN_URLS has {url!r}; TURN URLs look like turn:host:3478 or "
                "turns:host:5349 (optionally ?transport=udp or tcp)."
            )
    if cfg.get("TURN_SECRET") and not turn_urls:
        problems.append(
            "HUB_TURN_SECRET is set but HUB_TURN_URLS is empty; list the TURN server's URLs "
            "or unset the secret."
        )
    if turn_urls and not cfg.get("TURN_SECRET"):
        problems.append(
            "HUB_TURN_URLS is set but HUB_TURN_SECRET is not; set coturn's static-auth-secret "
            "so calls get TURN credentials."
        )
    cfg["TURN_URLS"] = turn_urls
    return problems
