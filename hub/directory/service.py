"""The channel directory: adding organisations, changing them and moving them in the tree.

Pages, the JSON API and CLI commands all call these functions. They check who may do
what (raising PermissionError with a sentence), validate (raising ValidationFailed
with sentences per field, or Conflict), add and flush, and record an audit event —
they never commit.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from hub import audit, db, policy, uploads
from hub.errors import Conflict, ValidationFailed
from hub.models import Organization, OrganizationTrack, OrgKind, Person, Tier, Track

# Where each kind may sit in the channel tree.
LEGAL_PARENTS: dict[OrgKind, tuple[OrgKind, ...]] = {
    OrgKind.OEM: (),
    OrgKind.MASTER_DISTRIBUTOR: (OrgKind.OEM,),
    OrgKind.DISTRIBUTOR: (OrgKind.MASTER_DISTRIBUTOR, OrgKind.OEM),
    OrgKind.DEALER: (OrgKind.DISTRIBUTOR, OrgKind.MASTER_DISTRIBUTOR, OrgKind.OEM),
}

# What a partner admin may change about their own organisation.
CONTACT_FIELDS = ("contact_email", "phone", "website", "address")
# Everything create_organization and update_organization accept.
FIELDS = (
    "name",
    "kind",
    "parent_id",
    "tier",
    "tracks",
    "region",
    "erp_account_number",
    "domain",
    *CONTACT_FIELDS,
    "active",
)
AUDITED_FIELDS = (*FIELDS, "path")

_TEXT_LIMITS = {
    "name": 160,
    "region": 80,
    "erp_account_number": 40,
    "domain": 120,
    "contact_email": 200,
    "phone": 40,
    "website": 200,
    "address": 500,
}
EMAIL_MESSAGE = "Enter an e-mail address like name@company.com."


def organization_snapshot(org: Organization, tracks: list | None = None) -> dict:
    """The audited fields of org, JSON-safe (tier by name, tracks by value). `tracks`:
    the organisation's tracks when the caller read them already (a list page)."""
    tracks = org.tracks if tracks is None else tracks
    return {
        "name": org.name,
        "kind": audit.jsonable(org.kind),
        "parent_id": org.parent_id,
        "path": org.path,
        "tier": org.tier.name if org.tier else None,
        "tracks": [t.value for t in tracks],
        "region": org.region,
        "erp_account_number": org.erp_account_number,
        "domain": org.domain,
        "contact_email": org.contact_email,
        "phone": org.phone,
        "website": org.website,
        "address": org.address,
        "active": org.active,
    }


def path_beneath(parent: Organization | None, org_id: int) -> str:
    """The materialised path of organisation org_id sitting beneath parent ("/1/7/12/")."""
    return (parent.path if parent else "/") + f"{org_id}/"


def legal_parent_kinds(kind: OrgKind | str) -> tuple[OrgKind, ...]:
    """The kinds of organisation that an organisation of this kind may sit beneath."""
    return LEGAL_PARENTS[OrgKind(kind)]


# --- Reading and checking input --------------------------------------------------


def _text(field: str, value, problems: dict) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.setdefault(field, []).append("Enter text here.")
        return None
    value = value.strip()
    limit = _TEXT_LIMITS[field]
    if len(value) > limit:
        problems.setdefault(field, []).append(f"Keep this under {limit + 1} characters.")
        return None
    return value


def _clean(data: Mapping, allowed: tuple[str, ...]) -> tuple[dict, dict[str, list[str]]]:
    """Parse the fields present in data; returns (values, problems)."""
    values: dict = {}
    problems: dict[str, list[str]] = {}
    for field in data:
        if field not in allowed:
            problems.setdefault(field, []).append(
                f"'{field}' can't be set here; the fields are: {', '.join(allowed)}."
            )
    for field in allowed:
        if field not in data:
            continue
        raw = data[field]
        if field in _TEXT_LIMITS:
            value = _text(field, raw, problems)
            if value is None:
                continue
            if field == "name" and not value:
                problems.setdefault("name", []).append("Enter the organisation's name.")
                continue
            if field == "contact_email" and value:
                value = value.lower()
                local, _, host = value.partition("@")
                if not local or "." not in host or " " in value or host.startswith("."):
                    problems.setdefault(field, []).append(EMAIL_MESSAGE)
                    continue
            if field == "website" and value:
                if "://" not in value:
                    value = "https://" + value
                if not value.lower().startswith(("http://", "https://")) or " " in value:
                    problems.setdefault(field, []).append(
                        "Enter a web address starting with https://, like https://dealer.example."
                    )
                    continue
            if field == "erp_account_number":
                if value and not value.isprintable():
                    problems.setdefault(field, []).append(
                        "Write the ERP account number as it appears in the ERP, like C-10442."
                    )
                    continue
                value = value or None  # none: NULL, which never collides with another
            if field == "domain":
                value = value.lower()
                if value and (" " in value or "/" in value or "." not in value):
                    problems.setdefault(field, []).append(
                        "Enter the web domain alone, like dealer.example."
                    )
                    continue
            values[field] = value
        elif field == "kind":
            if raw not in {k.value for k in OrgKind}:
                problems.setdefault("kind", []).append(
                    "Choose a kind: master_distributor, distributor or dealer."
                )
                continue
            values["kind"] = OrgKind(raw)
        elif field == "parent_id":
            if raw is None or raw == "":
                values["parent_id"] = values["parent"] = None
                continue
            if isinstance(raw, bool) or not (
                isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit())
            ):
                problems.setdefault("parent_id", []).append(
                    "Give the parent organisation's id as a whole number."
                )
                continue
            parent = db.session.get(Organization, int(raw))
            if parent is None:
                problems.setdefault("parent_id", []).append(
                    f"There is no organisation with the id {int(raw)}."
                )
                continue
            values["parent_id"] = parent.id
            values["parent"] = parent
        elif field == "tier":
            if raw is None or raw == "":
                values["tier"] = None
                continue
            if not isinstance(raw, str):
                problems.setdefault("tier", []).append('Give the tier by its name, like "Premier".')
                continue
            tier = db.session.scalar(sa.select(Tier).where(Tier.name == raw.strip()))
            if tier is None:
                names = db.session.scalars(sa.select(Tier.name).order_by(Tier.rank, Tier.id))
                problems.setdefault("tier", []).append(
                    f"There is no tier called “{raw.strip()}”. The tiers are: {', '.join(names) or 'none yet'}."
                )
                continue
            values["tier"] = tier
        elif field == "tracks":
            valid = [t.value for t in Track]
            if raw is None:
                raw = []
            if not isinstance(raw, list | tuple) or any(not isinstance(t, str) for t in raw):
                problems.setdefault("tracks", []).append("Give the tracks as a list of names.")
                continue
            unknown = [t for t in raw if t not in valid]
            if unknown:
                problems.setdefault("tracks", []).append(
                    f"Unknown track {', '.join(unknown)}; the tracks are: {', '.join(valid)}."
                )
                continue
            values["tracks"] = sorted({Track(t) for t in raw})
        elif field == "active":
            if not isinstance(raw, bool):
                problems.setdefault("active", []).append("Give active as true or false.")
                continue
            values["active"] = raw
    return values, problems


def _placement_problem(
    kind: OrgKind, parent: Organization | None, org: Organization | None = None
) -> str | None:
    """Why an organisation of this kind can't sit beneath parent, or None when it can."""
    legal = LEGAL_PARENTS[kind]
    if kind == OrgKind.OEM:
        return None if parent is None else "The OEM is the root of the channel and has no parent."
    if parent is None:
        return (
            f"Choose where the {kind.label.lower()} sits in the channel (its parent organisation)."
        )
    if org is not None and parent.path.startswith(org.path):
        return "An organisation can't sit beneath itself or one of its own organisations."
    if parent.kind not in legal:
        return (
            f"{_a(kind).capitalize()} sits beneath {_either(legal)}, not beneath {_a(parent.kind)}."
        )
    return None


def _a(kind: OrgKind) -> str:
    return "the OEM" if kind == OrgKind.OEM else f"a {kind.label.lower()}"


def _either(kinds: tuple[OrgKind, ...]) -> str:
    names = [_a(k) for k in kinds]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _children_problem(org: Organization, kind: OrgKind) -> str | None:
    """Why org's own organisations could not stay beneath it if it became kind."""
    kinds = db.session.scalars(
        sa.select(Organization.kind).where(Organization.parent_id == org.id).distinct()
    ).all()
    misfits = [k for k in kinds if kind not in LEGAL_PARENTS[k]]
    if misfits:
        names = " and ".join(sorted(f"{k.label.lower()}s" for k in misfits))
        return f"{org.name} has {names} beneath it that can't sit under a {kind.label.lower()}; move them first."
    return None


def _name_conflict(name: str, parent_id: int | None, org_id: int | None) -> bool:
    stmt = sa.select(Organization.id).where(
        sa.func.lower(Organization.name) == name.lower(),
        Organization.parent_id.is_(None)
        if parent_id is None
        else Organization.parent_id == parent_id,
    )
    if org_id is not None:
        stmt = stmt.where(Organization.id != org_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _set_tracks(org: Organization, tracks: list[Track]) -> None:
    # Change only what differs, so the composite keys of kept rows are never re-inserted.
    wanted = set(tracks)
    for row in list(org.track_rows):
        if row.track not in wanted:
            org.track_rows.remove(row)
    have = {row.track for row in org.track_rows}
    for track in sorted(wanted - have):
        org.track_rows.append(OrganizationTrack(track=track))


def _check_erp_number(number: str | None, org_id: int | None) -> None:
    """An ERP account number names one organisation: refuse one another already has."""
    if not number:
        return
    holder = db.session.scalar(
        sa.select(Organization).where(
            Organization.erp_account_number == number, Organization.id != (org_id or 0)
        )
    )
    if holder is not None:
        raise Conflict(
            {
                "erp_account_number": [
                    f"{holder.name} already has the ERP account number “{number}”; "
                    "each partner has its own."
                ]
            }
        )


# --- The rules --------------------------------------------------------------------


def create_organization(actor: Person, data: Mapping) -> Organization:
    """Add a master distributor, distributor or dealer to the channel (program admins only).

    data holds name, kind and parent_id (required), and optionally tier (a name or None),
    tracks (a list of values), region, domain, contact_email, phone, website, address, active.
    """
    if not policy.can_restructure_organization(actor):
        raise PermissionError("Only the program admin can add organisations to the channel.")
    values, problems = _clean(data, FIELDS)
    for field, message in (
        ("name", "Enter the organisation's name."),
        ("kind", "Choose a kind: master_distributor, distributor or dealer."),
        ("parent_id", "Choose where it sits in the channel: the id of its parent organisation."),
    ):
        if field not in data and field not in problems:
            problems[field] = [message]
    kind = values.get("kind")
    if kind == OrgKind.OEM:
        problems.setdefault("kind", []).append(
            "There is one OEM, at the root of the channel; add a master distributor, "
            "distributor or dealer."
        )
    elif kind is not None and "parent_id" not in problems:
        message = _placement_problem(kind, values.get("parent"))
        if message:
            problems.setdefault("parent_id", []).append(message)
    if problems:
        raise ValidationFailed(problems)
    parent = values["parent"]
    if _name_conflict(values["name"], parent.id, None):
        raise Conflict(
            {"name": [f"{parent.name} already has an organisation called “{values['name']}”."]}
        )
    _check_erp_number(values.get("erp_account_number"), None)
    org = Organization(
        name=values["name"],
        kind=kind,
        parent=parent,
        tier=values.get("tier"),
        erp_account_number=values.get("erp_account_number"),
        active=values.get("active", True),
        **{f: values.get(f, "") for f in ("region", "domain", *CONTACT_FIELDS)},
    )
    _set_tracks(org, values.get("tracks", []))
    db.session.add(org)
    db.session.flush()
    org.path = path_beneath(parent, org.id)
    db.session.flush()
    audit.record(
        "organization.created",
        org,
        actor=actor,
        after=organization_snapshot(org),
        summary=f"{org.name} ({kind.label.lower()}) added beneath {parent.name}",
    )
    return org


def update_organization(actor: Person, org: Organization, data: Mapping) -> Organization:
    """Change any of an organisation's fields (program admins only); only keys present change.

    Changing parent_id moves the organisation with its whole subtree (see move_organization).
    """
    if not policy.can_restructure_organization(actor):
        raise PermissionError(
            "Only the program admin can change an organisation's name, kind, place in the "
            "channel, tier or tracks."
        )
    values, problems = _clean(data, FIELDS)
    kind = values.get("kind", org.kind)
    parent = values.get("parent", org.parent)
    if "kind" in values and kind != org.kind and OrgKind.OEM in (kind, org.kind):
        problems.setdefault("kind", []).append(
            "The OEM stays the OEM, and no other organisation can become it."
        )
    elif "kind" not in problems and "parent_id" not in problems:
        if "kind" in values or "parent_id" in values:
            message = _placement_problem(kind, parent, org)
            if message:
                problems.setdefault("parent_id", []).append(message)
        if kind != org.kind:
            message = _children_problem(org, kind)
            if message:
                problems.setdefault("kind", []).append(message)
    if kind == OrgKind.OEM and values.get("tier") is not None:
        problems.setdefault("tier", []).append("The OEM has no tier.")
    if problems:
        raise ValidationFailed(problems)
    name = values.get("name", org.name)
    if ("name" in values or "parent_id" in values) and _name_conflict(
        name, parent.id if parent else None, org.id
    ):
        where = parent.name if parent else "The channel"
        raise Conflict({"name": [f"{where} already has an organisation called “{name}”."]})

    if "erp_account_number" in values:
        _check_erp_number(values["erp_account_number"], org.id)
    before = organization_snapshot(org)
    for field in ("name", "region", "erp_account_number", "domain", *CONTACT_FIELDS, "active"):
        if field in values:
            setattr(org, field, values[field])
    if "tier" in values:
        org.tier = values["tier"]
    if "tracks" in values:
        _set_tracks(org, values["tracks"])
    org.kind = kind
    if parent is not None and parent.id != org.parent_id:
        move_organization(org, parent)
    db.session.flush()
    after = organization_snapshot(org)
    audit.record_change(
        "organization.updated",
        org,
        actor=actor,
        before=before,
        after=after,
        summary=f"{org.name} changed ({', '.join(k for k in after if after[k] != before[k])})",
    )
    return org


def update_contact_details(actor: Person, org: Organization, data: Mapping) -> Organization:
    """Change contact_email, phone, website or address: the program admin, or the
    organisation's own partner admin. Any other field is refused with PermissionError."""
    if not policy.can_edit_organization(actor, org):
        raise PermissionError(
            "Only the program admin, or this organisation's own partner admin for its "
            "contact details, can change this organisation."
        )
    restricted = [f for f in data if f not in CONTACT_FIELDS]
    if restricted and not policy.can_restructure_organization(actor):
        raise PermissionError(
            f"Only the program admin can change {', '.join(restricted)}; you can change "
            f"{', '.join(CONTACT_FIELDS)}."
        )
    values, problems = _clean(data, CONTACT_FIELDS)
    if problems:
        raise ValidationFailed(problems)
    before = audit.snapshot(org, CONTACT_FIELDS)
    for field, value in values.items():
        setattr(org, field, value)
    audit.record_change(
        "organization.contact_updated",
        org,
        actor=actor,
        before=before,
        after=audit.snapshot(org, CONTACT_FIELDS),
        summary=f"Contact details of {org.name} changed",
    )
    return org


def edit_organization(actor: Person, org: Organization, data: Mapping) -> Organization:
    """Save a change to org with what the actor may change: every field for the program
    admin (update_organization), the contact details for others (update_contact_details)."""
    if policy.can_restructure_organization(actor):
        return update_organization(actor, org, data)
    return update_contact_details(actor, org, data)


def move_organization(
    org: Organization, new_parent: Organization, *, actor: Person | None = None
) -> None:
    """Put org beneath new_parent; the materialised path of org and its whole subtree follows.

    update_organization calls this and audits the change itself. Called directly with an
    actor, the actor's permission is checked and an "organization.moved" event recorded.
    Raises ValidationFailed({"parent_id": [...]}) when org can't sit there.
    """
    if actor is not None and not policy.can_restructure_organization(actor):
        raise PermissionError("Only the program admin can move organisations in the channel.")
    message = _placement_problem(org.kind, new_parent, org)
    if message:
        raise ValidationFailed({"parent_id": [message]})
    new_prefix = path_beneath(new_parent, org.id)
    if new_parent.id == org.parent_id and org.path == new_prefix:
        return
    before = {"parent_id": org.parent_id, "path": org.path}
    old_prefix = org.path
    org.parent = new_parent
    db.session.flush()
    # One UPDATE for the subtree (org included): swap the old path prefix for the new one.
    db.session.execute(
        sa.update(Organization)
        .where(Organization.path.startswith(old_prefix, autoescape=True))
        .values(
            path=sa.literal(new_prefix) + sa.func.substr(Organization.path, len(old_prefix) + 1)
        )
        .execution_options(synchronize_session="fetch")
    )
    db.session.refresh(org, ["path"])
    if actor is not None:
        audit.record(
            "organization.moved",
            org,
            actor=actor,
            before=before,
            after={"parent_id": org.parent_id, "path": org.path},
            summary=f"{org.name} moved beneath {new_parent.name}",
        )


def set_logo(actor: Person, org: Organization, data: bytes) -> None:
    """Replace the organisation's logo with a re-encoded copy of the uploaded image."""
    if not policy.can_edit_organization(actor, org):
        raise PermissionError(
            "Only the program admin or the organisation's admin can change its logo."
        )
    png = uploads.reencode_image(data, field="logo", max_side=512)
    stored = uploads.store(png, "logos", ".png", "image/png")
    before = {"logo_path": org.logo_path}
    org.logo_path = stored.path
    audit.record(
        "organization.logo_changed",
        org,
        actor=actor,
        before=before,
        after={"logo_path": org.logo_path},
        summary=f"New logo for {org.name}",
    )
