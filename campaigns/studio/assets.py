"""Generated assets: the verification code printed on each output, the tracking URL
printed (as a QR code) where a template has a call to action, and the record that lets
OEM staff and the owning organisation look a code up.

The code derives from the hash of the render's inputs and the organisation, so the same
inputs give the same code — and the same cached file — however often they are rendered.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from campaigns.studio.models import AssetKind, StudioAsset
from hub import audit, db
from hub.models import Organization, Person

# Crockford's base32: no I, L, O or U, so a code read aloud or off paper is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MEDIUMS = {"square": "social", "landscape": "social", "a4": "print", "letter": "print"}


def code_for(inputs_hash: str, organization_id: int) -> str:
    """The verification code of an output: eight characters as "XXXX-XXXX"."""
    digest = hashlib.sha256(f"{organization_id}:{inputs_hash}".encode()).digest()
    number = int.from_bytes(digest[:5])  # 40 bits
    chars = "".join(ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def normal_code(text: str) -> str:
    """A typed code as stored: upper case, O read as 0 and I/L as 1, one dash."""
    raw = "".join(c for c in text.upper() if c.isalnum())
    raw = raw.translate(str.maketrans("OIL", "011"))
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def tracking_url(website: str, medium: str, campaign: str, organization_id: int) -> str:
    """The dealer's website with the campaign parameters (kept alongside its own)."""
    parts = urlsplit(website if "://" in website else f"https://{website}")
    query = [
        (k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_") and k != "dealer"
    ]
    query += [
        ("utm_source", "partnerhub"),
        ("utm_medium", medium),
        ("utm_campaign", campaign),
        ("dealer", str(organization_id)),
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def medium_of(layout: dict, size: str) -> str:
    return (layout.get("cta") or {}).get("medium") or MEDIUMS.get(size, "social")


def record(
    person: Person | None,
    organization: Organization,
    *,
    kind: AssetKind,
    template_key: str,
    template_name: str,
    inputs_hash: str,
    campaign: str,
    url: str = "",
) -> StudioAsset:
    """The asset's record, made the first time its code is handed out (audited then)."""
    code = code_for(inputs_hash, organization.id)
    found = db.session.scalar(sa.select(StudioAsset).where(StudioAsset.code == code))
    if found is not None:
        return found
    asset = StudioAsset(
        code=code,
        kind=kind,
        template_key=template_key,
        template_name=template_name,
        organization_id=organization.id,
        inputs_hash=inputs_hash,
        campaign=campaign,
        tracking_url=url,
        created_by_id=person.id if person is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(asset)
            db.session.flush()
    except IntegrityError:  # made by a concurrent request with the same inputs
        return db.session.scalars(sa.select(StudioAsset).where(StudioAsset.code == code)).one()
    audit.record(
        "studio.asset_generated",
        asset,
        organization_id=organization.id,
        after={"code": code, "template": template_key, "campaign": campaign},
        summary=f"Studio asset {code} made from “{template_name}”",
        actor=person,
    )
    return asset


def lookup(viewer: Person, code: str) -> StudioAsset | None:
    """The asset with this code if the viewer is OEM staff or of its organisation."""
    stmt = sa.select(StudioAsset).where(StudioAsset.code == normal_code(code))
    if not viewer.is_oem:
        stmt = stmt.where(StudioAsset.organization_id == viewer.organization_id)
    return db.session.scalar(stmt)
