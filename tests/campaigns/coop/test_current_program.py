"""The co-op program as the pages read it (campaigns.coop.program.CurrentProgram): the row's
values, read-only, refused by SQLAlchemy, and read again after a write changes the row."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.models import CoopAccount, CoopProgram
from campaigns.coop.program import CurrentProgram, current_program, set_claim_terms
from campaigns.proposals.campaign_rules import save_approval_rules
from hub import db
from hub.models import AuditEvent
from hub.plain import row_of


@pytest.fixture
def program(admin):
    return ledger.create_program(admin, "Shown Co-op", "USD", carryover_periods=1)


def test_the_values_are_the_rows(program):
    shown = current_program()
    assert isinstance(shown, CurrentProgram)
    assert shown == program and program == shown  # the same program either way round
    for column in CoopProgram.__table__.columns:
        assert getattr(shown, column.key) == getattr(program, column.key), column.key
    assert isinstance(shown.minimum_claim, Decimal)
    assert row_of(shown) is program  # the session's own row
    assert shown.rates == program.rates  # a relationship: read from the row


def test_it_is_read_only_and_sqlalchemy_refuses_it(program, channel, session):
    shown = current_program()
    with pytest.raises(AttributeError, match="read-only"):
        shown.claim_window_days = 5
    # Refused as the account is added, before anything is written.
    account = CoopAccount(organization_id=channel.dealer.id, program=shown)
    with pytest.raises(AttributeError, match="_sa_instance_state"):
        session.add(account)
    session.expunge_all()


def test_a_change_is_read_again_after_it(admin, program, session):
    before = current_program()
    changes = set_claim_terms(admin, before, claim_window_days=45, minimum_claim="150.00")
    assert changes == {"claim_window_days": (60, 45), "minimum_claim": (Decimal("0.00"), 150)}
    after = current_program()  # read again: the write forgot the request's copy
    assert (after.claim_window_days, after.minimum_claim) == (45, Decimal("150.00"))
    assert before.claim_window_days == 60  # a copy taken before is not the row


def test_the_approval_rules_audit_what_the_row_now_says(admin, program, session):
    save_approval_rules(admin, current_program(), {"fast_lane_limit": "500", "rungs": []})
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "coop.approval_rules_saved")
    ).one()
    assert event.object_type == "CoopProgram"
    assert event.after["fast_lane_limit"] == "500.00"
    assert db.session.get(CoopProgram, program.id).fast_lane_limit == Decimal("500.00")
