"""A purchase file's upload: checked, kept in the storage directory with a `StoredFile` row,
found again and read back (the first step of campaigns.coop.imports)."""

from __future__ import annotations

import hashlib
import unicodedata

from campaigns.coop.program import require_program_admin
from campaigns.coop.purchase_csv import Layout, decode, inspect, refuse
from hub import audit, db
from hub.models import Person, StoredFile
from hub.uploads import open_stored, store

FOLDER = "coop-imports"
UPLOADED = "coop.import_uploaded"


def clean_filename(name) -> str:
    """The uploaded file's own name, for showing: no folders or control characters."""
    name = name if isinstance(name, str) else ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    name = name.strip(" .")[:120]
    return name or "purchases.csv"


def require_import_admin(actor: Person) -> None:
    """Only the program admin imports purchase files."""
    require_program_admin(actor, "imports purchases")


def store_upload(data: bytes, filename, actor: Person) -> StoredFile:
    """Check an uploaded CSV file and keep it for the preview and the import."""
    require_import_admin(actor)
    inspect(decode(data))
    kept = store(data, FOLDER, ".csv", "text/csv")
    upload = StoredFile(
        path=kept.path,
        content_type=kept.content_type,
        size=kept.size,
        filename=clean_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        organization_id=None,
        uploaded_by_id=actor.id,
    )
    db.session.add(upload)
    db.session.flush()
    audit.record(
        UPLOADED,
        upload,
        actor=actor,
        after={"filename": upload.filename, "bytes": upload.size},
        summary=f"Purchase file {upload.filename} uploaded for import",
    )
    return upload


def get_upload_or_404(upload_id: int) -> StoredFile | None:
    """The stored CSV upload with that id (None for any other stored file)."""
    upload = db.session.get(StoredFile, upload_id)
    if upload is None or not upload.path.startswith(FOLDER + "/"):
        return None
    return upload


def read_upload(upload: StoredFile) -> tuple[str, Layout]:
    """The stored upload's text and layout (checked again: the same checks, the same file)."""
    text = decode(stored_bytes(upload))
    return text, inspect(text)


def stored_bytes(upload: StoredFile) -> bytes:
    try:
        return open_stored(upload.path).read_bytes()
    except FileNotFoundError:
        raise refuse(
            f"The uploaded file {upload.filename} is no longer in the storage directory "
            "(HUB_STORAGE_DIR must be shared by every server process). Upload it again: "
            "lines already imported are recognised and skipped."
        ) from None
