"""The kudos form and the leaderboard choice (the rules check the values)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField

from learning.recognition.kudos import MAX_MESSAGE
from learning.recognition.models import KudosCategory


class KudosForm(FlaskForm):
    recipient_id = SelectField("Who", choices=[], validate_choice=False)
    category = SelectField("For", choices=[], validate_choice=False)
    message = TextAreaField("Message", render_kw={"maxlength": MAX_MESSAGE, "rows": 3})

    def offer(self, people) -> KudosForm:
        self.category.choices = [(c.value, c.label) for c in KudosCategory]
        self.recipient_id.choices = [("", "Choose a person")] + [
            (str(p.id), f"{p.name} · {p.organization.name}") for p in people
        ]
        return self


class OptOutForm(FlaskForm):
    opted_out = BooleanField("Leave me off leaderboards and the recognition wall")
