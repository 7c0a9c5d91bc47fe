"""What the co-op ledger's tests share: the program admin who runs the program, and a
program with per-tier rates (tests/campaigns.make_program)."""

from __future__ import annotations

import pytest

from tests.campaigns import make_program


@pytest.fixture
def admin(channel):
    return channel.people["program_admin"]


@pytest.fixture
def program(admin):
    return make_program(admin)
