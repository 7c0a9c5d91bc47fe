"""The issue's "Done when", in Chromium, end to end: Prairie's technician works through the
last module of Installation & Service Foundation for tractors, passes its quiz, submits
practical evidence (a PNG), a product manager signs it off in the reviewer queue, and the
technician receives the certificate (notification, wallet). The certificate's QR code,
decoded from the downloaded PNG, opens a verification page that says valid; the Open
Badges credential verifies with PyJWT against the published JWKS; Prairie's standing page
counts the new certification (the Tractors installation specialisation's count goes up, the
Elite requirement is met) and shows the projected lapse. Axe runs on each key page.
(Other browser tests of the session may certify Jorge in Parts installation first, so
the test counts what only this level changes.)"""

from __future__ import annotations

import io
import re

import jwt
import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from hub import db
from learning.paths.models import Module
from learning.quizzes.models import Question, Quiz
from tests.e2e.conftest import check_axe, sign_in, unavailable

pytestmark = pytest.mark.e2e

TECH = "tech@prairie.example"  # Jorge Alvarez: Tractors Technical Foundation held
REVIEWER = "pm.parts@fieldcrest.example"  # Grace Liu, product manager: reviews evidence
WALT = "admin@prairie.example"  # Prairie Ag Dealers' partner admin
PATH = "Tractors installation & service"
MODULE = "Handover to the customer"  # the demo leaves it as Jorge's last module of the level
LEVEL = "Installation & Service Foundation — Tractors"
INSTALL_REQUIREMENT = "Staff certified in Installation & Service"  # Elite needs one
SPECIALISATION = "Installation Certified — Tractors"
LAPSE = re.compile(r"Premier criteria lapse on .+, when one of your two Technical certifications")


def _right_answers(app) -> dict[str, list[str]]:
    """The module quiz's right choices, read from the database (never from the page)."""
    with app.app_context():
        questions = db.session.scalars(
            sa.select(Question)
            .join(Quiz, Quiz.id == Question.quiz_id)
            .join(Module, Module.id == Quiz.module_id)
            .where(Module.title == MODULE, Module.recert.is_(False))
        ).all()
        return {q.prompt: [c.text for c in q.choices if c.correct] for q in questions}


def _handover_photo() -> bytes:
    image = Image.new("RGB", (800, 600), "#dfe8e1")
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 250, 600, 420), fill="#2f7d4a")
    draw.text((20, 20), "5R-0511 at handover", fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _install_requirement(page):
    """The Elite tier's Installation & Service requirement on the standing page."""
    return (
        page.get_by_role("region", name="Tier requirements")
        .get_by_role("listitem")
        .filter(has_text=INSTALL_REQUIREMENT)
    )


def _specialisation(page):
    """Prairie's progress towards "Installation Certified — Tractors" (two people)."""
    return (
        page.get_by_role("region", name="Specialisations")
        .get_by_role("listitem")
        .filter(has_text=SPECIALISATION)
    )


def _counted(page):
    """Jorge's row for this level among the certifications that count for Prairie."""
    return (
        page.get_by_role("region", name="Certifications that count")
        .get_by_role("row")
        .filter(has_text="Jorge Alvarez")
        .filter(has_text=LEVEL)
    )


def test_the_technician_earns_a_certificate_that_verifies_and_counts_for_prairie(
    open_page, live_server
):
    try:
        import zxingcpp  # the dev dependency that decodes the certificate's QR code
    except ImportError:
        unavailable("the zxing-cpp package (pip install -e '.[dev]')")
    right = _right_answers(live_server.app)
    assert right, f"the demo has a quiz for {MODULE}"

    # Before: nobody at Prairie holds a Tractors Installation & Service certification.
    walt = open_page()
    sign_in(walt, WALT)
    walt.goto("/learning/standing")
    expect(_specialisation(walt)).to_contain_text("0 of 2 today")
    expect(_counted(walt)).to_have_count(0)

    # Jorge reads the last module of the level and passes its quiz.
    tech = open_page()
    sign_in(tech, TECH)
    tech.get_by_role("navigation").get_by_role("link", name="Learning").first.click()
    tech.get_by_role("link", name=PATH).first.click()
    expect(tech.get_by_role("heading", name=PATH, level=1)).to_be_visible()
    check_axe(tech, label="path page")
    tech.get_by_role("link", name=MODULE).click()
    expect(tech.get_by_role("heading", name=MODULE, level=1)).to_be_visible()
    tech.get_by_role("button", name="Mark as read").click()
    expect(tech.get_by_text(f"“{MODULE}” is marked complete.")).to_be_visible()
    check_axe(tech, label="module page")
    tech.get_by_role("button", name="Start the quiz").click()
    expect(tech).to_have_url(re.compile(r"/learning/attempts/\d+$"))
    for fieldset in tech.locator("fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        prompt = next(p for p in right if p in legend)
        for text in right[prompt]:
            fieldset.get_by_label(text, exact=True).check()
    tech.get_by_role("button", name="Submit answers").click()
    expect(tech.get_by_role("heading", name=re.compile(r"^You passed: 100%"))).to_be_visible()
    expect(tech.get_by_text(f"every module of {LEVEL} is done. One step left")).to_be_visible()
    check_axe(tech, label="quiz feedback")

    # … then sends his practical evidence: a photo at handover.
    tech.get_by_role("link", name="the practical assessment").click()
    expect(tech.get_by_role("heading", name="Practical assessment", level=1)).to_be_visible()
    check_axe(tech, label="practical assessment page")
    tech.get_by_label("Photos and reports").set_input_files(
        {"name": "5R handover.png", "mimeType": "image/png", "buffer": _handover_photo()}
    )
    tech.get_by_label("Note for the reviewer").fill("Handover of a 5R at the Olsen farm.")
    tech.get_by_role("button", name="Submit evidence").click()
    expect(tech.get_by_text("Your evidence is submitted.")).to_be_visible()

    # A product manager signs it off from the reviewer queue.
    reviewer = open_page()
    sign_in(reviewer, REVIEWER)
    reviewer.goto("/learning/")
    reviewer.get_by_role("link", name="Evidence to review").click()
    expect(reviewer.get_by_role("heading", name="Practical evidence to review")).to_be_visible()
    check_axe(reviewer, label="reviewer queue")
    reviewer.get_by_role("row").filter(has_text=LEVEL).get_by_role(
        "link", name="Jorge Alvarez"
    ).click()
    expect(reviewer.get_by_role("img", name=re.compile("5R handover.png"))).to_be_visible()
    check_axe(reviewer, label="submission page")
    reviewer.get_by_role("button", name="Sign off").click()
    expect(reviewer.get_by_text(f"Jorge Alvarez is now certified: {LEVEL}.")).to_be_visible()

    # Jorge is told, and the notification opens the certificate, also in his wallet.
    tech.goto("/notifications")
    note = tech.locator(".notelist__item").filter(has_text=f"You are certified: {LEVEL}")
    note.get_by_role("button", name=re.compile(r"^Open")).click()  # marks it read
    expect(tech.get_by_role("heading", name=LEVEL, level=1)).to_be_visible()
    check_axe(tech, label="certification page")
    certificate_url = tech.url
    tech.goto("/learning/certifications")
    tech.get_by_role("link", name=LEVEL).first.click()
    expect(tech).to_have_url(certificate_url)

    # The certificate's QR code, decoded from the PNG, leads to a page that says valid.
    png = tech.request.get(tech.get_by_role("link", name="Certificate (PNG)").get_attribute("href"))
    assert png.ok and png.headers["content-type"] == "image/png"
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.body())))
    assert [c.format.name for c in codes] == ["QRCode"]
    verify_url = codes[0].text
    assert re.fullmatch(re.escape(live_server.url) + r"/verify/[A-Za-z0-9_-]+", verify_url)
    visitor = open_page()  # not signed in
    visitor.goto(verify_url)
    expect(visitor.get_by_text("Valid", exact=True)).to_be_visible()
    expect(visitor.get_by_text(LEVEL).first).to_be_visible()
    expect(visitor.get_by_text("Jorge Alvarez")).to_be_visible()
    check_axe(visitor, label="verification page")

    # The Open Badges credential verifies with the published key.
    token = visitor.request.get(verify_url + ".jwt")
    assert token.ok and token.headers["content-type"].startswith("application/vc+jwt")
    keys = visitor.request.get("/.well-known/jwks.json").json()["keys"]
    kid = jwt.get_unverified_header(token.text())["kid"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == kid))
    credential = jwt.decode(token.text(), key=key.key, algorithms=["EdDSA"])
    assert credential["id"] == verify_url
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["credentialSubject"]["achievement"]["name"] == LEVEL

    # Prairie's standing page counts him: the specialisation's count goes up, his
    # certification counts, the Elite requirement is met; the Premier lapse still shows.
    walt.reload()
    expect(_specialisation(walt)).to_contain_text("1 of 2 today")
    expect(_counted(walt)).to_have_count(1)
    expect(_install_requirement(walt)).to_contain_text("✓ met:")
    expect(walt.get_by_role("status").filter(has_text=LAPSE)).to_be_visible()
    check_axe(walt, label="standing page")
