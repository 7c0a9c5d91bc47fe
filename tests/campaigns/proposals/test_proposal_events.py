"""Live proposal pages over Socket.IO: who is viewing, and thread events arriving —
only for people who may see the proposal (docs/campaigns.md, "Live on the proposal page")."""

from __future__ import annotations

import pytest

from campaigns.proposals import service as proposals
from hub import db
from hub.extensions import socketio
from tests.campaigns.proposals.proposal_support import fields, funded_program
from tests.conftest import sign_in
from tests.realtime_support import ServerSideSocketClient


@pytest.fixture
def tab(app, channel):
    """tab(who): a browser signed in as that person of `channel`, and its socket."""
    opened = []

    def _tab(who):
        browser = app.test_client()
        sign_in(browser, channel.people[who])
        sock = ServerSideSocketClient(app, socketio, flask_test_client=browser)
        opened.append(sock)
        return sock

    yield _tab
    for sock in opened:
        sock.close()


def received(sock, name):
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


@pytest.fixture
def proposal(channel):
    program = funded_program(channel)
    marketer = channel.people["dealer_marketer"]
    p = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, p)
    db.session.commit()
    return p


def test_viewers_see_each_other_and_new_comments(channel, tab, proposal):
    dealer = tab("dealer_marketer")
    manager = tab("channel_manager")
    assert dealer.emit("proposal:join", {"proposal_id": proposal.id}, callback=True) == {
        "ok": True,
        "heartbeat": 25,
    }
    assert manager.emit("proposal:join", {"proposal_id": proposal.id}, callback=True)["ok"]
    joined = received(dealer, "proposal:viewer")
    assert [(v["user"]["id"], v["present"]) for v in joined] == [
        (channel.people["channel_manager"].id, True)
    ]
    assert received(manager, "proposal:viewer") == []  # not told about itself
    dealer.emit("proposal:here", {"proposal_id": proposal.id}, callback=True)
    assert received(manager, "proposal:viewer")[0]["user"]["name"] == (
        channel.people["dealer_marketer"].name
    )

    proposals.comment(channel.people["channel_manager"], proposal, "Looks good")
    db.session.commit()  # events go out after commit
    event = received(dealer, "proposal:event")
    assert event and event[-1]["proposal_id"] == proposal.id and event[-1]["kind"] == "comment"

    manager.emit("proposal:leave", {"proposal_id": proposal.id}, callback=True)
    left = received(dealer, "proposal:viewer")
    assert left[-1]["present"] is False


def test_a_proposal_outside_scope_is_refused_and_leaks_nothing(channel, tab, proposal):
    other = tab("partner_staff")  # same dealer: may see
    assert other.emit("proposal:join", {"proposal_id": proposal.id}, callback=True)["ok"]
    oem = tab("product_manager")  # the OEM sees submitted proposals
    assert oem.emit("proposal:join", {"proposal_id": proposal.id}, callback=True)["ok"]
    # A partner of another branch gets the same answer as for a proposal that does not exist.
    outsider = tab("other_marketer")
    refused = outsider.emit("proposal:join", {"proposal_id": proposal.id}, callback=True)
    missing = outsider.emit("proposal:join", {"proposal_id": 999999}, callback=True)
    assert refused == missing and refused["ok"] is False
    here = outsider.emit("proposal:here", {"proposal_id": proposal.id}, callback=True)
    assert here["ok"] is False
    proposals.comment(channel.people["channel_manager"], proposal, "Secret plans")
    db.session.commit()
    assert received(outsider, "proposal:event") == []
    assert received(other, "proposal:event")


def test_drafts_are_private_to_the_dealer(channel, tab):
    program = funded_program(channel)
    draft = proposals.create(channel.people["dealer_marketer"], program, fields(program))
    db.session.commit()
    assert tab("dealer_marketer").emit("proposal:join", {"proposal_id": draft.id}, callback=True)[
        "ok"
    ]
    assert not tab("channel_manager").emit(
        "proposal:join", {"proposal_id": draft.id}, callback=True
    )["ok"]
    assert tab("dealer_marketer").emit("proposal:join", {"proposal_id": "x"}, callback=True) == {
        "ok": False,
        "error": 'Send {"proposal_id": <number>}.',
    }


def test_a_closed_tab_leaves_at_once(channel, tab, proposal):
    dealer = tab("dealer_marketer")
    manager = tab("channel_manager")
    dealer.emit("proposal:join", {"proposal_id": proposal.id}, callback=True)
    manager.emit("proposal:join", {"proposal_id": proposal.id}, callback=True)
    received(dealer, "proposal:viewer")
    manager.disconnect()
    gone = received(dealer, "proposal:viewer")
    assert [(v["user"]["id"], v["present"]) for v in gone] == [
        (channel.people["channel_manager"].id, False)
    ]
