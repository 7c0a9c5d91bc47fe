"""Files on messages: uploading one before the message that carries it, who may fetch
it, and pruning uploads that were never sent.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub import db, uploads
from hub.conversations.access import find_conversation, require_visible
from hub.conversations.models import Conversation, Message, MessageAttachment
from hub.db import utcnow
from hub.errors import TooManyAttempts, ValidationFailed
from hub.models import Person, StoredFile

MAX_ATTACHMENTS = 5  # files on one message
ATTACHMENT_FOLDER = "conversations"  # under HUB_STORAGE_DIR
UPLOAD_LIMIT = 30  # files one person may upload…
UPLOAD_WINDOW = timedelta(minutes=10)  # …within this window
UNSENT_UPLOADS_KEPT = timedelta(days=1)  # uploads never sent with a message are pruned


def attachment_path(conversation_id: int, file_id: int) -> str:
    """Where a conversation's file is served (to those who may see the conversation)."""
    return f"/conversations/{conversation_id}/files/{file_id}"


def attachment_json(conversation_id: int, file: StoredFile) -> dict:
    """An attached (or uploaded, not yet sent) file as messages and uploads describe it."""
    return {
        "id": file.id,
        "filename": file.filename,
        "content_type": file.content_type,
        "size": file.size,
        "url": attachment_path(conversation_id, file.id),
    }


def attachments_of(message_ids) -> dict[int, list[StoredFile]]:
    """The files attached to each of these messages, in the order they were attached."""
    ids = list(message_ids)
    if not ids:
        return {}
    found: dict[int, list[StoredFile]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(MessageAttachment.message_id, StoredFile)
        .join(StoredFile, StoredFile.id == MessageAttachment.file_id)
        .where(MessageAttachment.message_id.in_(ids))
        .order_by(MessageAttachment.message_id, MessageAttachment.position)
    ).all()
    for message_id, file in rows:
        found[message_id].append(file)
    return found


def store_file(
    person: Person, conversation: Conversation, accepted: uploads.AcceptedFile, at: datetime
) -> StoredFile:
    """Write a checked file to storage (content-addressed) and record it as the
    conversation organisation's."""
    return uploads.keep(
        accepted,
        ATTACHMENT_FOLDER,
        organization_id=conversation.organization_id,
        uploaded_by_id=person.id,
        created_at=at,
    )


def upload_attachment(
    person: Person,
    conversation: Conversation,
    accepted: uploads.AcceptedFile,
    *,
    now: datetime | None = None,
) -> StoredFile:
    """Keep a checked file for a message the person is about to send (upload first, then
    send the message with `attachment_ids`). Until it is sent only its uploader sees it;
    unsent uploads are pruned after UNSENT_UPLOADS_KEPT."""
    require_visible(person, conversation)
    at = now or utcnow()
    recent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(StoredFile)
        .where(
            StoredFile.uploaded_by_id == person.id,
            StoredFile.path.startswith(ATTACHMENT_FOLDER + "/"),
            StoredFile.created_at > at - UPLOAD_WINDOW,
        )
    )
    if recent >= UPLOAD_LIMIT:
        raise TooManyAttempts(
            f"You have uploaded {UPLOAD_LIMIT} files in the last "
            f"{int(UPLOAD_WINDOW.total_seconds() // 60)} minutes. Wait a few minutes, then "
            "attach again."
        )
    return store_file(person, conversation, accepted, at)


def uploads_of(person: Person, conversation: Conversation, ids, *, extra: int = 0):
    """The person's uploads to this conversation's organisation named by ids, in order."""
    if ids is None:
        ids = []
    if not isinstance(ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ValidationFailed(
            {"attachment_ids": ["Send attachment_ids as a list of upload ids, e.g. [88, 89]."]}
        )
    if len(ids) != len(set(ids)):
        raise ValidationFailed({"attachment_ids": ["Attach each file once."]})
    if len(ids) + extra > MAX_ATTACHMENTS:
        raise ValidationFailed(
            {
                "attachment_ids": [
                    f"Attach at most {MAX_ATTACHMENTS} files to one message "
                    f"({len(ids) + extra} were sent)."
                ]
            }
        )
    if not ids:
        return []
    rows = {
        f.id: f
        for f in db.session.scalars(
            sa.select(StoredFile).where(
                StoredFile.id.in_(ids),
                StoredFile.uploaded_by_id == person.id,
                StoredFile.organization_id == conversation.organization_id,
                StoredFile.path.startswith(ATTACHMENT_FOLDER + "/"),
            )
        )
    }
    missing = [i for i in ids if i not in rows]
    if missing:
        raise ValidationFailed(
            {
                "attachment_ids": [
                    f"No upload {i} of yours for this conversation; upload the file "
                    "(again) and send its new id."
                    for i in missing
                ]
            }
        )
    return [rows[i] for i in ids]


def check_not_sent(files: list[StoredFile]) -> None:
    if not files:
        return
    sent = set(
        db.session.scalars(
            sa.select(MessageAttachment.file_id).where(
                MessageAttachment.file_id.in_([f.id for f in files])
            )
        )
    )
    if sent:
        raise ValidationFailed(
            {
                "attachment_ids": [
                    f"“{f.filename}” (upload {f.id}) was sent with another message already; "
                    "upload it again to send it once more."
                    for f in files
                    if f.id in sent
                ]
            }
        )


def find_attachment(viewer: Person, conversation_id, file_id) -> StoredFile | None:
    """A file of a conversation the viewer may see — attached to one of its messages, or
    uploaded by the viewer for it and not sent yet. None otherwise, whether or not the
    file exists (a file of a conversation you can't see is a 404)."""
    conversation = find_conversation(viewer, conversation_id)
    if conversation is None or not isinstance(file_id, int):
        return None
    file = db.session.get(StoredFile, file_id)
    if file is None or not file.path.startswith(ATTACHMENT_FOLDER + "/"):
        return None
    attached_to = db.session.scalars(
        sa.select(Message.conversation_id)
        .join(MessageAttachment, MessageAttachment.message_id == Message.id)
        .where(MessageAttachment.file_id == file.id)
    ).all()
    if attached_to:
        return file if conversation.id in attached_to else None
    if file.uploaded_by_id == viewer.id and file.organization_id == conversation.organization_id:
        return file
    return None


def prune_unsent_uploads(now: datetime) -> str:
    """Forget uploads never sent with a message (the page's upload-then-send, abandoned),
    and delete their stored files when no other record uses the same content."""
    stale = list(
        db.session.scalars(
            sa.select(StoredFile).where(
                StoredFile.path.startswith(ATTACHMENT_FOLDER + "/"),
                StoredFile.created_at < now - UNSENT_UPLOADS_KEPT,
                ~sa.exists().where(MessageAttachment.file_id == StoredFile.id),
            )
        )
    )
    paths = {f.path for f in stale}
    for file in stale:
        db.session.delete(file)
    db.session.flush()
    still_used = set(
        db.session.scalars(sa.select(StoredFile.path).where(StoredFile.path.in_(paths)))
    )
    for path in paths - still_used:
        with contextlib.suppress(FileNotFoundError):  # a path outside storage: leave it
            uploads.open_stored(path).unlink(missing_ok=True)
    return f"{len(stale)} unsent uploads pruned"


def accept_files(storages, field: str = "files") -> list[uploads.AcceptedFile]:
    """Check every uploaded file; refuse them all, with a sentence per problem, if any fails."""
    chosen = [f for f in storages if f and (f.filename or "").strip()]
    if len(chosen) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            {
                field: [
                    f"Attach at most {MAX_ATTACHMENTS} files to one message "
                    f"({len(chosen)} were chosen)."
                ]
            }
        )
    accepted, problems = [], []
    for storage in chosen:
        try:
            accepted.append(
                uploads.accept_upload(
                    storage.read(), storage.filename, storage.mimetype, field=field
                )
            )
        except ValidationFailed as exc:
            problems.extend(s for sentences in exc.problems.values() for s in sentences)
    if problems:
        raise ValidationFailed({field: problems})
    return accepted
