"""Helpers for kit tests: a funded program with the studio's demo templates, the test
dealer's brand profile, and the two demo kits published."""

from __future__ import annotations

from datetime import timedelta

from campaigns.demo import kits as kits_demo
from campaigns.demo import studio as studio_demo
from campaigns.studio.profiles import save_profile
from hub.db import today
from tests.campaigns.proposals.proposal_support import funded_program


def ready(channel, app, tmp_path, *, profile: dict | None = None, logo: bool = True):
    """(program, [social kit, mailer kit]); the dealer's profile has a logo and every
    field the kits' templates need unless `profile`/`logo` say otherwise."""
    app.config["STORAGE_DIR"] = str(tmp_path)
    program = funded_program(channel)
    studio_demo.install()
    fields = profile if profile is not None else {
        "phone": "555 0100", "website": "dealer.example", "brand_colour": "#1f5c3a",
        "address": "1 Main Street, Grand Island",
    }  # fmt: skip
    marketer = channel.people["dealer_marketer"]
    save_profile(
        marketer,
        channel.dealer,
        fields,
        (studio_demo.prairie_logo(), "logo.png", "image/png") if logo else None,
    )
    kits = kits_demo.install(channel.people["program_admin"], program=program)
    return program, kits


def launch_data(amount: str = "900.00", **overrides) -> dict:
    start = today()
    data = {
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=27)).isoformat(),
        "requested_amount": amount,
    }
    data.update(overrides)
    return data
