"""Proof files held for the claim form: when a claim sent from the page has a problem,
the files that passed the upload checks are kept — for the person who chose them, on
that proposal, in the slot of the form they were chosen in — so the dealer fixes one
field instead of choosing every file again. The next try uses them with any newly
chosen files; a claim that goes through keeps them as its proof; the dealer can remove
one; and what nobody comes back for expires after `HOLD_FOR` (the
`campaigns.held-proofs` job of `hub tick` deletes it, file and all).

Holding is scratch work, like a browser's upload: no thread event, no audit event (the
claim, when it is made, is audited as before). The API takes a claim and its files in
one request and needs none of this.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from campaigns.proposals.claims import submit_claim
from campaigns.proposals.files import keep_file, proof_assets
from campaigns.proposals.models import Claim, ClaimProof, HeldProof, Proposal, ProposalAsset
from campaigns.proposals.permissions import check_may_claim
from hub import db, uploads
from hub.db import utcnow
from hub.errors import ValidationFailed
from hub.models import Person, StoredFile

HOLD_FOR = timedelta(hours=24)


class NotYours(LookupError):
    """A held proof of another person, or of another proposal: answered as a 404."""


@dataclass(frozen=True)
class Upload:
    """A file chosen in a slot of the claim form, as sent."""

    data: bytes
    filename: str
    content_type: str | None


@dataclass(frozen=True)
class ProofSlot:
    """One proof slot of the claim form as sent: its kind, a newly chosen file, the held
    file it showed (its id), and whether the dealer ticked Remove."""

    line: int
    slot: int
    kind: str
    upload: Upload | None = None
    held_id: int | None = None
    remove: bool = False


@dataclass(frozen=True)
class AssetProof:
    """An asset of the campaign ticked on the claim form as proof, and the kind it is."""

    asset_id: int
    kind: str


def asset_proofs(proposal: Proposal, ticked: list[AssetProof]) -> list[tuple[str, StoredFile]]:
    """The ticked assets as (kind, file) proofs; an asset that is not one of this
    campaign's template-made assets raises NotYours (answered as a 404)."""
    offered = {asset.id: asset for asset in proof_assets(proposal)}
    found = []
    for tick in ticked:
        asset = offered.get(tick.asset_id)
        if asset is None:
            raise NotYours(tick.asset_id)
        found.append((tick.kind, asset.file))
    return found


def held_for(person: Person, proposal: Proposal, *, now: datetime | None = None) -> dict:
    """The person's live held proofs on the proposal, by (line, slot) of the form."""
    rows = db.session.scalars(
        sa.select(HeldProof).where(
            HeldProof.person_id == person.id,
            HeldProof.proposal_id == proposal.id,
            HeldProof.expires_at > (now or utcnow()),
        )
    )
    return {(row.line, row.slot): row for row in rows}


def held_proof(
    person: Person, proposal: Proposal, held_id: int, *, now: datetime | None = None
) -> HeldProof | None:
    """The person's held proof by id; None when it is gone or expired (an expired one is
    forgotten now). Another person's, or another proposal's, raises NotYours."""
    row = db.session.get(HeldProof, held_id)
    if row is None:
        return None
    if row.person_id != person.id or row.proposal_id != proposal.id:
        raise NotYours(held_id)
    if row.expires_at <= (now or utcnow()):
        _forget([row])
        return None
    return row


def claim_from_form(
    person: Person,
    proposal: Proposal,
    lines: list[dict],
    slots: list[ProofSlot],
    note: str = "",
    assets: list[AssetProof] = (),
) -> Claim:
    """Claim from the page's form. Every file that passes the upload checks is held first;
    then the claim is tried whole inside a savepoint. On a problem (ValidationFailed) the
    claim is not made but the held files stay, shown on the form again; a claim that is
    not possible at all (Conflict, PermissionError) is refused before any file is kept.
    `lines`: {description, amount} per cost line of the form; `assets`: the campaign's
    template-made assets ticked as proof, which join the first cost line filled in."""
    check_may_claim(person, proposal)
    ticked = asset_proofs(proposal, list(assets))
    now = utcnow()
    problems: list[str] = []
    held: dict[tuple[int, int], HeldProof] = {}
    for s in slots:
        current = held_proof(person, proposal, s.held_id, now=now) if s.held_id else None
        if s.remove and current is not None:
            _forget([current])
            current = None
        elif s.held_id and current is None and s.upload is None and not s.remove:
            problems.append(
                f"Cost line {s.line + 1}: a file attached earlier is no longer held (files "
                f"are held for {HOLD_FOR.total_seconds() / 3600:.0f} hours); choose it again."
            )
        if s.upload is not None:
            try:
                stored = keep_file(
                    person, proposal.organization_id, s.upload.data, s.upload.filename,
                    s.upload.content_type,
                )  # fmt: skip
            except ValidationFailed as exc:
                problems += [
                    f"Cost line {s.line + 1}, {s.upload.filename}: {m}"
                    for msgs in exc.problems.values()
                    for m in msgs
                ]
                continue
            current = _hold(person, proposal, s, stored, now)
        if current is not None:
            current.kind = s.kind
            held[(s.line, s.slot)] = current
    db.session.flush()
    if problems:
        raise ValidationFailed({"lines": list(dict.fromkeys(problems))})  # each sentence once
    raw = [
        {**line, "proofs": [(h.kind, h.file) for (i, _), h in sorted(held.items()) if i == n]}
        for n, line in enumerate(lines)
    ]
    filled = [n for n, line in enumerate(raw) if line.get("description") or line.get("amount")]
    if ticked:
        raw[filled[0] if filled else 0]["proofs"] += ticked
    with db.session.begin_nested():  # the claim whole or not at all; the held files stay
        claim = submit_claim(person, proposal, raw, note=note)
    _forget(list(held_for(person, proposal, now=now).values()))  # now the claim's proofs
    return claim


def _hold(person: Person, proposal: Proposal, s: ProofSlot, stored: StoredFile, now) -> HeldProof:
    """Hold a newly chosen file in its slot (replacing what the slot held, live or not)."""
    old = db.session.scalar(
        sa.select(HeldProof).where(
            HeldProof.person_id == person.id,
            HeldProof.proposal_id == proposal.id,
            HeldProof.line == s.line,
            HeldProof.slot == s.slot,
        )
    )
    if old is not None:
        _forget([old])
    row = HeldProof(
        person_id=person.id, proposal_id=proposal.id, line=s.line, slot=s.slot, kind=s.kind,
        file_id=stored.id, expires_at=now + HOLD_FOR,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def prune_expired(now: datetime) -> str:
    """The `campaigns.held-proofs` job: forget held proofs nobody came back for."""
    stale = list(db.session.scalars(sa.select(HeldProof).where(HeldProof.expires_at <= now)))
    _forget(stale)
    return f"{len(stale)} held claim proofs pruned"


def _forget(rows: list[HeldProof]) -> None:
    """Delete held proofs, and their files unless a claim, an asset or another held proof
    uses them (the stored bytes go once the transaction has committed and no record
    uses the same content)."""
    if not rows:
        return
    files = {row.file_id: row.file for row in rows}
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    used = set(
        db.session.scalars(
            sa.union(
                sa.select(ClaimProof.file_id).where(ClaimProof.file_id.in_(files)),
                sa.select(ProposalAsset.file_id).where(ProposalAsset.file_id.in_(files)),
                sa.select(HeldProof.file_id).where(HeldProof.file_id.in_(files)),
            )
        )
    )
    orphans = [file for file_id, file in files.items() if file_id not in used]
    paths = {file.path for file in orphans}
    for file in orphans:
        db.session.delete(file)
    db.session.flush()
    still_used = set(
        db.session.scalars(sa.select(StoredFile.path).where(StoredFile.path.in_(paths)))
    )
    for path in paths - still_used:
        db.on_commit(lambda path=path: _unlink(path))


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):  # a path outside storage: leave it
        uploads.open_stored(path).unlink(missing_ok=True)
