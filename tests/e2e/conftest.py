"""Browser tests: the real app served from a thread of this process, driven by Chromium.

One live server per test session, on its own database (a fresh SQLite file, or the
database `<name>_e2e` next to HUB_TEST_DATABASE_URL's when that is PostgreSQL — the
unit tests' `engine` fixture resets their own database, so the two never meet), migrated
by Alembic and seeded with the Fieldcrest demo program. Each test gets a new browser
context, so no cookie carries over between tests.

Pages keep their Content-Security-Policy: axe is put in by an init script (which CSP
does not govern), and a page that breaks its CSP or throws an uncaught error fails the
test that opened it.

Helpers for the test modules: `sign_in(page, email)` and `check_axe(page)`.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub import create_app, db
from hub.cli import upgrade_database
from hub.demo.channel import DEMO_PASSWORD, seed_demo
from hub.models import Organization, Person

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_SERVICES = os.environ.get("HUB_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("HUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_CANDIDATES = [
    ROOT / "node_modules" / "axe-core" / "axe.min.js",
    ROOT / "static" / "vendor" / "axe.min.js",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SECRET = "e2e-secret-key-" + "x" * 32
BLOCKING_IMPACTS = ("serious", "critical")
EXPECT_TIMEOUT_MS = 10_000


def unavailable(what: str) -> None:
    """Skip when a service is missing on this machine — but fail in CI, where it must exist."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required here (HUB_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


# --- Database and live server ------------------------------------------------------------


def _postgres_e2e_database(url: str) -> str:
    """A database `<name>_e2e` on the same server, created if missing, with an empty schema."""
    base = sa.make_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"{base.database}_e2e" + (f"_{worker}" if worker else "")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        unavailable(f"PostgreSQL at {base.render_as_string()} ({exc.orig})")
    finally:
        admin.dispose()
    target = base.set(database=name)
    engine = sa.create_engine(target)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()
    return target.render_as_string(hide_password=False)


def _e2e_database_url(tmp_path: Path) -> str:
    url = os.environ.get("HUB_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return _postgres_e2e_database(url)
    return f"sqlite:///{tmp_path / 'hub-e2e.sqlite3'}"


@dataclass
class Demo:
    """Ids of the demo program's organisations (by name) and people (by e-mail)."""

    org_ids: dict[str, int] = field(default_factory=dict)
    person_ids: dict[str, int] = field(default_factory=dict)

    def org(self, name: str) -> int:
        return self.org_ids[name]

    def person(self, email: str) -> int:
        return self.person_ids[email]


@dataclass
class LiveServer:
    url: str
    app: object
    demo: Demo


def _static_in_memory(app):
    """Serve static files from memory in the test server.

    When the browser drops a connection in the middle of a file (a page closed while
    its favicon loads), Werkzeug's development server leaves the file open; under
    filterwarnings=error the ResourceWarning then fails whichever test runs next.
    Reading the body at once and closing the file avoids that without hiding warnings.
    """
    wsgi_app = app.wsgi_app

    def middleware(environ, start_response):
        result = wsgi_app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return _closed_even_if_dropped(result)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()

    return middleware


def _closed_even_if_dropped(result):
    """Every other answer (a conversation's attachment, a studio render, an export) passed
    on through a generator that closes it once sent — and also when the browser drops the
    connection half-way. In that case Werkzeug's development server reads the dropped
    socket before it closes the answer, fails, and leaves the file open. The suspended
    generator is then closed as soon as the server lets go of it, and it closes the file
    too, instead of leaving a ResourceWarning to fail whichever test runs next."""
    try:
        yield from result
    finally:
        if hasattr(result, "close"):
            result.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Partner Hub on 127.0.0.1:<free port>, demo data loaded, for the whole session."""
    from werkzeug.serving import make_server

    tmp = tmp_path_factory.mktemp("e2e")
    server = make_server("127.0.0.1", 0, None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": _e2e_database_url(tmp),
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": str(tmp / "instance"),
            "PUBLIC_URL": url,  # links in e-mails: never the request's Host header
            # A co-op import in chunks of 1,000 lines (5,000 otherwise), so the import test
            # watches its progress over several chunks with a small file.
            "COOP_IMPORT_CHUNK_ROWS": 1000,
        }
    )
    server.app = _static_in_memory(app)
    upgrade_database(app)
    with app.app_context():
        seed_demo()
        db.session.commit()
        demo = Demo()
        for org_id, name in db.session.execute(sa.select(Organization.id, Organization.name)):
            demo.org_ids[name] = org_id
        for person_id, email in db.session.execute(sa.select(Person.id, Person.email)):
            demo.person_ids[email] = person_id

    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app, demo=demo)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        app.extensions["hub.db"]["engine"].dispose()


@pytest.fixture(scope="session")
def demo(live_server) -> Demo:
    return live_server.demo


# --- Browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_path() -> Path:
    for path in AXE_CANDIDATES:
        if path.exists():
            return path
    unavailable("axe-core (npm ci, then node scripts/vendor.mjs)")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (Playwright cannot download its own browser here)."""
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("the playwright package")
    # `make test` runs the browser tests in two workers on two cores, each with its own
    # server and Chromium: an assertion waits up to 10 s (Playwright's default is 5 s)
    # for what a loaded machine draws late — a rendered preview, a pushed message.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server, axe_path):
    """Factory: open_page(viewport=PHONE) → a page in a fresh context (no cookies)."""
    opened = []

    def _open(viewport: dict | None = None):
        context = browser.new_context(base_url=live_server.url, viewport=viewport or DESKTOP)
        # An init script is injected by the DevTools protocol, outside the page's CSP.
        context.add_init_script(path=str(axe_path))
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(f"uncaught error on {page.url}: {exc}"))
        page.on(
            "console",
            lambda msg: (
                problems.append(f"CSP violation on {page.url}: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        opened.append((context, problems))
        return page

    yield _open
    found = []
    for context, problems in opened:
        context.close()
        found.extend(problems)
    if found:
        pytest.fail("The browser reported problems:\n" + "\n".join(found))


@pytest.fixture
def page(open_page):
    """A desktop-sized page (1280×900) in its own browser context."""
    return open_page()


# --- Helpers for the tests ---------------------------------------------------------------------


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait for the dashboard."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))


# Session cookies of people signed in once through the form, by e-mail (one live server per
# test process): a page test that only needs someone signed in starts there instead of
# filling the login form and loading the dashboard again (over a hundred page tests).
_SIGNED_IN: dict[str, list] = {}


def open_as(page, email: str, url: str):
    """Open url as email: with the cookies of an earlier sign-in when there is one, through
    the login form (then remembered) when not or when that session has ended. Returns the
    response of the page at url."""
    cookies = _SIGNED_IN.get(email)
    if cookies:
        page.context.add_cookies(cookies)
        response = page.goto(url)
        if "/login" not in page.url.split("?")[0]:
            return response
        page.context.clear_cookies()
    sign_in(page, email)
    _SIGNED_IN[email] = page.context.cookies()
    return page.goto(url)


def sign_out(page) -> None:
    """Use the user menu's Sign out button (the menu is a <details> element)."""
    menu = page.locator("header details.usermenu")
    menu.locator("summary").click()
    menu.get_by_role("button", name="Sign out").click()


def check_axe(page, *, label: str = "") -> None:
    """Fail when axe finds serious or critical accessibility violations on the page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        raise AssertionError("axe is not loaded: open the page with the `page`/`open_page` fixture")
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                          summary: n.failureSummary || ""}))
            }));
        }"""
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    for v in violations:
        if v not in blocking:  # shown with -rP / on failure; not a reason to fail
            print(f"axe {v['impact']}: {v['id']} on {page.url}: {v['help']}")
    if blocking:
        lines = [f"axe found {len(blocking)} serious/critical problem(s) on {label or page.url}:"]
        for v in blocking:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"][:8]:
                summary = " ".join(node["summary"].split())[:300]
                lines.append(f"    at {node['target']}: {summary}")
            if len(v["nodes"]) > 8:
                lines.append(f"    … and {len(v['nodes']) - 8} more elements")
        raise AssertionError("\n".join(lines))
