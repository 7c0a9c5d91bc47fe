"""The program admin configures tiers and who must use two-factor sign-in."""

import sqlalchemy as sa

from hub.models import AuditEvent, Tier
from tests.conftest import post_form, sign_in


def test_tiers_can_be_added_renamed_reordered_and_removed(client, channel, session):
    sign_in(client, channel.people["program_admin"])
    post_form(
        client,
        "/admin/tiers",
        {"name": "Platinum", "description": "Top of the top"},
        token_page="/admin/program",
    )
    platinum = session.scalar(sa.select(Tier).where(Tier.name == "Platinum"))
    assert platinum is not None
    post_form(
        client,
        f"/admin/tiers/{platinum.id}",
        {"name": "Diamond", "description": "", "action": "save"},
        token_page="/admin/program",
    )
    session.refresh(platinum)
    assert platinum.name == "Diamond"
    top = platinum.rank
    post_form(
        client, f"/admin/tiers/{platinum.id}", {"action": "down"}, token_page="/admin/program"
    )
    session.refresh(platinum)
    assert platinum.rank < top
    post_form(
        client, f"/admin/tiers/{platinum.id}", {"action": "delete"}, token_page="/admin/program"
    )
    assert session.scalar(sa.select(Tier.id).where(Tier.id == platinum.id)) is None
    actions = set(
        session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("tier.%")))
    )
    assert {"tier.created", "tier.updated", "tier.reordered", "tier.deleted"} <= actions


def test_a_tier_held_by_partners_cannot_be_removed(client, channel, session):
    sign_in(client, channel.people["program_admin"])
    tier_id = channel.dealer.tier_id
    response = post_form(
        client, f"/admin/tiers/{tier_id}", {"action": "delete"}, token_page="/admin/program"
    )
    assert response.status_code == 303
    assert session.get(Tier, tier_id) is not None
    page = client.get("/admin/program").get_data(as_text=True)
    assert "move them to another tier first" in page


def test_duplicate_tier_name_is_refused(client, channel, session):
    sign_in(client, channel.people["program_admin"])
    name = channel.dealer.tier.name
    post_form(client, "/admin/tiers", {"name": name.upper()}, token_page="/admin/program")
    assert (
        session.scalar(sa.select(sa.func.count()).where(sa.func.lower(Tier.name) == name.lower()))
        == 1
    )
    assert "There is already a tier called" in client.get("/admin/program").get_data(as_text=True)


def test_two_factor_requirement_is_saved_and_audited(client, channel, session):
    sign_in(client, channel.people["program_admin"])
    response = post_form(
        client, "/admin/program", {"mfa_required_roles": ["program_admin", "channel_manager"]}
    )
    assert response.status_code == 303
    event = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "program.mfa_roles_changed")
    )
    assert event.after == {"mfa_required_roles": ["channel_manager", "program_admin"]}
