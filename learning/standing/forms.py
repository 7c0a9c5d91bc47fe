"""The program admin's specialisation form (the rules check the values and say what is
wrong; the form carries labels and the user's input back)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from learning.paths.models import LearningTrack


class SpecialisationForm(FlaskForm):
    name = StringField("Name")
    product_line_id = SelectField("Product line", choices=[], validate_choice=False)
    track = SelectField("Track", choices=[], validate_choice=False)
    min_rank = SelectField("Lowest level that counts", choices=[], validate_choice=False)
    min_people = StringField("People needed", default="2")

    def offer(self, lines, ranks) -> SpecialisationForm:
        self.track.choices = [(t.value, t.label) for t in LearningTrack]
        self.product_line_id.choices = [(str(line.id), line.name) for line in lines]
        self.min_rank.choices = [(str(rank), f"{name} or above") for rank, name in ranks]
        return self
