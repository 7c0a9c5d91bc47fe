"""The studio's demo: three image templates (artwork drawn by the app, one per output
size), the program's approved copy and forbidden words, Prairie's brand profile with a
wide transparent logo drawn by Pillow, and two studio assets attached to Prairie's open
campaigns. TEMPLATES is also what the tests render."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from campaigns.studio import deck, deck_uploads, service
from campaigns.studio.artwork import SIZES, mark_box
from campaigns.studio.models import ApprovedCopy, CopyKind, ForbiddenWord, StudioTemplate
from campaigns.studio.profiles import save_profile
from hub import db
from hub.fonts import font
from hub.models import Person

MARKETER = "marketing@prairie.example"
DISCLAIMER = {
    "text": "Offers at participating Fieldcrest dealers; subject to credit approval. "
    "Fieldcrest and the Fieldcrest mark are trademarks of Fieldcrest Ltd.",
    "version": "2026.2",
}


def _slot(key, label, box, sizes, colour, *, max_chars=None, default="", copy=None, **kw):
    slot = {"key": key, "label": label, "box": box, "min_size": sizes[0], "max_size": sizes[1]}
    slot.update(colour=colour, max_chars=max_chars, default=default, editable=True, copy=copy)
    slot.update(kw)
    return slot


def _profile_slot(field, label, box, sizes, colour, **kw):
    return {**_slot(field, label, box, sizes, colour, **kw), "editable": False, "profile": field}


TEMPLATES = [
    {
        "key": "harvest-square",
        "name": "Harvest season — social post",
        "description": "A dawn field for Instagram and Facebook; your logo, offer and phone.",
        "artwork": "harvest",
        "size": "square",
        "layout": {
            "logo": {"box": [60, 60, 420, 180], "align": "left", "clear": 20},
            "slots": [
                _slot("headline", "Headline", [60, 600, 960, 220], (40, 96), "#ffffff",
                      max_chars=60, default="Ready when the field is", copy="headline", bold=True),
                _slot("offer", "Offer", [60, 830, 960, 96], (26, 52), "#ffd678", max_chars=80,
                      default="Book your pre-season inspection by March 31", copy="offer",
                      bold=True),
                _profile_slot("phone", "Phone", [60, 930, 960, 50], (24, 34), "#ffffff"),
            ],
            "disclaimer": {**DISCLAIMER, "box": [60, 990, 960, 70], "size": 17,
                           "colour": "#f4efe6"},
            "locked": [mark_box("harvest", "square")],
        },
    },
    {
        "key": "service-landscape",
        "name": "Service clinic — link image",
        "description": "A 1200×628 image for web pages, e-mails and link previews.",
        "artwork": "service",
        "size": "landscape",
        "layout": {
            "logo": {"box": [40, 16, 380, 125], "align": "left", "clear": 12},
            "slots": [
                _slot("headline", "Headline", [40, 180, 1120, 170], (32, 72), "#ffffff",
                      max_chars=50, default="Harvest-ready service, done right",
                      copy="headline", bold=True),
                _slot("offer", "Offer", [40, 370, 1120, 80], (22, 44), "#ffd678", max_chars=70,
                      default="Book your pre-season inspection by March 31", copy="offer"),
                _profile_slot("phone", "Phone", [40, 470, 520, 44], (22, 30), "#ffffff",
                              bold=True),
                _profile_slot("website", "Website", [580, 470, 580, 44], (22, 30), "#ffffff"),
            ],
            "brand_bar": [0, 612, 1200, 16],
            "disclaimer": {**DISCLAIMER, "box": [40, 530, 1120, 70], "size": 15,
                           "colour": "#d0d8e0"},
            "locked": [mark_box("service", "landscape")],
        },
    },
    {
        "key": "planter-a4",
        "name": "Spring planting — A4 flyer",
        "description": "A printable A4 flyer at 300 dpi for the counter and the mailbox.",
        "artwork": "planter",
        "size": "a4",
        "layout": {
            "logo": {"box": [640, 180, 1200, 520], "align": "center", "clear": 60},
            "slots": [
                _slot("headline", "Headline", [200, 820, 2080, 620], (90, 220), "#1f3b2a",
                      max_chars=60, default="Spring planting starts here", copy="headline",
                      bold=True, align="center"),
                _slot("offer", "Offer", [200, 1480, 2080, 360], (60, 130), "#7a3b00",
                      max_chars=90, default="0% financing for 36 months on new planters",
                      copy="offer", align="center"),
                _profile_slot("phone", "Phone", [200, 2700, 2080, 120], (60, 96), "#ffffff",
                              bold=True, align="center"),
                _profile_slot("address", "Address", [200, 2860, 2080, 260], (44, 70),
                              "#ffffff", align="center"),
            ],
            "disclaimer": {**DISCLAIMER, "box": [200, 3230, 2080, 200], "size": 40,
                           "colour": "#ffffff"},
            "locked": [mark_box("planter", "a4")],
            "cta": {"box": [1780, 1960, 500, 500], "medium": "print"},
        },
    },
]  # fmt: skip


def scaled(layout: dict, source: str, target: str, artwork: str) -> dict:
    """A layout drawn for one size moved to another (boxes scaled, sizes by the smaller
    factor), its locked region the artwork's mark at the new size."""
    sx = SIZES[target][0] / SIZES[source][0]
    sy = SIZES[target][1] / SIZES[source][1]
    factor = min(sx, sy)

    def box(b):
        return [round(b[0] * sx), round(b[1] * sy), round(b[2] * sx), round(b[3] * sy)]

    out = {**layout, "locked": [mark_box(artwork, target)]}
    out["logo"] = {**layout["logo"], "box": box(layout["logo"]["box"]),
                   "clear": round(layout["logo"]["clear"] * factor)}  # fmt: skip
    out["slots"] = [
        {**s, "box": box(s["box"]), "min_size": round(s["min_size"] * factor),
         "max_size": round(s["max_size"] * factor)}
        for s in layout["slots"]
    ]  # fmt: skip
    d = layout["disclaimer"]
    out["disclaimer"] = {**d, "box": box(d["box"]), "size": round(d["size"] * factor)}
    if cta := layout.get("cta"):
        out["cta"] = {**cta, "box": box(cta["box"])}
    return out


TEMPLATES.append(
    {
        "key": "planter-letter",
        "name": "Spring planting — US Letter flyer",
        "description": "The spring flyer on US Letter paper at 300 dpi, for North American printers.",
        "artwork": "planter",
        "size": "letter",
        "layout": scaled(TEMPLATES[2]["layout"], "a4", "letter", "planter"),
    }
)

HEADLINES = [
    "Ready when the field is",
    "Spring planting starts here",
    "Harvest-ready service, done right",
]
OFFERS = [
    "0% financing for 36 months on new planters",
    "Book your pre-season inspection by March 31",
    "Save $500 on a precision upgrade kit",
]
FORBIDDEN = ["free", "guaranteed", "best price", "cheapest", "risk-free"]


def prairie_logo() -> bytes:
    """A wide logo on a transparent background: a green sheaf and the name."""
    image = Image.new("RGBA", (900, 260), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    green = (31, 92, 58, 255)
    draw.ellipse((10, 20, 230, 240), fill=green)
    for dx in (-50, 0, 50):
        draw.line((120 + dx, 210, 120 + dx // 2, 60), fill=(244, 200, 90, 255), width=14)
    draw.text((260, 50), "PRAIRIE", font=font(96, bold=True), fill=green)
    draw.text((264, 160), "AG DEALERS", font=font(58), fill=green)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def install(templates=TEMPLATES) -> list[StudioTemplate]:
    """The demo's templates, copy and forbidden words (also used by tests)."""
    rows = [StudioTemplate(**spec) for spec in templates]
    db.session.add_all(rows)
    db.session.add_all(ApprovedCopy(kind=CopyKind.HEADLINE, text=t) for t in HEADLINES)
    db.session.add_all(ApprovedCopy(kind=CopyKind.OFFER, text=t) for t in OFFERS)
    db.session.add_all(ForbiddenWord(word=w) for w in FORBIDDEN)
    db.session.flush()
    return rows


def seed_demo(ctx: dict) -> str:
    templates = install()
    marketer: Person = ctx["people"][MARKETER]
    save_profile(
        marketer,
        marketer.organization,
        {
            "brand_colour": "#1f5c3a",
            "phone": "(306) 555-0142",
            "website": "prairie-ag.example",
            "address": "12 Grain Elevator Road, Swift Current, SK",
        },
        (prairie_logo(), "prairie-logo.png", "image/png"),
    )
    admin = ctx["people"]["admin@fieldcrest.example"]
    upload = (deck.demo_deck(), "spring-line-up.pptx", deck_uploads.PPTX)
    uploaded = deck_uploads.save_deck(admin, "Spring line-up deck", upload)
    deck_uploads.set_published(admin, uploaded, True)
    open_campaigns = service.attachable_proposals(marketer)[:2]
    for template, proposal in zip(templates[:2], open_campaigns, strict=False):
        values = service.slot_values(template, {})
        service.attach(marketer, template, values, "png", proposal.id)
    made = len(open_campaigns)
    if open_campaigns:  # the A4 flyer with its tracking QR code, as a PDF
        flyer = templates[2]
        service.attach(marketer, flyer, service.slot_values(flyer, {}), "pdf", open_campaigns[0].id)
        made += 1
    made_deck = service.personalise_deck(marketer, "dealer-intro", OFFERS[2])  # downloaded
    return (
        f"studio: {len(templates)} templates, an uploaded deck, Prairie's brand profile, "
        f"{made} studio assets attached, deck {made_deck.code} made"
    )
