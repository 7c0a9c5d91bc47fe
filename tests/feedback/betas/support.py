"""Helpers for the beta programs tests: a program in a given phase, built through the
rules (a product manager creates and publishes it), and a world with testers."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from feedback.betas import service as betas
from hub.db import today

LINKS = {"link": "https://hub.test/feedback/betas/1", "path": "/feedback/betas/1"}
NDA = "Keep what you see here to yourself until we announce it."


def png_bytes(color=(30, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def program_data(line, **over) -> dict:
    d = today()
    data = {
        "product_line_id": str(line.id),
        "title": "Loader joystick field trial",
        "description": "A new joystick on demo tractors.",
        "tester_tasks": "Use it weekly and report.",
        "tier_ids": [],
        "regions": [],
        "qualification_keys": [],
        "max_participants": "5",
        "applications_open": (d - timedelta(days=1)).isoformat(),
        "applications_close": (d + timedelta(days=10)).isoformat(),
        "starts_on": (d + timedelta(days=11)).isoformat(),
        "ends_on": (d + timedelta(days=60)).isoformat(),
        "nda_text": NDA,
        "idea_id": "",
    }
    data.update(over)
    return data


def make_program(pm, line, *, publish=True, **over):
    program = betas.create(pm, program_data(line, **over))
    if publish:
        betas.publish(pm, program, path="/feedback/betas/1")
    return program


def accept(pm, program, person, motivation="I sell these every week."):
    application = betas.apply(person, program, motivation)
    return betas.decide(pm, program, application, "accepted", **LINKS)


def run(program, days_ago=5, ends_in=30) -> None:
    """Move the program's calendar so it is running (after people applied)."""
    d = today()
    program.applications_open = d - timedelta(days=days_ago + 10)
    program.applications_close = d - timedelta(days=days_ago + 1)
    program.starts_on = d - timedelta(days=days_ago)
    program.ends_on = d + timedelta(days=ends_in)


def end(program) -> None:
    run(program, days_ago=40, ends_in=-1)


def tester_world(c):
    """A published program where the dealer's marketer is a tester who signed the NDA and
    its partner staff an accepted tester who has not; everyone else is not in it."""
    pm = c.people["product_manager"]
    program = make_program(pm, c.product_line)
    accept(pm, program, c.people["dealer_marketer"])
    accept(pm, program, c.people["partner_staff"])
    betas.sign(c.people["dealer_marketer"], program)
    return program


def survey_of(pm, program):
    return betas.create_survey(
        pm,
        program,
        "First week",
        "",
        [
            {"kind": "rating", "prompt": "How does it feel?"},
            {"kind": "choice", "prompt": "Used for?", "choices": ["Grapple", "Spear"]},
            {"kind": "text", "prompt": "What would you change?"},
        ],
    )


def answers(survey, rating="4", choice="Grapple", text="A decal.") -> dict:
    by_kind = {q.kind.value: q.id for q in survey.questions}
    return {
        f"q{by_kind['rating']}": rating,
        f"q{by_kind['choice']}": choice,
        f"q{by_kind['text']}": text,
    }
