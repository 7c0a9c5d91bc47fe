"""Demo conversations: Prairie's marketer with the channel manager, one handed to the
tractor product manager with its history, unread messages all round.

Registered in the registry's demo list by hub.conversations' init_app; run by `hub seed-demo`
after the core demo (hub.demo.channel) is in place.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub import db
from hub.conversations.handoff import hand_off
from hub.conversations.models import ConversationStatus
from hub.conversations.service import mark_read, send_message, set_status, start_conversation
from hub.db import utcnow
from hub.models import ProductLine


def seed_demo(context: dict) -> str:
    """Demo conversations in every state: Prairie's marketer with the channel manager, one
    handed to the tractor product manager with its history, unread messages all round."""
    people = context["people"]
    lines = {
        line.slug: line
        for line in db.session.scalars(sa.select(ProductLine)).all()  # the core's demo lines
    }
    kelsey = people["marketing@prairie.example"]
    jorge = people["tech@prairie.example"]
    tara = people["marketing@hillside.example"]
    andre = people["marketing@harbor.example"]
    marcus = people["channel@fieldcrest.example"]
    priya = people["pm@fieldcrest.example"]
    start = utcnow() - timedelta(days=3)

    def at(hours: float) -> datetime:
        return start + timedelta(hours=hours)

    def say(conversation, who, text, hours):
        send_message(who, conversation, str(uuid.uuid4()), text, now=at(hours))

    def opened(who, subject, text, line, hours):
        conversation, _ = start_conversation(
            who, subject, text, lines[line].id if line else None, str(uuid.uuid4()), now=at(hours)
        )
        return conversation

    # 1. Waiting on partner: Marcus answered Kelsey; she has not read it yet.
    demo_day = opened(
        kelsey,
        "Spring demo day — can we borrow a 5R tractor?",
        "Hi Marcus, we're planning a field demo day on April 12 at our Kearney lot. "
        "Could Fieldcrest lend us a 5R series tractor for the weekend?",
        "tractors",
        0,
    )
    say(
        demo_day,
        marcus,
        "Hi Kelsey — yes, the demo fleet has a 5R free that weekend. Send me the expected "
        "headcount and I'll book the transport. The demo kit checklist is at "
        "https://fieldcrest.example/demo-kit",
        2,
    )
    mark_read(marcus, demo_day, demo_day.last_seq)

    # 2. Waiting on OEM: Kelsey's follow-up on co-op, unread for Marcus.
    fair = opened(
        kelsey,
        "Co-op for the county fair booth",
        "Can the booth rental for the Buffalo County fair count against our co-op funds?",
        None,
        5,
    )
    say(fair, marcus, "Booth rental qualifies if the booth shows Fieldcrest branding.", 7)
    say(
        fair,
        kelsey,
        "Great — the banner is the co-branded one from last year. Do you need the invoice "
        "before or after the fair?",
        26,
    )
    mark_read(kelsey, fair, fair.last_seq)

    # 3. Handed to Priya (tractors) with its history, waiting for her to accept.
    whine = opened(
        jorge,
        "Hydraulic whine on 6R after 500 hours",
        "Two customers report a high-pitched whine from the hydraulic pump on 6R tractors "
        "at around 500 hours. Fluid and filters are fine. Known issue?",
        "tractors",
        20,
    )
    say(whine, marcus, "Thanks Jorge — which serial numbers? I'll loop in product.", 21)
    say(whine, jorge, "1RW6145RCMD012345 and 1RW6145RCMD012377, both 2025 builds.", 22)
    hand_off(
        marcus,
        whine,
        priya,
        "Two 2025 6R builds with pump whine at ~500 h — could be the supplier batch "
        "you mentioned last month.",
        now=at(23),
    )
    mark_read(marcus, whine, whine.last_seq)

    # 4. Resolved: Hillside's price list question, answered and closed.
    prices = opened(
        tara, "Q3 price list", "Where do we find the Q3 dealer price list?", "parts", 30
    )
    say(prices, marcus, "It's under Product lines → Parts & Service, effective July 1.", 31)
    say(prices, tara, "Found it, thank you!", 32)
    set_status(tara, prices, ConversationStatus.RESOLVED, now=at(32.5))
    for who in (tara, marcus):
        mark_read(who, prices, prices.last_seq)

    # 5. Open: Harbor's new question, not answered yet (unread for Marcus).
    opened(
        andre,
        "Warranty claim form won't load",
        "The warranty claim form shows a blank page in our shop's browser since Monday.",
        "parts",
        60,
    )

    # 6. Open in the other direction: Kelsey's fresh question about a campaign.
    opened(
        kelsey,
        "Harvest campaign: radio spot length",
        "For the harvest campaign, does co-op cover a 60-second radio spot or only 30?",
        None,
        66,
    )
    return "6 conversations (open, waiting, handed off to the product manager, resolved)"
