"""The file parts of a claim sent to the API as multipart/form-data.

The `lines` field is checked for shape by the ClaimForm model (campaigns.proposals.
schemas); what only the parts can tell — which part each proof names, parts no line uses,
two files under one name, too many files — is checked here, and the files are then kept
exactly as the pages keep them (`proposals.keep_file`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app, request

from campaigns.proposals import service as proposals
from campaigns.proposals.request_schemas import ClaimLineIn
from hub.api import ApiProblem
from hub.errors import ValidationFailed
from hub.models import Person, StoredFile

CLAIM_MAX_FILES = 20
# A claim carries several proofs, each within UPLOAD_MAX_BYTES; the app-wide request
# limit (one upload) is raised for the claim route only.
CLAIM_MAX_REQUEST_FILES = 8
FORM_FIELDS = {"lines", "note"}


@dataclass(frozen=True)
class Part:
    """A file part of a claim, as sent."""

    filename: str
    content_type: str | None
    data: bytes


def allow_claim_upload() -> None:
    """Before the form is read: a 415 when it isn't multipart, and the size limit of a
    claim with its proofs."""
    if request.mimetype != "multipart/form-data":
        raise ApiProblem(
            415,
            "Unsupported Media Type",
            "Send a claim as multipart/form-data: a field 'lines' holding the cost lines as "
            "JSON, and each proof file as a part whose name the lines refer to.",
        )
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    request.max_content_length = limit * CLAIM_MAX_REQUEST_FILES + 1024 * 1024


def file_parts() -> dict[str, Part]:
    """The claim's file parts by field name (a name used twice is refused)."""
    files: dict[str, Part] = {}
    for name, storage in request.files.items(multi=True):
        if name in files:
            raise ValidationFailed(
                {name: [f"Two files were sent as “{name}”; give each file its own part name."]}
            )
        files[name] = Part(storage.filename or name, storage.mimetype, storage.read())
    return files


def fingerprint_content(files: dict[str, Part]) -> dict:
    """What an idempotency key's content is for a claim: its fields and its files' digests."""
    return {
        "form": dict(request.form.items()),
        "files": {
            name: [part.filename, part.content_type, hashlib.sha256(part.data).hexdigest()]
            for name, part in files.items()
        },
    }


def check_parts(
    lines: list[ClaimLineIn], files: dict[str, Part], offered: frozenset[int] = frozenset()
) -> None:
    """Every proof names a known kind and a part that was sent (or one of the `offered`
    template-made assets of the campaign); every part is used."""
    found: list[str] = [
        f"Unknown field '{name}'; send 'lines', an optional 'note' and the proof files."
        for name in sorted(set(request.form) - FORM_FIELDS)
    ]
    used: set[str] = set()
    kinds = ", ".join(proposals.PROOF_KINDS)
    for number, line in enumerate(lines, start=1):
        for proof in line.proofs:
            kind, part = proof.kind, proof.file
            if kind not in proposals.PROOF_KINDS:
                found.append(
                    f"Cost line {number}: “{kind}” is not a kind of proof; use one of {kinds}."
                )
            if proof.asset_id is not None and part is None:
                if str(proof.asset_id).strip() not in {str(i) for i in offered}:
                    found.append(
                        f"Cost line {number}: asset {proof.asset_id} is not one of this "
                        "campaign's assets made from an OEM template."
                    )
            elif not isinstance(part, str) or part not in files:
                found.append(
                    f"Cost line {number}: no file was sent in a part named “{part}”; name each "
                    "proof's part in its 'file'."
                )
            else:
                used.add(part)
    unused = sorted(set(files) - used)
    if unused:
        found.append(
            f"No cost line refers to the file part(s) {', '.join(unused)}; attach each file to "
            "the line it proves, or leave it out."
        )
    if len(files) > CLAIM_MAX_FILES:
        found.append(f"Send at most {CLAIM_MAX_FILES} proof files with one claim.")
    if found:
        raise ValidationFailed({"lines": found})


def accept_proofs(
    lines: list[ClaimLineIn],
    files: dict[str, Part],
    organization_id: int,
    person: Person,
    assets: dict[int, StoredFile] | None = None,
) -> list[dict]:
    """Check and keep each referenced file exactly as the pages do (`proposals.keep_file`:
    hub.uploads re-encodes images and rewrites PDFs, and refuses a file that is not what
    its name or declared type says), and give the service its lines with (kind, file);
    a proof naming an asset (checked by `check_parts`) takes its file from `assets`."""
    assets = assets or {}
    stored: dict[str, StoredFile] = {}
    found: dict[str, list[str]] = {}
    for part in sorted({p.file for line in lines for p in line.proofs if p.file is not None}):
        sent = files[part]
        try:
            stored[part] = proposals.keep_file(
                person, organization_id, sent.data, sent.filename, sent.content_type
            )
        except ValidationFailed as exc:
            found[part] = [m for msgs in exc.problems.values() for m in msgs]
    if found:
        raise ValidationFailed(found)
    return [
        {
            "description": line.description or "",
            "amount": line.amount,
            "proofs": [
                (p.kind, stored[p.file] if p.file is not None else assets[int(p.asset_id)])
                for p in line.proofs
            ],
        }
        for line in lines
    ]
