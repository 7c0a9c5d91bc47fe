"""Forms of the core pages. Field names match the service's problem keys, so a rule's
sentence lands beside the field it is about."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import SelectField as _SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from hub.errors import ValidationFailed


class SelectField(_SelectField):
    """A select whose "not a choice" error tells the user what to do."""

    def pre_validate(self, form):
        if self.choices is not None and self.data not in {str(v) for v, *_ in self.choices} | {
            v for v, *_ in self.choices
        }:
            raise ValidationError(f"Choose one of the {self.label.text.lower()} options offered.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {str(v) for v, *_ in self.choices or []}
        if any(str(d) not in allowed for d in self.data or []):
            raise ValidationError("Choose only from the options offered.")


def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [("UTC", "UTC"), *[(z, z.replace("_", " ")) for z in zones]]


def apply_problems(form: FlaskForm, exc: ValidationFailed) -> None:
    """Put a service's sentences on the form: on their field, or above the form."""
    for field_name, messages in exc.problems.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), *messages]
        else:
            form.form_errors.extend(messages)


EMAIL_MESSAGE = "Enter an e-mail address like name@company.com."


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


class InviteForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Enter the person's name."), Length(max=120)]
    )
    email = EmailField(
        "E-mail", validators=[DataRequired("Enter their e-mail address."), Email(EMAIL_MESSAGE)]
    )
    role = SelectField("Role", choices=[])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[])


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[
            DataRequired("Give the token a name, e.g. the system that will use it."),
            Length(max=80),
        ],
    )


class OrganizationForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Enter the organisation's name."), Length(max=160)]
    )
    kind = SelectField("Kind", choices=[])
    parent_id = SelectField("Parent in the channel", choices=[], coerce=str)
    tier = SelectField("Tier", choices=[])
    tracks = MultiCheckboxField("Tracks", choices=[])
    region = StringField("Region", validators=[Optional(), Length(max=80)])
    domain = StringField("Web domain", validators=[Optional(), Length(max=120)])
    contact_email = EmailField("Contact e-mail", validators=[Optional(), Email(EMAIL_MESSAGE)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    website = StringField("Website", validators=[Optional(), Length(max=200)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])


class ContactForm(FlaskForm):
    """What a partner admin may change about their own organisation."""

    contact_email = EmailField("Contact e-mail", validators=[Optional(), Email(EMAIL_MESSAGE)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    website = StringField("Website", validators=[Optional(), Length(max=200)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])


class MfaRolesForm(FlaskForm):
    mfa_required_roles = MultiCheckboxField("Roles that must use two-factor sign-in", choices=[])


class TierForm(FlaskForm):
    name = StringField(
        "Tier name", validators=[DataRequired("Enter a name for the tier."), Length(max=60)]
    )
    description = StringField("What it means", validators=[Optional(), Length(max=300)])


class LogoForm(FlaskForm):
    logo = FileField("Logo image", validators=[FileRequired("Choose an image file to upload.")])


class EmptyForm(FlaskForm):
    """Just the CSRF token, for buttons that change something."""
