"""Module attachments: the program admin adds a PDF or image to a module (checked by
hub/uploads, audited) or removes it; every signed-in person who can read the module
can download it (modules are the program's catalogue, open to all signed-in people)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from hub import audit, db, policy, uploads
from hub.errors import ValidationFailed
from hub.models import Person
from learning.attachments.models import ModuleAttachment
from learning.paths.models import Module

FOLDER = "learning/modules"
MAX_PER_MODULE = 10


def of_module(module: Module) -> list[ModuleAttachment]:
    return list(
        db.session.scalars(
            sa.select(ModuleAttachment)
            .where(ModuleAttachment.module_id == module.id)
            .order_by(ModuleAttachment.id)
        )
    )


def get_or_404(module_id: int, attachment_id: int) -> ModuleAttachment:
    found = db.session.get(ModuleAttachment, attachment_id)
    if found is None or found.module_id != module_id:
        abort(404)
    return found


def attach(
    actor: Person, module: Module, data: bytes, filename: str, content_type=None, title: str = ""
) -> ModuleAttachment:
    """Add a checked PDF or image to the module (program admin; audited). Refused with a
    sentence: not an image or PDF, too large, a title over 160 characters, too many."""
    if not policy.is_program_admin(actor):
        raise PermissionError("Only program admins change learning content.")
    title = (title or "").strip()
    if len(title) > 160:
        raise ValidationFailed({"attachment_title": ["Keep the title to 160 characters."]})
    if len(of_module(module)) >= MAX_PER_MODULE:
        raise ValidationFailed(
            {
                "attachment": [
                    f"A module has at most {MAX_PER_MODULE} attachments; remove one first."
                ]
            }
        )
    if not data and not filename:
        raise ValidationFailed({"attachment": ["Choose a PDF or an image to attach."]})
    accepted = uploads.accept_upload(data, filename, content_type, field="attachment")
    stored = uploads.keep(accepted, FOLDER, organization_id=None, uploaded_by_id=actor.id)
    row = ModuleAttachment(module_id=module.id, file_id=stored.id, title=title)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "learning.attachment_added",
        row,
        after={"module": module.title, "file": stored.filename},
        summary=f"Attachment “{stored.filename}” added to {module.title}",
        actor=actor,
    )
    return row


def remove(actor: Person, attachment: ModuleAttachment) -> None:
    if not policy.is_program_admin(actor):
        raise PermissionError("Only program admins change learning content.")
    audit.record(
        "learning.attachment_removed",
        attachment,
        before={"file": attachment.file.filename},
        summary=f"Attachment “{attachment.file.filename}” removed from {attachment.module.title}",
        actor=actor,
    )
    db.session.delete(attachment)
    db.session.flush()
