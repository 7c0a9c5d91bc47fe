"""Documents and downloads in a program's space: the product manager uploads them
(images and PDFs, checked and rewritten by hub.uploads); testers who signed the NDA and
the OEM's staff download them."""

from __future__ import annotations

import sqlalchemy as sa

from feedback.betas.access import MANAGERS_ONLY, can_manage
from feedback.betas.models import TITLE_MAX, BetaDocument, BetaProgram
from hub import audit, db, uploads
from hub.errors import ValidationFailed
from hub.models import Person

FOLDER = "betas/documents"


def add_document(
    actor: Person, program: BetaProgram, title: str, data: bytes, filename: str, content_type=None
) -> BetaDocument:
    """Check the file (image or PDF) and put it in the program's space under title."""
    if not can_manage(actor):
        raise PermissionError(MANAGERS_ONLY)
    title = (title or "").strip() or uploads.clean_filename(filename, "Document")
    if len(title) > TITLE_MAX:
        raise ValidationFailed({"title": [f"Keep the title to {TITLE_MAX} characters."]})
    if not data:
        raise ValidationFailed({"file": ["Choose a PDF or an image to upload."]})
    accepted = uploads.accept_upload(data, filename, content_type, field="file")
    stored = uploads.keep(accepted, FOLDER, organization_id=None, uploaded_by_id=actor.id)
    document = BetaDocument(
        program_id=program.id, file_id=stored.id, title=title[:TITLE_MAX], uploaded_by_id=actor.id
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "beta.document_added",
        document,
        actor=actor,
        after={"program_id": program.id, "title": document.title},
        summary=f"“{document.title}” added to “{program.title}”",
    )
    return document


def documents(program: BetaProgram) -> list[BetaDocument]:
    return list(
        db.session.scalars(
            sa.select(BetaDocument)
            .where(BetaDocument.program_id == program.id)
            .order_by(BetaDocument.created_at.desc(), BetaDocument.id.desc())
        )
    )
