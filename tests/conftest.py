"""Shared fixtures: a migrated database per run, an app per test inside a transaction
that is rolled back afterwards, factories and `login_as(role)`.

HUB_TEST_DATABASE_URL=postgresql+psycopg://… runs the suite on PostgreSQL; with
HUB_REQUIRE_SERVICES=1 (CI) a missing service fails the tests instead of skipping.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient

from hub import create_app, db
from hub.db import make_engine
from hub.demo.channel import set_path
from hub.extensions import socketio
from hub.models import (
    LoginSession,
    Organization,
    OrganizationTrack,
    OrgKind,
    Person,
    Role,
    Tier,
    Track,
)
from hub.security import hash_password, new_token, token_hash

TEST_PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(TEST_PASSWORD)
REQUIRE_SERVICES = os.environ.get("HUB_REQUIRE_SERVICES") == "1"
SECRET = "test-secret-key-" + "x" * 32


# --- Which tests run where (see docs/testing.md) ----------------------------------------


def _starts_servers(module) -> bool:
    """Whether a test module starts real server processes: it uses the server helpers of
    tests/realtime_support.py or drives a benchmark (bench/), which starts gunicorn."""
    from tests import realtime_support

    helpers = (
        realtime_support.server_pool,
        realtime_support.ServerProcess,
        realtime_support.live_database,
    )
    for value in vars(module).values():
        if any(value is helper for helper in helpers):
            return True
        if getattr(value, "__name__", "").split(".")[0] == "bench" and hasattr(value, "run"):
            return True
    return False


def pytest_collection_modifyitems(config, items):
    """Mark every test in tests/e2e `e2e` (some modules do not say so themselves), and
    the tests of modules that start real servers `servers` (multi-process, killed
    servers, Redis, the benchmarks): `make test` runs them once, after the PostgreSQL
    pass, in one process of their own — they start processes and some share Redis's
    channel, so two of them must never run at once (xdist's `loadgroup` cannot keep
    them together: with pytest 9 its xdist_group marks are silently ignored)."""
    e2e = Path(__file__).parent / "e2e"
    seen: dict = {}
    for item in items:
        if e2e in Path(item.path).parents:  # every test in tests/e2e is a browser test
            item.add_marker(pytest.mark.e2e)
        module = getattr(item, "module", None)
        if module is None:
            continue
        if module not in seen:
            seen[module] = _starts_servers(module)
        if seen[module]:
            item.add_marker(pytest.mark.servers)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """`make test` names each pass and when it started (HUB_PASS, HUB_PASS_STARTED): its
    wall time, from before pytest started, is printed just above pytest's own summary."""
    name, started = os.environ.get("HUB_PASS"), os.environ.get("HUB_PASS_STARTED")
    if name and started and not hasattr(config, "workerinput"):
        import time

        elapsed = round(time.time() - int(started))
        terminalreporter.write_line(f"== {name}: {elapsed} s (wall time of this pass)")


def service_unavailable(what: str) -> None:
    """Skip when a service is missing on this machine — but fail in CI, where it must exist."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required here (HUB_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


def worker_id() -> str:
    """This pytest-xdist worker's name ("gw0", "gw1", …), or "" in a plain run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def test_database_url(tmp_path_factory) -> str:
    """The database of this run: a SQLite file in the run's (the worker's) temporary folder,
    or HUB_TEST_DATABASE_URL — under pytest-xdist a database `<name>_<worker>` next to it,
    created here, so workers never share one."""
    url = os.environ.get("HUB_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    if worker_id() and url.startswith("postgresql"):
        return _create_postgres_database(url, f"{sa.make_url(url).database}_{worker_id()}")
    return url


def reset_database(url: str, instance: Path) -> sa.Engine:
    """An empty database at url, migrated to head by Alembic."""
    from hub.cli import upgrade_database

    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    app = create_app(app_settings(url, instance), bind=engine)
    upgrade_database(app)
    return engine


def app_settings(url: str, instance: Path) -> dict:
    """The settings of a test app on the database at url, its files under instance."""
    return {
        "ENV_NAME": "testing",
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(instance),
        "SERVER_NAME": "hub.test",
    }


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(database_url, instance_dir):
    engine = reset_database(database_url, instance_dir)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(request, engine):
    """One connection per test inside a transaction that is always rolled back: to the
    run's database, or — for a test marked `demo` — to the seeded demo's."""
    if request.node.get_closest_marker("demo"):
        engine = request.getfixturevalue("demo_database").engine
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


@dataclass
class DemoDatabase:
    engine: sa.Engine
    summary: str  # what seed_demo said it made
    url: str
    dropped: tuple[str, str] | None  # (base URL, name) of a PostgreSQL database, else None

    def copy(self, folder: Path, label: str) -> tuple[str, tuple[str, str] | None]:
        """A database of its own with the seeded demo in it, for a test that commits (a
        copy, as migrated_database makes of the migrated template): (url, what to drop)."""
        self.engine.dispose()  # PostgreSQL copies only a database nobody is connected to
        if self.dropped:
            base_url, name = self.dropped
            url, copied = create_postgres_database(base_url, label, template=name)
            return url, (base_url, copied)
        return _copy_sqlite(sa.make_url(self.url).database, folder / f"{label}.sqlite3"), None


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory, instance_dir) -> Iterator[DemoDatabase]:
    """The demo program (`seed_demo`), seeded and committed once per run (per xdist worker)
    in a database of its own copied from the migrated template. Tests marked `demo` run on
    it, each in a transaction rolled back after it, and tests that commit take a copy
    (`demo_database.copy`), instead of seeding the demo themselves (~4 s a seed). Its
    stored files are in the run's instance folder, which the tests' apps share."""
    from hub.demo.channel import seed_demo

    url, dropped = migrated_database(tmp_path_factory.mktemp("demo"), "demo")
    app = create_app(app_settings(url, instance_dir))
    engine = app.extensions["hub.db"]["engine"]
    try:
        with app.app_context():
            summary = seed_demo()
            db.session.commit()
        yield DemoDatabase(engine, summary, url, dropped)
    finally:
        engine.dispose()
        if dropped:
            drop_postgres_database(*dropped)


@pytest.fixture
def demo_summary(demo_database) -> str:
    """What seed_demo said it made (for a test marked `demo`)."""
    return demo_database.summary


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change settings for its app."""
    return {}


class RequestIsolatingClient(FlaskClient):
    """A test client whose every request gets its own app context, `g` and DB session,
    as in a real server, even though the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            # What the test wrote is on the connection the request reads (flushed, not
            # committed); so are the writes a commit would make last (db.stage).
            db.write_all_staged()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


class SharedApp:
    """One app for the whole run (per xdist worker), re-bound to each test's connection.

    Building an app costs ~70 ms (mostly compiling URL rules); ~2,350 tests would spend
    minutes on it. What an app carries that a test can change is put back after each
    test: its config, the per-process state its extensions keep (presence, typing
    throttle, socket heartbeat) and Flask-SocketIO's global `socketio`, which every
    `create_app` re-binds to its own server. A test that changes the app itself (adds a
    route or a blueprint) needs its own: mark it `fresh_app`; one that forgets is caught
    at teardown (the shared app is then rebuilt, and the test fails with that advice).
    """

    # Per-process state in app.extensions, rebuilt for each test from the same class.
    FRESH_STATE = {
        "hub.presence": lambda old, app: type(old)(),
        "hub.chat.typing": lambda old, app: type(old)(old.every),
        "hub.realtime.heartbeat": lambda old, app: type(old)(app),
    }

    def __init__(self, url: str, instance: Path, bind: sa.Connection):
        self.app = create_app(app_settings(url, instance), bind=bind)
        self.app.test_client_class = RequestIsolatingClient
        self.config = copy.deepcopy(dict(self.app.config))
        self.socketio = dict(socketio.__dict__)
        self.shape = self._shape()

    def _shape(self) -> tuple:
        app = self.app
        return (
            len(app.url_map._rules),
            tuple(app.blueprints),
            tuple(len(v) for v in app.before_request_funcs.values()),
            tuple(len(v) for v in app.after_request_funcs.values()),
            len(app.teardown_appcontext_funcs),
        )

    def bind(self, connection: sa.Connection) -> Flask:
        """The app, its database session now on connection and its per-test state new."""
        app = self.app
        socketio.__dict__.update(self.socketio)
        hub_db = app.extensions["hub.db"]
        hub_db["session"].remove()
        hub_db["factory"].configure(bind=connection)
        hub_db["engine"] = connection
        for key, fresh in self.FRESH_STATE.items():
            if key in app.extensions:
                app.extensions[key] = fresh(app.extensions[key], app)
        return app

    def release(self) -> str | None:
        """Put the config back after a test; a complaint if the test changed the app."""
        app = self.app
        app.extensions["hub.db"]["session"].remove()
        app.config.clear()
        app.config.update(copy.deepcopy(self.config))
        if self._shape() != self.shape:
            return (
                "this test changed the shared app (a route, blueprint or request hook): "
                "mark it @pytest.mark.fresh_app so it gets an app of its own"
            )
        return None


@pytest.fixture(scope="session")
def shared_app(engine, database_url, instance_dir):
    with engine.connect() as placeholder:  # bound to a connection: commits become savepoints
        shared = SharedApp(database_url, instance_dir, placeholder)
    return [shared]


@pytest.fixture
def app(request, connection, database_url, instance_dir, app_overrides, shared_app):
    """The app of this test, bound to its rolled-back connection: the run's shared app, or
    a new one when the test overrides settings (`app_overrides`) or is marked fresh_app."""
    if app_overrides or request.node.get_closest_marker("fresh_app"):
        app = create_app(
            {**app_settings(database_url, instance_dir), **app_overrides}, bind=connection
        )
        app.test_client_class = RequestIsolatingClient
        with app.app_context():
            yield app
        return
    shared = shared_app[0]
    app = shared.bind(connection)
    try:
        with app.app_context():
            yield app
    finally:
        problem = shared.release()
        if problem:
            shared_app[0] = SharedApp(database_url, instance_dir, connection)
            pytest.fail(problem)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """The app's database session (inside the test's rolled-back transaction)."""
    return db.session


_counter = itertools.count(1)


def org_factory(session):
    """make_org(kind="dealer", parent=org, tier="Premier", name=...) adding to session."""
    tiers: dict[str, Tier] = {}

    def _tier(name):
        if name not in tiers:
            tier = session.scalar(sa.select(Tier).where(Tier.name == name))
            if tier is None:
                tier = Tier(name=name, rank=len(tiers) + 1)
                session.add(tier)
            tiers[name] = tier
        return tiers[name]

    def factory(kind="dealer", parent=None, tier="Premier", name=None, region="Nebraska", **kw):
        n = next(_counter)
        kind = OrgKind(kind)
        org = Organization(
            name=name or f"{kind.label} {n}",
            kind=kind,
            parent=parent,
            tier=None if kind == OrgKind.OEM or tier is None else _tier(tier),
            region=region,
            domain=f"org{n}.example",
            track_rows=[OrganizationTrack(track=Track.DEALER_VAR)]
            if kind == OrgKind.DEALER
            else [],
            **kw,
        )
        session.add(org)
        session.flush()
        set_path(org)
        session.flush()
        return org

    return factory


def person_factory(session):
    """make_person(role, org, email=...) with the password TEST_PASSWORD, adding to session."""

    def factory(role, org, email=None, name=None, **kw):
        n = next(_counter)
        person = Person(
            email=email or f"person{n}@{org.domain or 'hub.example'}",
            name=name or f"Person {n}",
            role=Role(role),
            organization=org,
            password_hash=_PASSWORD_HASH,
            **kw,
        )
        session.add(person)
        session.flush()
        return person

    return factory


class Channel:
    """See build_channel."""


def build_channel(make_org, make_person) -> Channel:
    """A small channel tree and one person per role.

    oem ─┬─ distributor ─┬─ dealer          (people: marketer, staff, admin)
         │               └─ sibling_dealer
         └─ other_distributor ── other_dealer
    """
    c = Channel()
    c.oem = make_org("oem", name="Test OEM", tier=None)
    c.distributor = make_org("distributor", parent=c.oem, name="Test Distribution")
    c.dealer = make_org("dealer", parent=c.distributor, name="Test Dealer")
    c.sibling_dealer = make_org("dealer", parent=c.distributor, name="Sibling Dealer")
    c.other_distributor = make_org("distributor", parent=c.oem, name="Other Distribution")
    c.other_dealer = make_org("dealer", parent=c.other_distributor, name="Other Dealer")
    c.people = {
        "program_admin": make_person("program_admin", c.oem),
        "channel_manager": make_person("channel_manager", c.oem),
        "product_manager": make_person("product_manager", c.oem),
        "distributor_admin": make_person("partner_admin", c.distributor),
        "partner_admin": make_person("partner_admin", c.dealer),
        "dealer_marketer": make_person("dealer_marketer", c.dealer),
        "partner_staff": make_person("partner_staff", c.dealer),
        "other_marketer": make_person("dealer_marketer", c.other_dealer),
    }
    return c


@pytest.fixture
def make_org(session):
    """Factory: make_org(kind="dealer", parent=org, tier="Premier", name=...)."""
    return org_factory(session)


@pytest.fixture
def make_person(session):
    """Factory: make_person(role, org, email=...) with the password TEST_PASSWORD."""
    return person_factory(session)


@pytest.fixture
def channel(make_org, make_person):
    """A small channel tree and one person per role (see build_channel)."""
    return build_channel(make_org, make_person)


def sign_in(client, person) -> str:
    """Sign person in on client without the login form (a real LoginSession row)."""
    token = new_token()
    db.session.add(LoginSession(token_hash=token_hash(token), person_id=person.id))
    db.session.flush()
    with client.session_transaction() as s:
        s["_user_id"] = token
        s["_fresh"] = True
    return token


@pytest.fixture
def login_as(client, channel):
    """login_as("dealer_marketer") signs the client in as that person of `channel`."""

    def _login(who):
        person = who if isinstance(who, Person) else channel.people[who]
        sign_in(client, person)
        return person

    return _login


# Statements the test's own transaction handling adds around each request.
BOOKKEEPING = re.compile(
    r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT)\b", re.I
)


class StatementLog:
    """Collects the SQL statements sent to the app's database while active."""

    def __init__(self, target):
        self.target = target
        self.statements: list[str] = []
        self.active = False

    def __enter__(self):
        self.statements = []
        self.active = True
        return self

    def __exit__(self, *exc):
        self.active = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.active and not BOOKKEEPING.match(statement):
            self.statements.append(" ".join(statement.split()))


@pytest.fixture
def statements(app):
    """A StatementLog on the app's database: `with statements:` collects what ran."""
    log = StatementLog(db.engine())
    sa.event.listen(log.target, "before_cursor_execute", log)
    yield log
    sa.event.remove(log.target, "before_cursor_execute", log)


_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"|"X-CSRFToken": "([^"]+)"'
)


def csrf_token(client, page: str = "/login") -> str:
    """A CSRF token for client's session, read from a page the way a browser gets it."""
    response = client.get(page)
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return next(g for g in match.groups() if g)


def session_csrf_token(client) -> str:
    """A CSRF token for client's session without loading a page: Flask-WTF's own
    generate_csrf makes the secret and signs it; the secret goes into client's session
    cookie, where a page would have put it. For tests that post many forms and are not
    about the page the token is read from (the access matrix)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    app = client.application
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    with app.test_request_context():
        token = generate_csrf()
        secret = session[field]
    with client.session_transaction() as s:
        s[field] = secret
    return token


def post_form(client, url: str, data: dict | None = None, token_page: str | None = None, **kw):
    """POST a form with a real CSRF token (taken from token_page, default the same URL)."""
    token = csrf_token(client, token_page or url)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kw)


# --- Apps on really committed databases (threads, races, several processes) -----------------


def create_postgres_database(url: str, label: str, template: str | None = None) -> tuple[str, str]:
    """A fresh PostgreSQL database next to url's, named after label (and the xdist worker):
    (url, name). Empty, or a copy of the database `template` when given."""
    name = f"{sa.make_url(url).database}_{label}" + (f"_{worker_id()}" if worker_id() else "")
    return _create_postgres_database(url, name, template), name


def _create_postgres_database(url: str, name: str, template: str | None = None) -> str:
    base = sa.make_url(url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    copy_of = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy_of}')
    except sa.exc.OperationalError as exc:
        service_unavailable(f"PostgreSQL at {base.render_as_string()} ({exc.orig})")
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str, name: str) -> None:
    admin = sa.create_engine(sa.make_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


_TEMPLATES: dict[str, str] = {}  # base URL → a migrated database to copy (this process)


def _migrated_template(base_url: str, folder: Path) -> str:
    """A database migrated to head once per process (per xdist worker), for copies: a
    SQLite file, or on PostgreSQL a template database `<name>_template[_<worker>]`."""
    from hub.cli import upgrade_database

    key = base_url or "sqlite"
    if key not in _TEMPLATES:
        if base_url.startswith("postgresql"):
            url, name = create_postgres_database(base_url, "template")
        else:
            name = str(folder.parent / f"migrated-template-{os.getpid()}.sqlite3")
            url = f"sqlite:///{name}"
        app = create_app(app_settings(url, folder))
        upgrade_database(app)
        app.extensions["hub.db"]["engine"].dispose()  # a template must have no connections
        _TEMPLATES[key] = name
    return _TEMPLATES[key]


def migrated_database(folder: Path, label: str) -> tuple[str, tuple[str, str] | None]:
    """A database of its own at head, copied from a migrated template (a file copy on
    SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL: both much cheaper than running the
    migrations again): (url, what to pass to drop_postgres_database afterwards or None)."""
    base_url = os.environ.get("HUB_TEST_DATABASE_URL", "")
    template = _migrated_template(base_url, folder)
    if base_url.startswith("postgresql"):
        url, name = create_postgres_database(base_url, label, template=template)
        return url, (base_url, name)
    return _copy_sqlite(template, folder / (label + ".sqlite3")), None


def _copy_sqlite(source_path: str, path: Path) -> str:
    """A copy of the SQLite database at source_path (SQLite's online backup); its URL."""
    import sqlite3

    with (
        contextlib.closing(sqlite3.connect(source_path)) as source,
        contextlib.closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)
    return f"sqlite:///{path}"


def pytest_sessionfinish(session, exitstatus):
    base_url = os.environ.get("HUB_TEST_DATABASE_URL", "")
    if base_url.startswith("postgresql") and base_url in _TEMPLATES:
        drop_postgres_database(base_url, _TEMPLATES.pop(base_url))


def committed_app(folder: Path, label: str):
    """Yield an app on a database of its own whose commits are real (not rolled back):
    a SQLite file in folder, or on PostgreSQL a fresh database named after label that is
    dropped afterwards; both copied from a migrated template. For tests of concurrency
    across threads and processes."""
    url, dropped = migrated_database(folder, label)
    app = create_app(app_settings(url, folder))
    try:
        yield app
    finally:
        app.extensions["hub.db"]["engine"].dispose()
        if dropped:
            drop_postgres_database(*dropped)
