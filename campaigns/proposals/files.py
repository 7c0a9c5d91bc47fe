"""Files of a proposal: uploads checked and kept (assets and claim proofs alike), served
only to people who may see their proposal, and the campaign's creative assets — planned,
attached by the dealer, or produced by the co-branding studio."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from campaigns.proposals.lifecycle import EDITABLE
from campaigns.proposals.models import (
    AssetSource,
    Claim,
    ClaimLine,
    ClaimProof,
    HeldProof,
    Proposal,
    ProposalAsset,
    ProposalEventKind,
)
from campaigns.proposals.permissions import visible_proposals
from campaigns.proposals.thread import add_event, audit_step
from hub import db, uploads
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Person, StoredFile

FILE_FOLDER = "campaigns"


def keep_file(
    actor: Person, organization_id: int, data: bytes, filename: str, content_type=None
) -> StoredFile:
    """Check an uploaded asset or proof (images re-encoded, PDFs rewritten; a file that is
    not what it says is refused with a sentence) and keep it as the organisation's."""
    accepted = uploads.accept_upload(data, filename, content_type, field="file")
    return uploads.keep(
        accepted, FILE_FOLDER, organization_id=organization_id, uploaded_by_id=actor.id
    )


def visible_file(viewer: Person, file_id: int) -> StoredFile | None:
    """A proposal's asset or a claim's proof, if the viewer may see its proposal (None
    whether the file is missing or out of scope). A proof held for a claim form is seen
    by the person who chose it only, until it expires."""
    held = db.session.scalar(
        sa.select(HeldProof.file_id).where(
            HeldProof.file_id == file_id,
            HeldProof.person_id == viewer.id,
            HeldProof.expires_at > utcnow(),
        )
    )
    if held is not None:
        return db.session.get(StoredFile, file_id)
    proposal_ids = sa.union(
        sa.select(ProposalAsset.proposal_id).where(ProposalAsset.file_id == file_id),
        sa.select(Claim.proposal_id)
        .join(ClaimLine, ClaimLine.claim_id == Claim.id)
        .join(ClaimProof, ClaimProof.line_id == ClaimLine.id)
        .where(ClaimProof.file_id == file_id),
    ).subquery()
    visible = db.session.scalar(
        visible_proposals(viewer).where(Proposal.id.in_(sa.select(proposal_ids.c[0]))).limit(1)
    )
    if visible is None:
        return None
    return db.session.get(StoredFile, file_id)


# --- Assets ---------------------------------------------------------------------------


def assets_of(proposal: Proposal) -> list[ProposalAsset]:
    """The campaign's creative assets, in the order they were added."""
    return list(
        db.session.scalars(
            sa.select(ProposalAsset)
            .where(ProposalAsset.proposal_id == proposal.id)
            .order_by(ProposalAsset.id)
        )
    )


@dataclass(frozen=True)
class ShownFile:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ShownAsset:
    """An asset as the proposal page lists it (read-only, the attributes of ProposalAsset
    the page shows): rows of these columns, not objects, on every view of the page."""

    id: int
    title: str
    description: str
    source: AssetSource
    file_id: int | None
    file: ShownFile | None


# As assets_of, built once: the proposal page lists them on every request.
_SHOWN_ASSETS = db.prepared(
    sa.select(
        ProposalAsset.id,
        ProposalAsset.title,
        ProposalAsset.description,
        ProposalAsset.source,
        ProposalAsset.file_id,
        StoredFile.filename,
        StoredFile.content_type,
        StoredFile.size,
    )
    .outerjoin(StoredFile, StoredFile.id == ProposalAsset.file_id)
    .where(ProposalAsset.proposal_id == sa.bindparam("proposal_id"))
    .order_by(ProposalAsset.id)
)


def shown_assets(proposal_id: int) -> list[ShownAsset]:
    """The campaign's creative assets as its page lists them, in the order they were added."""
    return [
        ShownAsset(
            id_,
            title,
            description,
            source,
            file_id,
            None if file_id is None else ShownFile(filename, content_type, size),
        )
        for id_, title, description, source, file_id, filename, content_type, size in db.read(
            _SHOWN_ASSETS, {"proposal_id": proposal_id}
        )
    ]


def asset_title_problems(title: str) -> list[str]:
    """What is wrong with an asset's name (empty: nothing)."""
    if not title:
        return ["Name the asset, e.g. “Half-page farm-paper ad”."]
    if len(title) > 160:
        return ["Keep the asset's name to 160 characters."]
    return []


def add_asset(
    actor: Person | None,
    proposal: Proposal,
    title: str,
    description: str = "",
    file: StoredFile | None = None,
    source: AssetSource = AssetSource.DEALER,
) -> ProposalAsset:
    """A planned creative piece (no file yet) or an attached one. The co-branding studio
    attaches its outputs here with source=studio; a file made from an OEM template (studio
    or OEM) marks a proposal not yet submitted as built on an OEM template, which is what
    gives it the category's template share and the fast lane when it is submitted."""
    title = (title or "").strip()
    if problems := asset_title_problems(title):
        raise ValidationFailed({"title": problems})
    asset = ProposalAsset(
        proposal_id=proposal.id,
        title=title,
        description=(description or "").strip()[:500],
        source=source,
        file_id=file.id if file is not None else None,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(asset)
    marks = (
        file is not None
        and source in TEMPLATE_SOURCES
        and proposal.status in EDITABLE
        and not proposal.uses_oem_template
    )
    if marks:
        proposal.uses_oem_template = True
    db.session.flush()
    what = f"Attached {file.filename}" if file is not None else "Planned"
    note = " (now built on an OEM template)" if marks else ""
    add_event(proposal, ProposalEventKind.EDIT, actor, f"{what}: {title}{note}", asset_id=asset.id)
    audit_step(
        "proposal.asset_added",
        proposal,
        actor,
        f"Asset “{title}” added to “{proposal.title}”{note}",
        after={"asset_id": asset.id, "source": source.value, "uses_oem_template": True}
        if marks
        else None,
    )
    return asset


# Assets made from the OEM's templates: they make an activity template-built, and the
# claim form offers them as proof of the campaign.
TEMPLATE_SOURCES = (AssetSource.STUDIO, AssetSource.OEM)


def proof_assets(proposal: Proposal) -> list[ProposalAsset]:
    """The campaign's assets made from OEM templates (with a file), which its claim form
    offers as proof: pre-listed and ticked, each counting as a proof file."""
    return [
        a for a in assets_of(proposal) if a.file_id is not None and a.source in TEMPLATE_SOURCES
    ]
