"""Walks every URL rule: each must have access cases, and each case holds for every role.

The channel is built once, each case's world (what its path function makes) once in a
savepoint, and each role runs in a savepoint of that, rolled back after its request
(see MatrixWorld): the same (rule, role → status) checks as one world per role, at a
fraction of the cost."""

import contextlib
import importlib
import pkgutil
from collections.abc import Mapping

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
    org_factory,
    person_factory,
    session_csrf_token,
    sign_in,
)


def _all_cases() -> dict[str, list[Case]]:
    """Every `access_cases` module under tests/ (tests/<package>/ and its capability folders)."""
    cases: dict[str, list[Case]] = {}
    for info in pkgutil.walk_packages(tests.__path__, "tests."):
        if info.name.rpartition(".")[2] != "access_cases":
            continue
        module = importlib.import_module(info.name)
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


class MatrixWorld:
    """The worlds the access cases run in, one transaction of a connection of their own:

    - the channel and the marketer's objects, built once (per module, per xdist worker)
      and committed in the transaction;
    - per case, in a savepoint: whatever its path function makes (a proposal in some
      state, a conversation, an upload), built once for all roles;
    - per role, in a savepoint inside that one: the sign-in, the token and the request,
      rolled back afterwards.

    So every role meets the same world as if it had been built for it alone, nothing is
    left behind, and the channel and each case are built once instead of once per role.
    """

    def __init__(self, shared, engine):
        self.shared = shared
        self.connection = engine.connect()
        self.outer = self.connection.begin()
        self.case_key = None
        self.case_savepoint = None
        self.path = None
        with self._bound() as session:
            channel = build_channel(org_factory(session), person_factory(session))
            self.objects = _identities(add_access_objects(channel, session))
            session.commit()  # the savepoint the session works in; the transaction stays

    @contextlib.contextmanager
    def _bound(self):
        app = self.shared.bind(self.connection)
        try:
            with app.app_context():
                yield db.session
        finally:
            problem = self.shared.release()
        assert problem is None, problem

    def case(self, endpoint: str, index: int) -> str:
        """Build the case's world (unless it is the current one); its path."""
        if self.case_key != (endpoint, index):
            self._drop_case()
            case = CASES[endpoint][index]
            self.case_savepoint = self.connection.begin_nested()
            self.case_key = (endpoint, index)
            with self._bound() as session:
                channel = _reload(self.objects, session)
                self.path = case.path(channel) if callable(case.path) else case.path
                session.commit()
        return self.path

    def _drop_case(self) -> None:
        if self.case_savepoint is not None and self.case_savepoint.is_active:
            self.case_savepoint.rollback()
        self.case_key = self.case_savepoint = self.path = None

    def close(self) -> None:
        self._drop_case()
        if self.outer.is_active:
            self.outer.rollback()
        self.connection.close()

    @contextlib.contextmanager
    def role(self):
        """The shared app in the current case's world (a savepoint, rolled back at the
        end) and a Channel whose objects load in its session."""
        savepoint = self.connection.begin_nested()
        try:
            with self._bound() as session:
                yield self.shared.app, _reload(self.objects, session)
        finally:
            if savepoint.is_active:
                savepoint.rollback()


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


class _Lazy:
    """Loads a built object by its primary key in the role's session when first used (a
    request asks for one or two of them; loading all costs more than the request)."""

    def __init__(self, objects: dict, session):
        self._objects, self._session, self._loaded = objects, session, {}

    def _load(self, key):
        if key not in self._loaded:
            value = self._objects[key]
            if isinstance(value, dict):
                value = _LazyDict(value, self._session)
            elif isinstance(value, tuple) and len(value) == 3 and value[0] == "orm":
                value = self._session.get(value[1], value[2])
            self._loaded[key] = value
        return self._loaded[key]


class _LazyChannel(_Lazy, Channel):
    def __getattr__(self, name):
        if name.startswith("_") or name not in self._objects:
            raise AttributeError(name)
        return self._load(name)


class _LazyDict(_Lazy, Mapping):
    def __getitem__(self, key):
        return self._load(key)

    def __iter__(self):
        return iter(self._objects)

    def __len__(self):
        return len(self._objects)


def _reload(objects: dict, session) -> Channel:
    """A Channel like the one the case was built with, its objects loaded in session."""
    return _LazyChannel(objects, session)


@pytest.fixture(scope="module")
def matrix_world(shared_app, engine):
    """The access matrix's world (see MatrixWorld). The roles of one case follow one
    another (the parameters are in that order), so each case is built once (per xdist
    worker that gets some of its roles)."""
    world = MatrixWorld(shared_app[0], engine)
    yield world
    world.close()


@pytest.mark.parametrize(("endpoint", "index", "role"), PARAMS)
def test_access(endpoint, index, role, matrix_world):
    case = CASES[endpoint][index]
    expected = case.status_for(role)
    path = matrix_world.case(endpoint, index)
    with matrix_world.role() as (app, access_channel):
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
                # A token of the role's session, as a page would give it (the pages that
                # show one are the form pages' own tests' business, not the matrix's).
                data["csrf_token"] = session_csrf_token(client)
                response = client.open(path, method=case.method, data=data)
        response.close()
    assert response.status_code == expected, (
        f"{role} {case.method} {path}: got {response.status_code}, expected {expected}. {case.note}"
    )
