"""Walks every URL rule: each must have access cases, and each case holds for every role.

Each case's world (the channel, and what its path function makes) is built once and
shared by the roles, each of which runs in a savepoint rolled back after its request
(see BuiltCase): the same (rule, role → status) checks as one world per role, at a
fraction of the cost."""

import contextlib
import importlib
import pkgutil

import pytest
import sqlalchemy as sa

import tests
from hub import db, notifications
from hub.accounts import service as accounts
from hub.models import LoginSession, ProductLine
from hub.security import new_token, token_hash
from tests.access import ROLES, Case
from tests.conftest import (
    Channel,
    build_channel,
    csrf_token,
    org_factory,
    person_factory,
    sign_in,
)


def _all_cases() -> dict[str, list[Case]]:
    cases: dict[str, list[Case]] = {}
    for info in pkgutil.iter_modules(tests.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{info.name}.access_cases")
        except ModuleNotFoundError:
            continue
        for endpoint, endpoint_cases in module.ACCESS_CASES.items():
            cases.setdefault(endpoint, []).extend(endpoint_cases)
    return cases


CASES = _all_cases()
PARAMS = [
    pytest.param(endpoint, index, role, id=f"{endpoint}[{index}]-{role}")
    for endpoint, endpoint_cases in sorted(CASES.items())
    for index, case in enumerate(endpoint_cases)
    for role in ROLES
    if role in case.roles
]


def test_every_url_rule_has_an_access_case(shared_app):
    endpoints = {rule.endpoint for rule in shared_app[0].app.url_map.iter_rules()}
    missing = sorted(endpoints - set(CASES))
    assert not missing, (
        f"URL rules without an access case in tests/<package>/access_cases.py: {missing}"
    )
    stale = sorted(set(CASES) - endpoints)
    assert not stale, f"access cases for endpoints that no longer exist: {stale}"


def add_access_objects(channel, session):
    """The channel plus objects that belong to the dealer marketer."""
    marketer = channel.people["dealer_marketer"]
    channel.notification_for_marketer = notifications.notify(
        marketer.id, "test", "for the marketer"
    )
    channel.token_of_marketer = accounts.create_api_token(marketer, "marketer token").token
    channel.session_of_marketer = LoginSession(
        token_hash=token_hash(new_token()), person_id=marketer.id
    )
    session.add(channel.session_of_marketer)
    channel.product_line = ProductLine(name="Balers", slug="balers")
    session.add(channel.product_line)
    session.flush()
    return channel


class BuiltCase:
    """One case's world, built once and committed inside a transaction of its own
    connection: the channel, the marketer's objects and whatever the case's path made
    (a proposal in some state, a conversation, an upload). Each role's request then runs
    in a savepoint of that transaction, rolled back afterwards, so every role meets the
    same world as if it had been built for it alone — and nothing is left behind."""

    def __init__(self, shared, engine, case: Case):
        self.shared = shared
        self.connection = engine.connect()
        self.outer = self.connection.begin()
        app = shared.bind(self.connection)
        try:
            with app.app_context():
                session = db.session
                channel = build_channel(org_factory(session), person_factory(session))
                channel = add_access_objects(channel, session)
                self.path = case.path(channel) if callable(case.path) else case.path
                session.commit()  # the savepoint the session works in; the transaction stays
                self.objects = _identities(channel)
        finally:
            shared.release()

    def close(self) -> None:
        if self.outer.is_active:
            self.outer.rollback()
        self.connection.close()

    @contextlib.contextmanager
    def role(self):
        """The shared app in this world (a savepoint, rolled back at the end) and a Channel
        whose objects are loaded fresh in its session."""
        savepoint = self.connection.begin_nested()
        app = self.shared.bind(self.connection)
        try:
            with app.app_context():
                yield app, _reload(self.objects, db.session)
        finally:
            problem = self.shared.release()
            if savepoint.is_active:
                savepoint.rollback()
            assert problem is None, problem


def _identities(channel) -> dict:
    """channel's attributes with each database object replaced by (class, primary key)."""

    def ident(value):
        if isinstance(value, dict):
            return {k: ident(v) for k, v in value.items()}
        state = sa.inspect(value, raiseerr=False)
        if state is not None and getattr(state, "mapper", None) is not None:
            return ("orm", type(value), state.identity)
        return value

    return {k: ident(v) for k, v in vars(channel).items()}


def _reload(objects: dict, session) -> Channel:
    def load(value):
        if isinstance(value, dict):
            return {k: load(v) for k, v in value.items()}
        if isinstance(value, tuple) and len(value) == 3 and value[0] == "orm":
            return session.get(value[1], value[2])
        return value

    channel = Channel()
    for key, value in objects.items():
        setattr(channel, key, load(value))
    return channel


@pytest.fixture(scope="module")
def built_cases(shared_app, engine):
    """The world of the access case being checked, built by its first role; the roles of
    one case run one after another (the parameters are in that order), so it is built
    once per case (per xdist worker that gets some of its roles)."""
    current: dict = {}

    def get(endpoint: str, index: int) -> BuiltCase:
        key = (endpoint, index)
        if key not in current:
            for built in current.values():
                built.close()
            current.clear()
            current[key] = BuiltCase(shared_app[0], engine, CASES[endpoint][index])
        return current[key]

    yield get
    for built in current.values():
        built.close()


@pytest.mark.parametrize(("endpoint", "index", "role"), PARAMS)
def test_access(endpoint, index, role, built_cases):
    case = CASES[endpoint][index]
    expected = case.status_for(role)
    built = built_cases(endpoint, index)
    path = built.path
    with built.role() as (app, access_channel):
        client = app.test_client()
        headers = {}
        person = None if role == "anonymous" else access_channel.people[role]
        if case.json:
            if person is not None:
                headers["Authorization"] = (
                    "Bearer " + accounts.create_api_token(person, "matrix").secret
                )
            body = case.data(access_channel) if callable(case.data) else case.data
            if case.method == "GET":
                response = client.get(path, headers=headers)
            else:
                response = client.open(path, method=case.method, json=body, headers=headers)
        else:
            if person is not None:
                sign_in(client, person)
            if case.method == "GET":
                response = client.get(path)
            else:
                data = case.data(access_channel) if callable(case.data) else dict(case.data or {})
                # The token is the session's, whichever page shows it: a light one.
                page = "/login" if person is None else "/notifications"
                data["csrf_token"] = csrf_token(client, page)
                response = client.open(path, method=case.method, data=data)
        response.close()
    assert response.status_code == expected, (
        f"{role} {case.method} {path}: got {response.status_code}, expected {expected}. {case.note}"
    )
