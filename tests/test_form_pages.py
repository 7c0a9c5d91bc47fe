"""The list of form pages the phone-width browser test checks is whole (tests/form_pages.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import db
from hub.models import Person
from tests.conftest import sign_in
from tests.form_pages import (
    ANONYMOUS,
    FORM_PAGES,
    NO_FIELDS,
    TWO_FACTOR,
    demo_values,
    form_fields_in,
    get_rules,
)


def test_every_get_page_is_listed_as_a_form_page_or_a_page_without_fields(app):
    listed = {endpoint for endpoint, _who, _path in FORM_PAGES} | set(NO_FIELDS)
    rules = get_rules(app)

    unlisted = sorted(f"{rules[e]} ({e})" for e in set(rules) - listed)
    assert not unlisted, (
        "New GET pages: add each to FORM_PAGES (it shows a form with fields; the 375 px "
        "browser test then checks it) or to NO_FIELDS in tests/form_pages.py: "
        + ", ".join(unlisted)
    )
    assert not listed - set(rules), f"listed but gone: {sorted(listed - set(rules))}"


def _open(client, who: str | None, path: str) -> str:
    if who is ANONYMOUS:
        with client.session_transaction() as s:
            s.clear()
    else:
        sign_in(client, _person(who))
    response = client.get(path)
    assert response.status_code == 200, f"{path} as {who}: {response.status_code}"
    return response.get_data(as_text=True)


def _person(email: str) -> Person:
    return db.session.scalar(sa.select(Person).where(Person.email == email))


@pytest.fixture
def demo(app, session):
    return demo_values()


@pytest.mark.demo
def test_pages_listed_without_fields_have_none_and_form_pages_have_some(client, demo):
    grown = []
    for endpoint, sample in NO_FIELDS.items():
        if sample is not None:
            who, path = sample
            url = path.format(**demo)
            if form_fields_in(_open(client, who, url)):
                grown.append(f"{url} ({endpoint})")
    assert not grown, f"These pages now have form fields: move them to FORM_PAGES: {grown}"

    for endpoint, who, path in FORM_PAGES:
        if who == TWO_FACTOR or "_token}" in path:
            continue  # these need a sign-in half done or a mailed link: the browser test's
        url = path.format(**demo)
        assert form_fields_in(_open(client, who, url)), f"{url} ({endpoint}) has no form fields"
