"""The number of SQL statements a page runs must not grow with the amount of data.

Each page is requested with a small program, then the program is made several times
bigger — more organisations and more people, all inside the viewer's scope — and the
page is requested again: the statement counts must be equal. A count that grows is an
N+1 query (a lazy load per row) or a loop of queries, which the load benchmark
(`make bench`, docs/performance.md) would show as a page that slows down with the data.

Every request runs in a fresh thread, hence a fresh app context: its own `g`, its own
database session and identity map, like a request in production. Each page is
requested once unmeasured first, so one-off writes (a first-use row, an API token's
"last used" stamp) don't count.

The same pages are also checked for nested joins, which SQLite materialises in full
(see test_pages_do_not_nest_joins). No wall-clock limits anywhere: counts and SQL
shapes only.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import before_render_template, template_rendered
from sqlalchemy import event

from hub import audit, db
from hub.accounts import service as accounts
from hub.db import utcnow
from hub.models import Notification, Person, ProgramSettings, TerritoryAssignment
from tests.conftest import BOOKKEEPING, sign_in

VIEWERS = ["channel_manager", "program_admin", "distributor_admin", "dealer_marketer"]


def _get_in_fresh_context(client, path: str, headers: dict[str, str]):
    """GET path from a new thread, so the request gets its own app context and session."""
    box = {}

    def run():
        try:
            box["response"] = client.get(path, headers=headers)
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["response"]


def _count(client, statements, path: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    db.session.flush()
    warm = _get_in_fresh_context(client, path, headers)
    assert warm.status_code == 200, f"GET {path} answered {warm.status_code}, expected 200"
    with statements:
        response = _get_in_fresh_context(client, path, headers)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}, expected 200"
    return len(statements.statements), list(statements.statements)


def _pages(channel, viewer: Person) -> list[str]:
    """The pages to check for this viewer: all within the viewer's scope."""
    pages = ["/", "/organizations", f"/organizations/{channel.dealer.id}", "/api/v1/organizations"]
    if viewer.organization_id != channel.dealer.id:
        pages.insert(3, f"/organizations/{viewer.organization_id}")
    if viewer.is_oem:
        pages.insert(3, f"/organizations/{channel.distributor.id}")
    return pages


def _grow(session, channel, make_org, make_person, *, times: int, viewers: list[Person]) -> None:
    """Add `times` rounds of data everywhere a viewer looks: dealers under the distributor,
    a master distributor with its own distributor and dealers, staff at the dealer, the
    distributor and the OEM, territory for the channel managers, notifications and audit
    events for the viewers."""
    oem, distributor, dealer = channel.oem, channel.distributor, channel.dealer
    managers = [p for p in channel.people.values() if p.role.value == "channel_manager"]
    new_orgs = []
    for _ in range(times):
        for _ in range(2):
            new_dealer = make_org("dealer", parent=distributor, tier="Elite")
            make_person("partner_admin", new_dealer)
            make_person("dealer_marketer", new_dealer)
            new_orgs.append(new_dealer)
        master = make_org("master_distributor", parent=oem)
        sub = make_org("distributor", parent=master, tier="Authorized")
        new_orgs += [master, sub, make_org("dealer", parent=sub)]
        make_person("partner_admin", master)
        make_person("partner_staff", sub)
        for role in ("partner_staff", "partner_staff", "dealer_marketer"):
            make_person(role, dealer)
        make_person("partner_staff", distributor)
        make_person("product_manager", oem)
        now = utcnow()
        for viewer in viewers:
            session.add(
                Notification(
                    person_id=viewer.id,
                    kind="program",
                    text="Program news",
                    url="/",
                    created_at=now,
                )
            )
            session.add(
                Notification(
                    person_id=viewer.id,
                    kind="program",
                    text="Older news",
                    url="/",
                    created_at=now - timedelta(days=1),
                    read_at=now,
                )
            )
            audit.record(
                "organization.updated",
                viewer.organization,
                actor=viewer,
                before={"phone": "1"},
                after={"phone": "2"},
                summary="Contact details updated",
            )
    for org in new_orgs:
        for manager in managers:
            session.add(TerritoryAssignment(channel_manager_id=manager.id, organization_id=org.id))
    session.flush()


def _small_program(session, client, channel, make_org, make_person, viewer_key):
    """The channel fixture plus one round of everything; the viewer signed in.

    Returns the viewer, the pages to check and the headers for each (the API takes a
    bearer token, the pages the session cookie)."""
    if session.scalar(sa.select(ProgramSettings).limit(1)) is None:
        session.add(ProgramSettings())
    viewer = channel.people[viewer_key]
    for org in (channel.distributor, channel.dealer, channel.sibling_dealer):
        session.add(
            TerritoryAssignment(
                channel_manager_id=channel.people["channel_manager"].id, organization_id=org.id
            )
        )
    _grow(session, channel, make_org, make_person, times=1, viewers=list(channel.people.values()))
    sign_in(client, viewer)
    issued = accounts.create_api_token(viewer, "query-count test", actor=viewer)
    api_headers = {"Authorization": f"Bearer {issued.secret}"}
    pages = {
        path: api_headers if path.startswith("/api/") else {} for path in _pages(channel, viewer)
    }
    return viewer, pages


@pytest.mark.parametrize("viewer_key", VIEWERS)
def test_statement_counts_do_not_grow_with_the_data(
    viewer_key, app, client, session, channel, make_org, make_person, statements
):
    _, pages = _small_program(session, client, channel, make_org, make_person, viewer_key)
    small = {path: _count(client, statements, path, headers) for path, headers in pages.items()}

    # Five more rounds: six times the organisations and people in the viewer's scope.
    _grow(session, channel, make_org, make_person, times=5, viewers=list(channel.people.values()))
    large = {path: _count(client, statements, path, headers) for path, headers in pages.items()}

    grown = {
        path: (small[path][0], large[path][0]) for path in pages if small[path][0] != large[path][0]
    }
    assert not grown, f"statement counts grew with the data for {viewer_key}:\n" + "\n".join(
        f"  {path}: {before} → {after} statements; repeated or new:\n"
        + _diff(small[path][1], large[path][1])
        for path, (before, after) in grown.items()
    )


# "a LEFT OUTER JOIN (b JOIN c ON …)": a parenthesised join, not a sub-select.
_NESTED_JOIN = re.compile(r"\bJOIN \((?!\s*SELECT\b)", re.I)


@pytest.mark.parametrize("viewer_key", VIEWERS)
def test_pages_do_not_nest_joins(
    viewer_key, app, client, session, channel, make_org, make_person, statements
):
    """No page's SQL holds a parenthesised join such as
    `api_token LEFT OUTER JOIN (person JOIN organization ON …)`.

    The ORM writes one when an outer-joined eager load (`lazy="joined"` on a nullable
    or non-`innerjoin` relationship) reaches a model whose own eager load is an inner
    join (Person.organization). SQLite cannot flatten it: it materialises the whole
    inner join — every person with their organisation — for each such query, which
    with 20,000 people costs tens of milliseconds per statement (docs/performance.md).
    Use `innerjoin=True` where the foreign key is NOT NULL, or `selectinload` instead.
    """
    _, pages = _small_program(session, client, channel, make_org, make_person, viewer_key)
    nested = {}
    for path, headers in pages.items():
        _, sql = _count(client, statements, path, headers)
        found = [s for s in sql if _NESTED_JOIN.search(s)]
        if found:
            nested[path] = found
    assert not nested, f"pages seen by {viewer_key} run nested joins:\n" + "\n".join(
        f"  {path}:\n" + "\n".join(f"    … {_shape(s)[s.find(' FROM ') :][:300]}" for s in found)
        for path, found in nested.items()
    )


@pytest.mark.parametrize("viewer_key", VIEWERS)
def test_templates_run_no_sql(viewer_key, app, client, session, channel, make_org, make_person):
    """Every statement of a page runs before its templates render: a template that queries
    (a navigation badge asking for its count, an attribute loading lazily) costs the ORM's
    whole per-statement work on every page, where computing it first costs one query
    (docs/performance.md)."""
    _, pages = _small_program(session, client, channel, make_org, make_person, viewer_key)
    rendering, from_templates = [], []

    def started(sender, template, context, **extra):
        rendering.append(template.name)

    def finished(sender, template, context, **extra):
        rendering.pop()

    def statement(conn, cursor, sql, parameters, context, executemany):
        if rendering and not BOOKKEEPING.match(sql):
            from_templates.append(f"{rendering[-1]}: {' '.join(sql.split())[:200]}")

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(db.engine(), "before_cursor_execute", statement)
    try:
        for path, headers in pages.items():
            if not path.startswith("/api/"):
                response = _get_in_fresh_context(client, path, headers)
                assert response.status_code == 200, path
    finally:
        event.remove(db.engine(), "before_cursor_execute", statement)
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)
    assert not from_templates, f"templates ran SQL for {viewer_key}:\n" + "\n".join(
        sorted(set(from_templates))
    )


# What every page needs, read at most once per request (db.memo, docs/performance.md).
_ONCE = {
    "program settings": re.compile(r"\bFROM program_settings\b"),
    "the signed-in session": re.compile(r"\bFROM login_session\b"),
    "the unread notifications": re.compile(r"\bFROM notification WHERE .*read_at IS NULL"),
    "the unread conversations": re.compile(r"\bFROM conversation_participant JOIN conversation\b"),
    "the co-op program": re.compile(r"\bFROM coop_program\b"),
}


@pytest.mark.parametrize("viewer_key", VIEWERS)
def test_what_every_page_needs_is_read_once(
    viewer_key, app, client, session, channel, make_org, make_person, statements
):
    _, pages = _small_program(session, client, channel, make_org, make_person, viewer_key)
    twice = {}
    for path, headers in pages.items():
        _, sql = _count(client, statements, path, headers)
        for what, pattern in _ONCE.items():
            if (n := sum(1 for s in sql if pattern.search(s))) > 1:
                twice[f"{path}: {what}"] = n
    assert not twice, f"read more than once per request for {viewer_key}: {twice}"


# An expanded IN list ("IN (?, ?, ?)", "IN (%(id_1_1)s, %(id_1_2)s)") differs only in length.
_PARAM = r"(?:\?|%\(\w+\)s|:\w+|\$\d+)(?:::\w+)?"
_IN_LIST = re.compile(rf"\bIN \({_PARAM}(?:, {_PARAM})*\)")


def _shape(sql: str) -> str:
    return _IN_LIST.sub("IN (...)", sql)


def _diff(before: list[str], after: list[str]) -> str:
    """The statements run more often with the larger program (shapes, not parameters)."""
    more = Counter(map(_shape, after))
    more.subtract(Counter(map(_shape, before)))
    lines = [f"    +{n} x {sql[:300]}" for sql, n in more.most_common() if n > 0]
    fewer = [f"    {n} x {sql[:300]}" for sql, n in more.most_common() if n < 0]
    return "\n".join(lines + fewer) or "    (same statements, different order)"


def test_the_counter_sees_a_query_per_row(app, session, channel, statements):
    """The instrument itself: a loop of lookups shows up as one statement per lookup."""
    ids = [p.id for p in channel.people.values()]
    with statements:
        for person_id in ids:
            session.scalar(sa.select(Person.name).where(Person.id == person_id))
    assert len(statements.statements) == len(ids)
