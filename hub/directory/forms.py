"""Forms of the directory pages: organisations, their logo, inviting staff, roles."""

from __future__ import annotations

from typing import Self

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from hub import policy
from hub.directory import queries, tiers
from hub.directory.service import CONTACT_FIELDS
from hub.errors import EMAIL_MESSAGE
from hub.models import Organization, OrgKind, Person, Track
from hub.web.forms import MultiCheckboxField, SelectField


class ContactForm(FlaskForm):
    """What a partner admin may change about their own organisation."""

    contact_email = EmailField("Contact e-mail", validators=[Optional(), Email(EMAIL_MESSAGE)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    website = StringField("Website", validators=[Optional(), Length(max=200)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])

    def values(self) -> dict:
        """The fields as the directory rules take them."""
        return {field: getattr(self, field).data or "" for field in CONTACT_FIELDS}


class OrganizationForm(ContactForm):
    """Everything about an organisation: the program admin's form."""

    name = StringField(
        "Name", validators=[DataRequired("Enter the organisation's name."), Length(max=160)]
    )
    kind = SelectField("Kind", choices=[])
    parent_id = SelectField("Parent in the channel", choices=[], coerce=str)
    tier = SelectField("Tier", choices=[])
    tracks = MultiCheckboxField("Tracks", choices=[])
    region = StringField("Region", validators=[Optional(), Length(max=80)])
    erp_account_number = StringField("ERP account number", validators=[Optional(), Length(max=40)])
    domain = StringField("Web domain", validators=[Optional(), Length(max=120)])

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "parent_id": int(self.parent_id.data) if self.parent_id.data else None,
            "tier": self.tier.data or None,
            "tracks": self.tracks.data or [],
            "region": self.region.data or "",
            "erp_account_number": self.erp_account_number.data or "",
            "domain": self.domain.data or "",
            **super().values(),
        }


def organization_form(org: Organization | None) -> OrganizationForm:
    """The full form for a new organisation (org None) or for org, its choices from the
    directory; on GET it shows org as it is."""
    showing = request.method == "GET" and org is not None
    form = OrganizationForm(obj=org) if showing else OrganizationForm()
    kinds = (
        [k for k in OrgKind if k != OrgKind.OEM]
        if org is None or org.kind != OrgKind.OEM
        else [OrgKind.OEM]
    )
    form.kind.choices = [(k.value, k.label) for k in kinds]
    form.parent_id.choices = (
        [("", "— none (the OEM itself) —")] if org and org.kind == OrgKind.OEM else []
    )
    form.parent_id.choices += [
        (str(pid), f"{name} ({OrgKind(k).label.lower()})")
        for pid, name, k in queries.parent_choices()
        if not org or pid != org.id
    ]
    form.tier.choices = [("", "— no tier —")] + [(t.name, t.name) for t in tiers.ordered()]
    form.tracks.choices = [(t.value, t.label) for t in Track]
    if showing:
        form.kind.data = org.kind.value
        form.parent_id.data = str(org.parent_id or "")
        form.tier.data = org.tier.name if org.tier else ""
        form.tracks.data = [t.value for t in org.tracks]
    return form


def contact_form(org: Organization) -> ContactForm:
    """The contact-details form, showing org as it is on GET."""
    return ContactForm(obj=org) if request.method == "GET" else ContactForm()


class LogoForm(FlaskForm):
    logo = FileField("Logo image", validators=[FileRequired("Choose an image file to upload.")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[])

    def offer_roles(self, viewer: Person, org: Organization) -> Self:
        """Offer the roles the viewer may give someone at org."""
        self.role.choices = [(r.value, r.label) for r in policy.assignable_roles(viewer, org)]
        return self


class InviteForm(RoleForm):
    name = StringField(
        "Name", validators=[DataRequired("Enter the person's name."), Length(max=120)]
    )
    email = EmailField(
        "E-mail", validators=[DataRequired("Enter their e-mail address."), Email(EMAIL_MESSAGE)]
    )
