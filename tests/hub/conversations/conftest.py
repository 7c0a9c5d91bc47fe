"""Fixtures for the conversation tests: a covered dealer, a product line with its product
manager, a `start(...)` factory, and sockets signed in like browser tabs."""

from __future__ import annotations

import uuid

import pytest

from hub.conversations import service as conversations
from hub.models import ProductLine, ProductLineManager, TerritoryAssignment
from tests import realtime_support
from tests.conftest import sign_in


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def covered(channel, session):
    """The channel manager covers the distributor — so its dealers too (nearest above)."""
    session.add(
        TerritoryAssignment(
            channel_manager_id=channel.people["channel_manager"].id,
            organization_id=channel.distributor.id,
        )
    )
    session.flush()
    return channel


@pytest.fixture
def balers(channel, session):
    """A product line whose product manager is the channel's product manager."""
    line = ProductLine(name="Balers", slug="balers")
    session.add(line)
    session.flush()
    session.add(
        ProductLineManager(product_line_id=line.id, person_id=channel.people["product_manager"].id)
    )
    session.flush()
    return line


@pytest.fixture
def start(channel):
    """start(who="dealer_marketer", subject=..., body=..., **kw): a new conversation."""

    def _start(who="dealer_marketer", subject="Baler knotter misses", body="It misses.", **kw):
        person = who if not isinstance(who, str) else channel.people[who]
        conversation, created = conversations.start_conversation(person, subject, body, **kw)
        assert created
        return conversation

    return _start


@pytest.fixture
def say(channel):
    """say(conversation, who, body): send a message (a new client_msg_id each time)."""

    def _say(conversation, who, body="Hello", **kw):
        person = who if not isinstance(who, str) else channel.people[who]
        message, created = conversations.send_message(person, conversation, new_id(), body, **kw)
        assert created
        return message

    return _say


open_socket = realtime_support.open_socket  # the shared fixture (used by tab)


@pytest.fixture
def tab(app, channel, open_socket):
    """tab(who): a new browser signed in as that person of `channel`, and its socket."""

    def _tab(who):
        person = who if not isinstance(who, str) else channel.people[who]
        browser = app.test_client()
        sign_in(browser, person)
        return open_socket(browser)

    return _tab


def events(sock, name: str) -> list[dict]:
    """The payloads of the `name` events the socket received since the last call."""
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]
