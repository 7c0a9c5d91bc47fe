"""Access cases for the program admin's brand-kit pages (merged into
access_cases.ACCESS_CASES): the program admin alone opens and changes them (403 to every
other role); an unknown template, deck or copy row is 404 to the admin."""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.demo import studio as studio_demo
from campaigns.studio import deck_uploads
from campaigns.studio.models import ApprovedCopy, ForbiddenWord, StudioDeck, StudioTemplate
from hub import db
from tests.access import Case
from tests.campaigns.studio.admin_support import pptx

LOGIN = 302
ADMIN_PAGE = {"anonymous": LOGIN, "program_admin": 200}
ADMIN_CHANGE = {"anonymous": LOGIN, "program_admin": 303}
ADMIN_404 = {"anonymous": LOGIN, "program_admin": 404}


def _template(c) -> StudioTemplate:
    template = db.session.scalar(sa.select(StudioTemplate).order_by(StudioTemplate.id))
    return template or studio_demo.install()[0]


def _deck(c) -> StudioDeck:
    row = db.session.scalar(sa.select(StudioDeck).order_by(StudioDeck.id))
    if row is None:
        upload = (pptx(("Hello {{dealer.name}}",)), "deck.pptx", deck_uploads.PPTX)
        row = deck_uploads.save_deck(c.people["program_admin"], "Matrix deck", upload)
    return row


def _t(suffix=""):
    return lambda c: f"/campaigns/studio/manage/templates/{_template(c).id}{suffix}"


def _d(suffix=""):
    return lambda c: f"/campaigns/studio/manage/decks/{_deck(c).id}{suffix}"


def _copy(c):
    _template(c)  # installs the demo copy and words
    return db.session.scalar(sa.select(ApprovedCopy).order_by(ApprovedCopy.id))


def _word(c):
    _template(c)
    return db.session.scalar(sa.select(ForbiddenWord).order_by(ForbiddenWord.id))


TEMPLATE_FORM = {"name": "Matrix template", "size": "square", "artwork": "harvest",
                 "disclaimer_text": "Terms apply.", "disclaimer_version": "1",
                 "disclaimer_box": "60, 990, 960, 70", "disclaimer_size": "17",
                 "disclaimer_colour": "#ffffff"}  # fmt: skip

ADMIN_CASES = {
    "campaigns.studio_admin": [Case("GET", "/campaigns/studio/manage", ADMIN_PAGE, default=403)],
    "campaigns.studio_template_new": [
        Case("GET", "/campaigns/studio/manage/templates/new", ADMIN_PAGE, default=403),
        Case(
            "POST",
            "/campaigns/studio/manage/templates/new",
            ADMIN_CHANGE,
            default=403,
            data=TEMPLATE_FORM,
        ),
    ],
    "campaigns.studio_template_edit": [
        Case("GET", _t("/edit"), ADMIN_PAGE, default=403),
        Case("POST", _t("/edit"), ADMIN_CHANGE, default=403, data=TEMPLATE_FORM),
        Case("GET", "/campaigns/studio/manage/templates/999999/edit", ADMIN_404, default=403),
    ],
    "campaigns.studio_template_preview": [
        Case("GET", _t(), ADMIN_PAGE, default=403),
        Case("GET", "/campaigns/studio/manage/templates/999999", ADMIN_404, default=403),
    ],
    "campaigns.studio_template_sample": [Case("GET", _t("/sample.png"), ADMIN_PAGE, default=403)],
    "campaigns.studio_template_publish": [
        Case("POST", _t("/publish"), ADMIN_CHANGE, default=403, data={"published": "0"}),
        Case(
            "POST",
            "/campaigns/studio/manage/templates/999999/publish",
            ADMIN_404,
            default=403,
            data={"published": "1"},
        ),
    ],
    "campaigns.studio_deck_new": [
        Case("GET", "/campaigns/studio/manage/decks/new", ADMIN_PAGE, default=403),
        Case(
            "POST",
            "/campaigns/studio/manage/decks/new",
            {"anonymous": LOGIN, "program_admin": 422},
            default=403,
            data={"name": "No file"},
            note="no file chosen: a sentence",
        ),
    ],
    "campaigns.studio_deck_report": [
        Case("GET", _d(), ADMIN_PAGE, default=403),
        Case("GET", "/campaigns/studio/manage/decks/999999", ADMIN_404, default=403),
    ],
    "campaigns.studio_deck_report_slide": [
        Case("GET", _d("/slide-1.png"), ADMIN_PAGE, default=403),
        Case("GET", _d("/slide-99.png"), ADMIN_404, default=403),
    ],
    "campaigns.studio_deck_publish": [
        Case("POST", _d("/publish"), ADMIN_CHANGE, default=403, data={"published": "1"}),
    ],
    "campaigns.studio_library": [
        Case("GET", "/campaigns/studio/manage/library", ADMIN_PAGE, default=403),
        Case(
            "POST",
            "/campaigns/studio/manage/library",
            ADMIN_CHANGE,
            default=403,
            data={"add": "word", "word": "matrixword"},
        ),
    ],
    "campaigns.studio_copy_change": [
        Case(
            "POST",
            lambda c: f"/campaigns/studio/manage/library/copy/{_copy(c).id}",
            ADMIN_CHANGE,
            default=403,
            data={"kind": "offer", "text": "Matrix offer"},
        ),
        Case(
            "POST",
            "/campaigns/studio/manage/library/copy/999999",
            ADMIN_404,
            default=403,
            data={"action": "remove"},
        ),
    ],
    "campaigns.studio_word_remove": [
        Case(
            "POST",
            lambda c: f"/campaigns/studio/manage/library/words/{_word(c).id}/remove",
            ADMIN_CHANGE,
            default=403,
        ),
    ],
    "campaigns.studio_usage": [
        Case(
            "GET",
            lambda c: _template(c) and "/campaigns/studio/manage/usage",
            ADMIN_PAGE,
            default=403,
        ),
    ],
}

ADMIN_CASES["studio_api.list_templates"] = [
    Case("GET", lambda c: _template(c) and "/api/v1/studio/templates",
         {"anonymous": 401, "program_admin": 200}, default=403, json=True),
]  # fmt: skip
ADMIN_CASES["studio_api.publish_template"] = [
    Case("POST", lambda c: f"/api/v1/studio/templates/{_template(c).id}/publish",
         {"anonymous": 401, "program_admin": 200}, default=403, json=True,
         data={"published": False}),
    Case("POST", "/api/v1/studio/templates/999999/publish",
         {"anonymous": 401, "program_admin": 404}, default=403, json=True,
         data={"published": True}, note="no such template"),
]  # fmt: skip
