"""The forms of the conversation pages.

The rules check every field (their sentences land on the fields); the forms only carry
the CSRF token and the browser hints.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField

from hub import db
from hub.conversations.handoff import MAX_NOTE
from hub.conversations.service import MAX_BODY, MAX_SUBJECT
from hub.models import ProductLine


class StartConversationForm(FlaskForm):
    subject = StringField("Subject", render_kw={"maxlength": MAX_SUBJECT})
    product_line_id = SelectField("Product line", validate_choice=False)
    body = TextAreaField("Your message", render_kw={"rows": 5, "maxlength": MAX_BODY})
    client_msg_id = HiddenField()
    # "1" on the “Ask a product expert” page: straight to the line's product manager.
    to_product_manager = HiddenField()


class MessageForm(FlaskForm):
    body = TextAreaField("Message", render_kw={"rows": 3, "maxlength": MAX_BODY})
    files = MultipleFileField(
        "Attach files",
        render_kw={"accept": "image/png,image/jpeg,image/webp,image/gif,application/pdf"},
    )
    client_msg_id = HiddenField()


class HandoffForm(FlaskForm):
    to_person_id = SelectField("Hand to", validate_choice=False)
    note = TextAreaField("Note for them", render_kw={"rows": 3, "maxlength": MAX_NOTE})


class StatusForm(FlaskForm):
    status = SelectField("New status", validate_choice=False)


def new_id() -> str:
    return str(uuid.uuid4())


def start_form() -> StartConversationForm:
    form = StartConversationForm()
    form.product_line_id.choices = [("", "Not about one product line")] + [
        (str(line.id), line.name)
        for line in db.session.scalars(sa.select(ProductLine).order_by(ProductLine.name))
    ]
    if not form.client_msg_id.data:
        form.client_msg_id.data = new_id()
    return form


def ask_expert_form(line: ProductLine) -> StartConversationForm:
    """The start form of “Ask a product expert”: the line chosen and a subject written, so
    the partner types the question and sends it."""
    form = start_form()
    if not form.is_submitted():
        form.product_line_id.data = str(line.id)
        form.subject.data = f"Question about {line.name}"
        form.to_product_manager.data = "1"
    form.body.render_kw = {**form.body.render_kw, "autofocus": True}
    return form
