"""Helpers for proposal tests: a program with funds, a proposal's fields, proof files."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image

from campaigns.coop import ledger
from campaigns.coop.models import CoopProgram
from campaigns.proposals import service as proposals
from campaigns.proposals.models import ActivityCategory
from hub import db
from hub.db import today
from hub.models import StoredFile
from hub.uploads import reencode_image, store


def funded_program(channel, purchases: str = "500000.00") -> CoopProgram:
    """A USD program at 2% with the default categories and ladder; the dealer bought
    `purchases` this year (2% of 500,000 = 10,000 available)."""
    admin = channel.people["program_admin"]
    program = ledger.create_program(admin, "Proposal Co-op", "USD")
    ledger.set_accrual_rate(admin, program, "0.02", effective_from=date(2020, 1, 1))
    proposals.install_defaults(program)
    ledger.record_purchases(
        program,
        [
            {
                "external_id": f"erp-{org.id}",
                "organization_id": org.id,
                "amount": purchases,
                "currency": "USD",
                "purchased_on": today().replace(month=1, day=2).isoformat(),
            }
            for org in (channel.dealer, channel.sibling_dealer, channel.other_dealer)
        ],
    )
    return program


def category(program: CoopProgram, name: str = "Print advertising") -> ActivityCategory:
    return next(c for c in proposals.categories(program) if c.name == name)


def later(days: int = 10) -> dict:
    """Overrides of `fields` for a campaign that starts in `days` days (approved, it is
    not running yet, and cannot be claimed before it starts)."""
    start = today() + timedelta(days=days)
    return {"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=30)).isoformat()}


def fields(program: CoopProgram, **overrides) -> dict:
    """A proposal's fields: a campaign starting today (approved, it runs and can be
    claimed at once), 30 days long."""
    start = today()
    data = {
        "title": "Spring planter open house",
        "objective": "Book 40 planter demos before planting",
        "category_id": category(program).id,
        "audience": "Row-crop growers within 50 miles",
        "territory": "Hall County",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=30)).isoformat(),
        "requested_amount": "3000.00",
        "expected_leads": "40",
        "expected_revenue": "250000.00",
        "lines": [
            {"description": "Farm-paper ads, 4 weeks", "amount": "4000.00"},
            {"description": "Radio spots", "amount": "2000.00"},
        ],
    }
    data.update(overrides)
    return data


def png_bytes(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def stored_image(org_id: int, person_id: int, name: str = "proof.png") -> StoredFile:
    data = reencode_image(png_bytes())
    kept = store(data, "proofs", ".png", "image/png")
    import hashlib

    row = StoredFile(
        path=kept.path,
        content_type=kept.content_type,
        size=kept.size,
        filename=name,
        sha256=hashlib.sha256(data).hexdigest(),
        organization_id=org_id,
        uploaded_by_id=person_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def approved(channel, program, **overrides):
    """A proposal submitted by the dealer's marketer and approved by the channel manager."""
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program, **overrides))
    proposals.submit(marketer, proposal)
    proposals.approve(channel.people["channel_manager"], proposal)
    return proposal


def claim_lines(proposal, marketer, costs=("2000.00", "1000.00")) -> list[dict]:
    """Claim lines with proof of every kind the category needs."""
    kinds = list(proposal.category.required_proofs)
    lines = []
    for number, cost in enumerate(costs):
        proof = stored_image(proposal.organization_id, marketer.id)
        line_kinds = kinds if number == 0 else ["invoice"]
        lines.append(
            {
                "description": f"Cost {number + 1}",
                "amount": cost,
                "proofs": [(kind, proof) for kind in line_kinds],
            }
        )
    return lines
