"""The demo's beta programs, all made through feedback.betas' rules (so audit events,
notifications and the records agree):

- "Loader joystick field trial" (tractors), running: Prairie's and Harbor's people are
  testers, all but Hillside's marketer signed the NDA, reports filed, a survey answered,
  a field guide in its space;
- "Cab filter latch pilot", ended, with its outcome posted (its testers' engagement
  sorts the applicants of the next program);
- "Quick-attach mower deck beta", taking applications from Premier partners, linked to
  the mower-deck idea (its voters were invited), with two applicants waiting;
- "Net wrap lift assist beta" (harvest), linked to the "Net wrap roll lift assist" idea
  (in progress): taking applications, its voters invited when it was published; Harbor's
  technician is an early tester who has not signed the NDA yet, a first survey is asked.
  The whole journey of docs/ideas.md runs on it: a dealer who votes for the idea now is
  invited when the product manager moves the idea to "in beta".
"""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from PIL import Image, ImageDraw

from feedback.betas import service as betas
from feedback.ideas.models import Idea
from hub import db
from hub.db import today, utcnow
from hub.models import ProductLine
from hub.web.pages import external_url

NDA = (
    "What you see and hear in this program is confidential until Fieldcrest announces it. "
    "Don't share photos, specifications or dates outside your dealership; report what you "
    "find here instead. This agreement ends when the product is announced."
)


def _dates(open_days: int, close_days: int, start_days: int, end_days: int) -> dict:
    d = today()
    return {
        "applications_open": (d + timedelta(days=open_days)).isoformat(),
        "applications_close": (d + timedelta(days=close_days)).isoformat(),
        "starts_on": (d + timedelta(days=start_days)).isoformat(),
        "ends_on": (d + timedelta(days=end_days)).isoformat(),
    }


def _move(program, open_days, close_days, start_days, end_days) -> None:
    """Put a program's calendar where the demo needs it (after people applied)."""
    d = today()
    program.applications_open = d + timedelta(days=open_days)
    program.applications_close = d + timedelta(days=close_days)
    program.starts_on = d + timedelta(days=start_days)
    program.ends_on = d + timedelta(days=end_days)


def _links(program) -> dict:
    return {
        "link": external_url("feedback.beta_program", program_id=program.id),
        "path": url_for("feedback.beta_program", program_id=program.id),
    }


def _guide_pdf() -> bytes:
    image = Image.new("RGB", (850, 1100), "white")
    draw = ImageDraw.Draw(image)
    draw.text((80, 80), "Loader joystick field trial — tester guide", fill="black")
    draw.text((80, 130), "1. Fit the joystick. 2. Use the third function daily.", fill="black")
    out = io.BytesIO()
    image.save(out, format="PDF")
    return out.getvalue()


def _photo() -> bytes:
    image = Image.new("RGB", (640, 420), (80, 90, 110))
    ImageDraw.Draw(image).text((40, 380), "joystick button, -10 °C", fill="white")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _program(pm, line, title, tiers, dates, idea=None, **more):
    return betas.create(
        pm,
        {
            "product_line_id": str(line.id),
            "title": title,
            "description": more.get("description", "A field trial of a new part."),
            "tester_tasks": more.get(
                "tester_tasks", "Use it on your demo and rental units; report weekly."
            ),
            "tier_ids": [str(t.id) for t in tiers],
            "regions": [],
            "qualification_keys": [],
            "max_participants": str(more.get("max_participants", 6)),
            "nda_text": NDA,
            "idea_id": str(idea.id) if idea else "",
            **dates,
        },
    )


def _join(pm, program, people, motivations) -> None:
    for person, why in zip(people, motivations, strict=True):
        application = betas.apply(person, program, why)
        betas.decide(pm, program, application, "accepted", **_links(program))


def seed_demo(context: dict) -> str:
    people, tiers = context["people"], context["tiers"]
    pm = people["pm@fieldcrest.example"]
    lines = {line.slug: line for line in db.session.scalars(sa.select(ProductLine))}
    kelsey, jorge = people["marketing@prairie.example"], people["tech@prairie.example"]
    cody, tara = people["tech@harbor.example"], people["marketing@hillside.example"]
    walt = people["admin@prairie.example"]
    now = utcnow()
    with current_app.test_request_context():
        # An ended pilot, whose testers carry their engagement to the next program.
        pilot = _program(pm, lines["tractors"], "Cab filter latch pilot", [], _dates(-1, 0, 1, 5))
        betas.publish(pm, pilot, path=_links(pilot)["path"])
        _join(pm, pilot, [kelsey, jorge], ["We sell in dusty country.", "I change filters daily."])
        for tester in (kelsey, jorge):
            betas.sign(tester, pilot)
        betas.file_report(
            jorge,
            pilot,
            {
                "kind": "praise",
                "title": "Latch works with gloves on",
                "details": "Changed the filter in under a minute, no tools.",
            },
        )
        _move(pilot, -120, -100, -90, -30)
        betas.post_outcome(
            pm,
            pilot,
            "The quarter-turn latch ships on every 2027 cab. Thank you — your reports "
            "changed the latch's shape twice.",
            **_links(pilot),
        )

        # The running trial.
        joystick = db.session.scalar(sa.select(Idea).where(Idea.title.like("Loader joystick%")))
        trial = _program(
            pm,
            lines["tractors"],
            "Loader joystick field trial",
            [],
            _dates(-1, 0, 1, 60),
            idea=joystick,
            description=(
                "A loader joystick with a third-function button and a detent for float, "
                "on a dozen demo tractors before it goes on sale."
            ),
            tester_tasks=(
                "Fit the joystick on a demo or rental unit, use the third function every "
                "week, file what you find, and answer two short surveys."
            ),
        )
        betas.publish(pm, trial, path=_links(trial)["path"])
        testers = [kelsey, jorge, cody, tara]
        _join(
            pm,
            trial,
            testers,
            [
                "Grapple customers ask for this weekly.",
                "I fit the aftermarket switches today; happy to compare.",
                "Our rental fleet runs grapples every day.",
                "Kansas hay customers would love it.",
            ],
        )
        for tester in (kelsey, jorge, cody):
            betas.sign(tester, trial)
        filed = [
            (
                jorge,
                "issue",
                "high",
                "Button sticks below freezing",
                "At -10 °C the third-function button stays down after release.",
                "1. Park outside overnight below freezing. 2. Press the button. 3. Release it.",
            ),
            (
                cody,
                "issue",
                "medium",
                "Float detent too light",
                "The loader drops into float when bumped over rough ground.",
                "1. Raise the bucket. 2. Drive over a rut. 3. The lever slips into float.",
            ),
            (
                kelsey,
                "idea",
                None,
                "Label the button in the cab",
                "Customers don't find the button; a decal would help.",
                "",
            ),
            (
                cody,
                "praise",
                None,
                "Grapple work is one-handed now",
                "Operators love not reaching for a switch box.",
                "",
            ),
        ]
        for n, (who, kind, severity, title, details, steps) in enumerate(filed):
            photos = [betas.keep_photo(who, _photo(), "button.jpg")] if n == 0 else []
            report = betas.file_report(
                who,
                trial,
                {
                    "kind": kind,
                    "severity": severity,
                    "title": title,
                    "details": details,
                    "steps": steps,
                },
                photos,
            )
            report.created_at = now - timedelta(days=12 - 3 * n)
        survey = betas.create_survey(
            pm,
            trial,
            "First two weeks",
            "Three questions; two minutes.",
            [
                {
                    "kind": "rating",
                    "prompt": "How well does the joystick fit your operators' hands?",
                },
                {
                    "kind": "choice",
                    "prompt": "Which function do you use most?",
                    "choices": ["Grapple", "Bale spear", "Snow blade", "Other"],
                },
                {"kind": "text", "prompt": "What would you change first?"},
            ],
        )
        survey.created_at = now - timedelta(days=10)
        q = {question.kind.value: question.id for question in survey.questions}
        for who, rating, choice, text, days in (
            (kelsey, "4", "Grapple", "A decal for the button.", 9),
            (jorge, "3", "Bale spear", "The button in the cold.", 8),
            (cody, "5", "Grapple", "Nothing yet — it's a big step up.", 1),
        ):
            response = betas.answer(
                who,
                trial,
                survey,
                {f"q{q['rating']}": rating, f"q{q['choice']}": choice, f"q{q['text']}": text},
            )
            response.submitted_at = now - timedelta(days=days)
        # A second survey, asked two days ago: only Kelsey has answered so far.
        check = betas.create_survey(
            pm,
            trial,
            "Mid-trial check",
            "",
            [
                {"kind": "rating", "prompt": "How likely are you to sell it (1–5)?"},
                {"kind": "text", "prompt": "Anything customers asked about?"},
            ],
        )
        check.created_at = now - timedelta(days=2)
        q2 = {question.kind.value: question.id for question in check.questions}
        betas.answer(
            kelsey, trial, check, {f"q{q2['rating']}": "5", f"q{q2['text']}": "Price and dates."}
        )
        guide = _guide_pdf()
        betas.add_document(pm, trial, "Tester guide", guide, "tester-guide.pdf", "application/pdf")
        _move(trial, -30, -20, -14, 45)

        # Open for applications: Premier partners; the mower-deck idea's voters invited.
        deck = db.session.scalar(sa.select(Idea).where(Idea.title.like("Quick-attach mower%")))
        premier = [t for name, t in tiers.items() if name == "Premier"]
        beta = _program(
            pm,
            lines["tractors"],
            "Quick-attach mower deck beta",
            premier,
            _dates(-3, 14, 21, 90),
            idea=deck,
            description="A drive-over mower deck with a single latch, before it goes on sale.",
            tester_tasks="Swap deck and loader on a demo tractor weekly for two months.",
            max_participants=8,
        )
        invited = betas.publish(pm, beta, path=_links(beta)["path"])
        betas.apply(jorge, beta, "Acreage customers swap every week; I'd time it.")
        betas.apply(walt, beta, "We'd put it on our rental fleet.")
        net_wrap = _net_wrap_beta(pm, lines["harvest"], cody)
    db.session.flush()
    return (
        f"4 beta programs (one running with 4 testers; {invited} voters invited to the "
        f"mower-deck beta, {net_wrap} to the net wrap one)"
    )


def _net_wrap_beta(pm, line, tester) -> int:
    """The program the journey ends in (see the module's docstring); returns how many
    voters were invited when it was published."""
    idea = db.session.scalar(sa.select(Idea).where(Idea.title == "Net wrap roll lift assist"))
    program = _program(
        pm,
        line,
        "Net wrap lift assist beta",
        [],
        _dates(-2, 21, 22, 110),
        idea=idea,
        description=(
            "A spring-assisted cradle that lifts a net wrap roll into the baler, on demo "
            "balers before it goes on sale."
        ),
        tester_tasks=(
            "Load net wrap with the assist at least weekly, report what you find and answer "
            "a short survey."
        ),
    )
    invited = betas.publish(pm, program, path=_links(program)["path"])
    _join(pm, program, [tester], ["Our baler customers load net wrap alone every day."])
    betas.create_survey(
        pm,
        program,
        "First loads",
        "Two questions after your first loads.",
        [
            {"kind": "rating", "prompt": "How easy is loading a roll with the assist?"},
            {"kind": "text", "prompt": "What would make it easier?"},
        ],
    )
    return invited
