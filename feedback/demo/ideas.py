"""The demo's ideas: three dozen across the three product lines, in every status a
product manager sets (merging is not built yet), with votes from most partner users,
comments with replies, and status changes whose messages reached their followers.

Everything goes through feedback.ideas' rules, so audit events, subscriptions, the
vote counts and the record of who was told agree. Harbor's marketer
(marketing@harbor.example) votes for nothing here: the walkthrough has her find the
mower-deck idea while typing and vote for it.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from PIL import Image, ImageDraw

from feedback.ideas import service as ideas
from feedback.ideas.models import Idea, IdeaStatus, IdeaTierWeight
from hub import db
from hub.db import utcnow
from hub.models import PARTNER_ROLES, ProductLine
from hub.web.pages import external_url

S = IdeaStatus
KEEP_OUT = {"marketing@harbor.example"}

# line slug → (poster e-mail, title, problem, description, status, days ago)
IDEAS = {
    "tractors": [
        (
            "marketing@prairie.example",
            "Quick-attach mower deck for compact tractors",
            "Acreage customers swap between the loader and the mower deck every week; the pins take two people and half an hour.",
            "A drive-over deck with a single latch, like the loader's quick-attach.",
            S.PLANNED,
            120,
        ),
        (
            "tech@prairie.example",
            "Cab filter change without tools",
            "In harvest dust the cab filter needs changing daily and the cover takes a screwdriver.",
            "Quarter-turn latches on the filter cover.",
            S.IN_PROGRESS,
            200,
        ),
        (
            "marketing@hillside.example",
            "Loader joystick with third-function button",
            "Grapple owners add aftermarket switches that void the warranty.",
            "",
            S.UNDER_REVIEW,
            45,
        ),
        (
            "admin@prairie.example",
            "LED work lights standard on utility tractors",
            "Livestock customers do chores in the dark half the year.",
            "",
            S.SHIPPED,
            330,
        ),
        (
            "marketing@hillside.example",
            "Fold-away step on the loader frame",
            "Shorter operators struggle to reach the cab when the loader is mounted.",
            "",
            S.NEW,
            6,
        ),
        (
            "tech@prairie.example",
            "Hydraulic oil level visible from the ground",
            "Checking the hydraulic level means climbing up behind the cab.",
            "A sight glass on the reservoir facing the step.",
            S.IN_BETA,
            160,
        ),
        (
            "admin@prairie.example",
            "Cruise control for row-crop tractors on the road",
            "Customers drive 20 km between fields and ask for cruise control.",
            "",
            S.DECLINED,
            260,
        ),
        (
            "marketing@prairie.example",
            "Rear camera display on the armrest",
            "Hitching implements alone means climbing down to check the hitch.",
            "",
            S.NEW,
            12,
        ),
        (
            "marketing@hillside.example",
            "Ballast weight calculator in the app",
            "Customers over- or under-ballast after adding a front loader.",
            "",
            S.UNDER_REVIEW,
            70,
        ),
        (
            "tech@prairie.example",
            "Grease points grouped on one bank",
            "Daily greasing takes long because fittings are spread around the loader.",
            "",
            S.PLANNED,
            90,
        ),
        (
            "admin@prairie.example",
            "Heated seat option on compact tractors",
            "Snow-clearing customers ask for it every winter.",
            "",
            S.NEW,
            3,
        ),
        (
            "marketing@prairie.example",
            "Mowing height gauge visible from the seat",
            "Operators stop and walk around to check the mowing height of the deck.",
            "",
            S.NEW,
            20,
        ),
    ],
    "harvest": [
        (
            "marketing@prairie.example",
            "Baler twine box that loads from the ground",
            "Loading twine on round balers means climbing onto the tongue.",
            "",
            S.PLANNED,
            110,
        ),
        (
            "marketing@hillside.example",
            "Net wrap roll lift assist",
            "A full net wrap roll is 30 kg and customers hurt their backs.",
            "",
            S.IN_PROGRESS,
            150,
        ),
        (
            "tech@prairie.example",
            "Knife sharpening reminder on the combine display",
            "Dull knives on the header are the top cause of yield complaints we see.",
            "",
            S.SHIPPED,
            300,
        ),
        (
            "admin@prairie.example",
            "Mower-conditioner with wider swath board",
            "Customers want hay to dry a day faster in wet years.",
            "",
            S.UNDER_REVIEW,
            60,
        ),
        (
            "marketing@hillside.example",
            "Rake tine kit sold as one part number",
            "Ordering tines, bolts and springs separately causes missed parts.",
            "",
            S.DECLINED,
            240,
        ),
        (
            "tech@prairie.example",
            "Moisture sensor readout in the baler monitor",
            "Customers bale hay too wet and lose bales to mould.",
            "",
            S.IN_BETA,
            140,
        ),
        (
            "marketing@prairie.example",
            "Combine unloading auger camera",
            "Unloading on the go at night is guesswork.",
            "",
            S.NEW,
            9,
        ),
        (
            "admin@prairie.example",
            "Bale counter exported to the farm software",
            "Custom operators bill per bale and count by hand.",
            "",
            S.NEW,
            15,
        ),
        (
            "marketing@hillside.example",
            "Header height memory per field",
            "Operators re-set header height every time they change fields.",
            "",
            S.PLANNED,
            80,
        ),
        (
            "tech@prairie.example",
            "Hydraulic hose colour coding on balers",
            "Customers connect the hoses the wrong way round.",
            "",
            S.UNDER_REVIEW,
            40,
        ),
        (
            "admin@prairie.example",
            "Longer warranty on baler belts",
            "Belt failures in the second season cost customers a day in harvest.",
            "",
            S.NEW,
            2,
        ),
        (
            "marketing@prairie.example",
            "Mower conditioner roll gap adjustment without tools",
            "Switching from alfalfa to grass needs tools and an hour.",
            "",
            S.NEW,
            25,
        ),
    ],
    "parts": [
        (
            "tech@prairie.example",
            "Service kit per machine serial number",
            "Counter staff look up filters one by one for each 500-hour service.",
            "One kit number per serial range with all filters and seals.",
            S.SHIPPED,
            280,
        ),
        (
            "admin@prairie.example",
            "Parts lookup by photo of the part",
            "Customers bring in broken parts with no number on them.",
            "",
            S.UNDER_REVIEW,
            50,
        ),
        (
            "marketing@hillside.example",
            "Next-day parts delivery to rural dealers",
            "Down machines in harvest wait three days for parts.",
            "",
            S.PLANNED,
            100,
        ),
        (
            "marketing@prairie.example",
            "Extended warranty quote in the dealer portal",
            "Quoting extended warranty takes a phone call to the OEM.",
            "",
            S.IN_PROGRESS,
            130,
        ),
        (
            "tech@prairie.example",
            "Hydraulic fitting cross-reference chart",
            "Mechanics guess between metric and imperial fittings.",
            "",
            S.NEW,
            7,
        ),
        (
            "admin@prairie.example",
            "Core return label printed with the order",
            "Core credits are lost because customers don't know where to send the core.",
            "",
            S.DECLINED,
            220,
        ),
        (
            "marketing@hillside.example",
            "Parts counter loyalty points for farmers",
            "Farmers buy filters online because they get points there.",
            "",
            S.NEW,
            18,
        ),
        (
            "tech@prairie.example",
            "Service interval reminders by text message",
            "Customers miss the 250-hour service and then come in with failures.",
            "",
            S.IN_BETA,
            170,
        ),
        (
            "marketing@prairie.example",
            "Wear parts stocking list per region",
            "We stock the wrong wear parts for sandy soils.",
            "",
            S.UNDER_REVIEW,
            35,
        ),
        (
            "admin@prairie.example",
            "Mower blade kits in dealer-branded packaging",
            "Blade kits sell better at the counter with our name on the box.",
            "",
            S.NEW,
            11,
        ),
        (
            "marketing@hillside.example",
            "Recall notices pushed to the service desk",
            "We hear of recalls from customers before we hear from the OEM.",
            "",
            S.PLANNED,
            95,
        ),
        (
            "tech@prairie.example",
            "Torque specs printed on service kit boxes",
            "Mechanics look up torque specs for every kit.",
            "",
            S.NEW,
            4,
        ),
    ],
}

# What the product manager says when moving an idea to a status.
MESSAGES = {
    S.UNDER_REVIEW: "Thanks — we are reviewing this with engineering and will come back within the quarter.",
    S.PLANNED: "We have planned this for next model year; details follow in the dealer bulletin.",
    S.IN_PROGRESS: "Engineering has started on this. Beta testers will be invited from the voters.",
    S.IN_BETA: "A beta with selected dealers is running; thank you to everyone who voted.",
    S.SHIPPED: "Shipped with the current model year. Thank you for pushing for it!",
    S.DECLINED: "Declined for now: the change would raise the price beyond what the segment pays. We'll revisit it at the next redesign.",
}
PATH = {
    S.NEW: [],
    S.UNDER_REVIEW: [S.UNDER_REVIEW],
    S.PLANNED: [S.UNDER_REVIEW, S.PLANNED],
    S.IN_PROGRESS: [S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS],
    S.IN_BETA: [S.PLANNED, S.IN_PROGRESS, S.IN_BETA],
    S.SHIPPED: [S.PLANNED, S.IN_PROGRESS, S.SHIPPED],
    S.DECLINED: [S.UNDER_REVIEW, S.DECLINED],
}
COMMENTS = [
    "Three customers asked for exactly this last month.",
    "Same here — it comes up at every open house.",
    "Would this fit the older models too?",
    "Our service team would love this.",
]
PM_REPLY = "Good question — we'll check the older models with engineering."
# Ideas that come with a photo the dealer took (drawn here: a sketch with a caption).
PHOTOS = {
    "Quick-attach mower deck for compact tractors": ("deck-pins.jpg", (96, 128, 72)),
    "Cab filter change without tools": ("cab-filter.jpg", (150, 140, 120)),
}
WEIGHTS = {"Authorized": "1.00", "Premier": "1.50", "Elite": "2.00"}


def _photo(caption: str, colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 80, 580, 320), outline=(255, 255, 255), width=6)
    draw.text((80, 340), caption, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def seed_demo(context: dict) -> str:
    people = context["people"]
    lines = {line.slug: line for line in db.session.scalars(sa.select(ProductLine))}
    partners = sorted(
        (p for p in people.values() if p.role in PARTNER_ROLES and p.email not in KEEP_OUT),
        key=lambda p: p.email,
    )
    pm = people["pm@fieldcrest.example"]
    for name, weight in WEIGHTS.items():
        tier = context["tiers"].get(name)
        if tier is not None:
            db.session.add(IdeaTierWeight(tier_id=tier.id, weight=weight))
    rng = random.Random(13)
    now = utcnow()
    count = votes = comments = 0
    with current_app.test_request_context():
        for slug, rows in IDEAS.items():
            for email, title, problem, description, target, days in rows:
                author = people[email]
                photos = []
                if title in PHOTOS:
                    name, colour = PHOTOS[title]
                    photos.append(ideas.keep_photo(author, _photo(title, colour), name))
                idea = ideas.post_idea(
                    author,
                    {
                        "product_line_id": lines[slug].id,
                        "title": title,
                        "problem": problem,
                        "description": description,
                    },
                    photos,
                )
                idea.created_at = now - timedelta(days=days)
                count += 1
                voters = rng.sample(partners, rng.randint(1, min(len(partners), 4 + days // 12)))
                for voter in voters:
                    if voter.id != author.id:
                        ideas.vote(voter, idea)
                        votes += 1
                thread = None
                for text in rng.sample(COMMENTS, rng.randint(0, 3)):
                    row = ideas.comment(rng.choice(partners), idea, text)
                    thread = thread or row
                    comments += 1
                if thread is not None and rng.random() < 0.4:
                    ideas.comment(pm, idea, PM_REPLY, parent_id=thread.id)
                    comments += 1
                steps = PATH[target]
                for n, step in enumerate(steps, start=1):
                    change = ideas.change_status(
                        pm,
                        idea,
                        step.value,
                        MESSAGES[step],
                        link=external_url("feedback.idea_page", idea_id=idea.id),
                        path=url_for("feedback.idea_page", idea_id=idea.id),
                    )
                    # Spread the steps over the idea's life, the last a few days ago.
                    change.changed_at = idea.created_at + timedelta(
                        days=max(days - 2, 1) * n // (len(steps) + 1)
                    )
                    idea.status_changed_at = change.changed_at
    db.session.flush()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Idea))
    return f"{total} ideas ({count} seeded), {votes} votes, {comments} comments"
