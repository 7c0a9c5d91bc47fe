"""Forms of the program admin's pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from hub.models import Role
from hub.web.forms import MultiCheckboxField


class MfaRolesForm(FlaskForm):
    mfa_required_roles = MultiCheckboxField("Roles that must use two-factor sign-in", choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mfa_required_roles.choices = [(r.value, r.label) for r in Role]


class TierForm(FlaskForm):
    name = StringField(
        "Tier name", validators=[DataRequired("Enter a name for the tier."), Length(max=60)]
    )
    description = StringField("What it means", validators=[Optional(), Length(max=300)])
