"""Forms of signing in and of a person's own settings."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from hub.errors import EMAIL_MESSAGE
from hub.web.forms import SelectField


def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("UTC", "UTC"), *[(z, z.replace("_", " ")) for z in zones]]


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class CodeForm(FlaskForm):
    code = StringField(
        "6-digit code",
        validators=[DataRequired("Enter the 6-digit code from your authenticator app.")],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "E-mail", validators=[DataRequired("Enter your e-mail address."), Email(EMAIL_MESSAGE)]
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Choose a password.")])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[EqualTo("password", "The two passwords are not the same.")],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )


class ProfileForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter your name."), Length(max=120)])
    title = StringField("Job title", validators=[Optional(), Length(max=120)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    timezone = SelectField("Time zone", choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[
            DataRequired("Give the token a name, e.g. the system that will use it."),
            Length(max=80),
        ],
    )
