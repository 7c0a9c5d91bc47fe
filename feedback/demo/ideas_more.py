"""The demo's merged pair, tags, field observations and a conversation turned into an idea
(runs after feedback.demo.ideas and the core's conversations).

- Hillside posted “One-person mower deck swap”, a duplicate of Prairie's quick-attach
  deck idea; the product manager merged it (votes counted once, comments moved).
- Product managers' tags on a dozen ideas (hydraulics, cab comfort, mowing, …).
- Field observations from several dealers (prices in Decimal with their currency, two
  with photos), tagged and some linked to ideas.
- Jorge's “Hydraulic whine on 6R” message, handed to Priya, turned into an idea, and
  his serial numbers attached to it as evidence.

Everything goes through the rules, so audit events and counts agree. Harbor's marketer
(the walkthrough's) is left out of votes here too.
"""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from PIL import Image, ImageDraw

from feedback.field import service as field
from feedback.ideas import service as ideas
from feedback.ideas.models import Idea, IdeaVote
from hub import db
from hub.conversations.models import Conversation, Message
from hub.dates import today
from hub.models import Person, ProductLine
from hub.web.pages import external_url

KEPT = "Quick-attach mower deck for compact tractors"
DUPLICATE = (
    "marketing@hillside.example",
    "One-person mower deck swap",
    "Customers with a loader and a mid-mount deck need a second person every time they "
    "swap; many just leave the deck on all season.",
)
TAGS = {
    "Quick-attach mower deck for compact tractors": "mowing, quick attach",
    "Cab filter change without tools": "cab comfort, service",
    "Loader joystick with third-function button": "hydraulics, loader",
    "Hydraulic oil level visible from the ground": "hydraulics, service",
    "Heated seat option on compact tractors": "cab comfort",
    "Mowing height gauge visible from the seat": "mowing",
    "Mower-conditioner with wider swath board": "mowing, hay",
    "Net wrap roll lift assist": "hay, safety",
    "Hydraulic hose colour coding on balers": "hydraulics, hay",
    "Hydraulic fitting cross-reference chart": "hydraulics, parts counter",
    "Parts lookup by photo of the part": "parts counter, dealer tools",
    "Next-day parts delivery to rural dealers": "parts counter, logistics",
}
# (filer's e-mail, competitor, product, price, currency, region, days ago, notes, tags,
#  idea title to link, product line slug, photo colour)
OBSERVATIONS = [
    (
        "marketing@prairie.example",
        "Kubota",
        "BX23S tractor-loader-backhoe",
        "24999.00",
        "USD",
        "Central Nebraska",
        6,
        "0% for 84 months at the Kearney farm show; they swap the backhoe in under 5 minutes.",
        "pricing, compact, quick attach",
        KEPT,
        "tractors",
        (200, 110, 30),
    ),
    (
        "tech@prairie.example",
        "Mahindra",
        "2638 HST cab",
        "38450.00",
        "USD",
        "Central Nebraska",
        15,
        "Heated seat and LED lights standard at this price.",
        "pricing, cab comfort",
        "Heated seat option on compact tractors",
        "tractors",
        None,
    ),
    (
        "marketing@hillside.example",
        "New Holland",
        "Roll-Belt 560 round baler",
        "61200.00",
        "USD",
        "Eastern Kansas",
        21,
        "Net wrap loads from the ground with a lift arm; customers mention it unprompted.",
        "hay, competitor feature",
        "Net wrap roll lift assist",
        "harvest",
        (40, 90, 160),
    ),
    (
        "admin@harbor.example",
        "Kubota",
        "M5-111 utility tractor",
        "72900.00",
        "USD",
        "South Louisiana",
        9,
        "Dealer down the road quotes free delivery and first service.",
        "pricing",
        None,
        "tractors",
        None,
    ),
    (
        "admin@coastal.example",
        "Massey Ferguson",
        "Hay tools parts counter",
        None,
        None,
        "Gulf Coast",
        30,
        "Same-day parts for hay tools at their counter; farmers drive the extra 40 miles.",
        "parts counter, logistics",
        "Next-day parts delivery to rural dealers",
        "parts",
        None,
    ),
]
CONVERSATION = "Hydraulic whine on 6R after 500 hours"


def _photo(caption: str, colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 300, 610, 390), fill=(255, 255, 255))
    draw.text((50, 330), caption, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _idea(title: str) -> Idea | None:
    return db.session.scalar(sa.select(Idea).where(Idea.title == title))


def seed_demo(context: dict) -> str:
    people = context["people"]
    pm = people["pm@fieldcrest.example"]
    with current_app.test_request_context():
        merged = _merge_pair(people, pm)
        tagged = 0
        for title, raw in TAGS.items():
            idea = _idea(title)
            if idea is not None:
                ideas.set_idea_tags(pm, idea, raw)
                tagged += 1
        observed = _observations(people, pm)
        from_chat = _from_conversation(pm)
    db.session.flush()
    return (
        f"{merged} merged pair, {tagged} ideas tagged, {observed} field observations, "
        f"{from_chat} idea from a conversation"
    )


def _merge_pair(people: dict, pm) -> int:
    kept = _idea(KEPT)
    if kept is None:
        return 0
    email, title, problem = DUPLICATE
    duplicate = ideas.post_idea(
        people[email],
        {"product_line_id": kept.product_line_id, "title": title, "problem": problem},
    )
    duplicate.created_at = kept.created_at + timedelta(days=20)
    # One voter of both (counted once after the merge), one of the duplicate only.
    both = db.session.scalar(
        sa.select(IdeaVote.person_id)
        .where(IdeaVote.idea_id == kept.id, IdeaVote.person_id != people[email].id)
        .order_by(IdeaVote.person_id)
        .limit(1)
    )
    if both is not None:
        ideas.vote(db.session.get(Person, both), duplicate)
    hillside = people["admin@hillside.example"]
    if not ideas.has_voted(hillside, kept):
        ideas.vote(hillside, duplicate)
    ideas.comment(
        people["admin@hillside.example"], duplicate, "Ours too: three customers asked this spring."
    )
    ideas.merge(
        pm,
        duplicate,
        str(kept.id),
        "The same request as Prairie's quick-attach deck; votes and comments are together there now.",
        link=external_url("feedback.idea_page", idea_id=kept.id),
        path=url_for("feedback.idea_page", idea_id=kept.id),
    )
    return 1


def _observations(people: dict, pm) -> int:
    count = 0
    lines = {line.slug: line.id for line in db.session.scalars(sa.select(ProductLine))}
    for row_data in OBSERVATIONS:
        email, competitor, product, price, currency, region, days, notes, tags = row_data[:9]
        link, slug, colour = row_data[9:]
        person = people.get(email)
        if person is None:
            continue
        photo = (_photo(f"{competitor} {product}", colour), "lot-photo.jpg") if colour else None
        row = field.file_observation(
            person,
            {
                "competitor": competitor,
                "product": product,
                "price": price or "",
                "currency": currency or "",
                "region": region,
                "observed_on": (today() - timedelta(days=days)).isoformat(),
                "notes": notes,
                "product_line_id": str(lines.get(slug, "")),
            },
            photo,
        )
        row.created_at = row.created_at - timedelta(days=max(days - 1, 0))
        field.set_tags(pm, row, tags)
        idea = _idea(link) if link else None
        if idea is not None:
            field.link_idea(pm, row, str(idea.id))
        count += 1
    return count


def _from_conversation(pm) -> int:
    conversation = db.session.scalar(
        sa.select(Conversation).where(Conversation.subject == CONVERSATION)
    )
    if conversation is None:
        return 0
    messages = db.session.scalars(
        sa.select(Message).where(Message.conversation_id == conversation.id).order_by(Message.seq)
    ).all()
    first = messages[0]
    idea = ideas.idea_from_message(
        pm,
        first,
        conversation,
        {
            "product_line_id": str(conversation.product_line_id),
            "title": "Pump whine on 6R tractors around 500 hours",
            "problem": first.body,
            "description": "",
        },
    )
    # His follow-up with the serial numbers, as evidence.
    serials = next((m for m in messages[1:] if m.author_id == first.author_id), None)
    ideas.set_idea_tags(pm, idea, "hydraulics, quality")
    if serials is not None:
        ideas.attach_evidence(
            pm, serials, conversation, idea, "Serial numbers of the two tractors: both 2025 builds."
        )
    return 1
