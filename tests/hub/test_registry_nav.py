"""The navigation a role sees, worked out once per role (Registry.nav_for_role)."""

from __future__ import annotations

from hub.models import Role
from hub.registry import NavItem, registry


def _worked_out(nav, role: str) -> list[NavItem]:
    return sorted(
        (i for i in nav if not i.roles or role in i.roles), key=lambda i: (i.order, i.label)
    )


def test_each_role_sees_its_items_in_order(app):
    reg = registry(app)
    seen = {}
    for role in Role:
        items = reg.nav_for_role(role.value)
        assert list(items) == _worked_out(reg.nav, role.value)
        assert reg.nav_for_role(role.value) is items  # kept, not worked out again
        seen[role] = [i.endpoint for i in items]
    assert seen[Role.DEALER_MARKETER][0] == "hub.dashboard"
    assert seen[Role.PROGRAM_ADMIN] != seen[Role.DEALER_MARKETER]  # roles differ


def test_an_item_added_later_is_shown(app):
    reg = registry(app)
    before = reg.nav_for_role(Role.PARTNER_STAFF.value)
    extra = NavItem("Late", "hub.dashboard", frozenset({Role.PARTNER_STAFF.value}), order=99)
    reg.nav.append(extra)
    try:
        after = reg.nav_for_role(Role.PARTNER_STAFF.value)
        assert after == (*before, extra)
        assert extra not in reg.nav_for_role(Role.DEALER_MARKETER.value)
    finally:
        reg.nav.remove(extra)
    assert reg.nav_for_role(Role.PARTNER_STAFF.value) == before
