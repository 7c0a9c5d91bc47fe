"""Walks every URL rule: each must have access cases, and each case holds for every role."""

import importlib
import pkgutil

import pytest

import tests
from hub import notifications
from hub.accounts import service as accounts
from tests.access import ROLES, Case
from tests.conftest import csrf_token, sign_in


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


def test_every_url_rule_has_an_access_case(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(CASES))
    assert not missing, (
        f"URL rules without an access case in tests/<package>/access_cases.py: {missing}"
    )
    stale = sorted(set(CASES) - endpoints)
    assert not stale, f"access cases for endpoints that no longer exist: {stale}"


@pytest.fixture
def access_channel(channel, session):
    """The channel fixture plus objects that belong to the dealer marketer."""
    marketer = channel.people["dealer_marketer"]
    channel.notification_for_marketer = notifications.notify(
        marketer.id, "test", "for the marketer"
    )
    channel.token_of_marketer = accounts.create_api_token(marketer, "marketer token").token
    from hub.models import LoginSession
    from hub.security import new_token, token_hash

    channel.session_of_marketer = LoginSession(
        token_hash=token_hash(new_token()), person_id=marketer.id
    )
    session.add(channel.session_of_marketer)
    from hub.models import ProductLine

    channel.product_line = ProductLine(name="Balers", slug="balers")
    session.add(channel.product_line)
    session.flush()
    return channel


@pytest.mark.parametrize(("endpoint", "index", "role"), PARAMS)
def test_access(endpoint, index, role, app, client, access_channel):
    case = CASES[endpoint][index]
    expected = case.status_for(role)
    path = case.path(access_channel) if callable(case.path) else case.path
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
            data["csrf_token"] = csrf_token(client, "/login" if person is None else "/settings")
            response = client.open(path, method=case.method, data=data)
    response.close()
    assert response.status_code == expected, (
        f"{role} {case.method} {path}: got {response.status_code}, expected {expected}. {case.note}"
    )
