"""The partner scope as a prebuilt clause (policy.PARTNER_ORGANIZATION_SCOPE with
policy.scope_pattern) must select exactly what policy.organization_scope selects: the
dashboard and the unread counts use it instead of building the scope on every request."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub import db, policy
from hub.directory import queries
from hub.models import Organization

PARTNERS = ["distributor_admin", "partner_admin", "dealer_marketer", "other_marketer"]


@pytest.mark.parametrize("viewer_key", PARTNERS)
def test_the_prebuilt_partner_scope_selects_what_the_policy_does(channel, make_org, viewer_key):
    viewer = channel.people[viewer_key]
    # An organisation whose path shares a prefix as text but is not beneath ("/1/2" vs "/1/20").
    for _ in range(12):
        make_org("distributor", parent=channel.oem)

    def ids(clause, params=None):
        stmt = sa.select(Organization.id).where(clause).order_by(Organization.id)
        return db.session.scalars(stmt, params or {}).all()

    prebuilt = ids(policy.PARTNER_ORGANIZATION_SCOPE, {"scope_path": policy.scope_pattern(viewer)})
    assert prebuilt == ids(policy.organization_scope(viewer))
    assert viewer.organization_id in prebuilt


@pytest.mark.parametrize("viewer_key", ["program_admin", "channel_manager", *PARTNERS])
def test_downstream_counts_are_those_of_the_policy(channel, viewer_key):
    viewer = channel.people[viewer_key]
    expected = {}
    for org in db.session.scalars(policy.visible_organizations(viewer)):
        if org.id != viewer.organization_id:
            expected[org.kind.label] = expected.get(org.kind.label, 0) + 1
    assert queries.downstream_counts(viewer) == expected
