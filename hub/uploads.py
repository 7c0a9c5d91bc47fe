"""Uploaded files: images are decoded and re-encoded by Pillow within pixel and byte
limits, and PDFs are parsed and rewritten without their active content, so nothing a user
uploads is ever served as they sent it.

`accept_upload` is the one door for attachments: it decides from the bytes what a file
is, refuses a file whose name or declared type says otherwise, and returns the checked
bytes ready to `store`.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from hub import db
from hub.errors import ValidationFailed
from hub.models import StoredFile as StoredFileRow

ALLOWED_IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
PDF_MAX_PAGES = 500
MAX_FILENAME = 120
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".jpe", ".gif", ".webp"}
# Annotations a rewritten PDF keeps: marks on the page, and links to web pages or within
# the document. Everything else (form widgets, file attachments, media, 3D…) is dropped.
_KEPT_ANNOTATIONS = {
    "/Link",
    "/Text",
    "/FreeText",
    "/Highlight",
    "/Underline",
    "/Squiggly",
    "/StrikeOut",
    "/Square",
    "/Circle",
    "/Line",
    "/Polygon",
    "/PolyLine",
    "/Ink",
    "/Stamp",
    "/Caret",
    "/Popup",
}
_SAFE_ACTIONS = {"/URI", "/GoTo"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the storage directory
    content_type: str
    size: int


def storage_root() -> Path:
    root = Path(current_app.config["STORAGE_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def reencode_image(
    data: bytes, *, field: str = "file", max_side: int = 1024, name: str | None = None
) -> bytes:
    """Decode an uploaded image and return a fresh PNG of it (metadata dropped).

    Refuses files over the byte limit, files that are not PNG/JPEG/WebP/GIF whatever
    their name says, and images whose pixel count could exhaust memory; with a `name`,
    every sentence names the file (one of several attachments).
    """
    cfg = current_app.config
    this, that = (f"“{name}”", f"“{name}”") if name else ("This file", "That file")
    if not data:
        raise ValidationFailed({field: ["Choose an image file to upload."]})
    if len(data) > cfg["UPLOAD_MAX_BYTES"]:
        limit = cfg["UPLOAD_MAX_BYTES"] // (1024 * 1024)
        raise ValidationFailed(
            {field: [f"That file is larger than {limit} MB; use a smaller image."]}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ALLOWED_IMAGE_FORMATS:
                    raise ValidationFailed(
                        {field: [f"{this} can't be used: upload a PNG, JPEG, WebP or GIF image."]}
                    )
                if width * height > cfg["IMAGE_MAX_PIXELS"]:
                    raise ValidationFailed(
                        {
                            field: [
                                f"{that} is {width}×{height} pixels; use an image under "
                                "25 megapixels."
                            ]
                        }
                    )
                probe.load()
                image = ImageOps.exif_transpose(probe)
                image = image.convert("RGBA")
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        SyntaxError,
        ValueError,
    ) as exc:
        if isinstance(exc, ValidationFailed):
            raise
        raise ValidationFailed(
            {field: [f"{that} is not an image we can read. Upload a PNG, JPEG, WebP or GIF."]}
        ) from None
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def store(data: bytes, folder: str, suffix: str, content_type: str) -> StoredFile:
    """Write bytes under the storage directory with a content-addressed name."""
    digest = hashlib.sha256(data).hexdigest()[:32]
    relative = Path(folder) / f"{digest}{suffix}"
    target = storage_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return StoredFile(str(relative), content_type, len(data))


def open_stored(relative: str) -> Path:
    """The absolute path of a stored file (inside the storage directory only)."""
    root = storage_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise FileNotFoundError(relative)
    return path


# --- Attachments: images and PDFs ------------------------------------------------------------


@dataclass(frozen=True)
class AcceptedFile:
    """An upload that passed the checks: the bytes to store (re-encoded image or rewritten
    PDF), the cleaned name to show, and how to serve it."""

    data: bytes
    filename: str
    content_type: str
    suffix: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


def clean_filename(name, default: str = "attachment") -> str:
    """The last part of an uploaded file's name, without control characters or quotes,
    at most MAX_FILENAME characters (keeping its extension)."""
    name = name if isinstance(name, str) else ""
    name = PureWindowsPath(PurePosixPath(name).name).name  # no folders, either style
    name = unicodedata.normalize("NFC", _CONTROL.sub("", name)).replace('"', "'").strip(" .")
    if not name:
        return default
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot and stem else ""
        name = name[: MAX_FILENAME - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    return name


# What a name's suffix or an image/… type names, in words.
_IMAGE_KINDS = {
    "png": "PNG",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "jpe": "JPEG",
    "pjpeg": "JPEG",
    "gif": "GIF",
    "webp": "WebP",
}


def _sniff_exactly(data: bytes) -> str | None:
    """The bytes' format in words ("a PDF", "a PNG image" …), or None."""
    if data.startswith(b"%PDF-"):
        return "a PDF"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "a PNG image"
    if data.startswith(b"\xff\xd8\xff"):
        return "a JPEG image"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "a GIF image"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image"
    return None


def _kind(words: str | None) -> str | None:
    """ "pdf", "image" or "other" for a format in words."""
    if words is None:
        return None
    return "pdf" if words == "a PDF" else "image" if words.endswith(" image") else "other"


def _claims(filename: str, content_type: str | None) -> list[tuple[str, str]]:
    """What the file's name and declared type say it is: (whose word, the format in
    words), e.g. ("its type (image/png)", "a PNG image"); nothing for what says nothing."""
    claims = []
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix == "pdf":
        claims.append((f"its name (.{suffix})", "a PDF"))
    elif suffix in _IMAGE_KINDS:
        claims.append((f"its name (.{suffix})", f"a {_IMAGE_KINDS[suffix]} image"))
    elif suffix:
        claims.append((f"its name (.{suffix})", f"a .{suffix} file"))
    declared = (content_type or "").split(";")[0].strip().lower()
    subtype = declared.removeprefix("image/")
    if declared == "application/pdf":
        claims.append((f"its type ({declared})", "a PDF"))
    elif declared.startswith("image/"):
        kind = _IMAGE_KINDS.get(subtype)
        claims.append((f"its type ({declared})", f"a {kind} image" if kind else "an image"))
    elif declared and declared not in ("application/octet-stream", "binary/octet-stream"):
        claims.append((f"its type ({declared})", f"a {declared} file"))
    return claims


def _mismatch(name: str, content_type: str | None, actual: str) -> str | None:
    """The sentence refusing a file whose name or type says another kind than its bytes
    (what each claimed, and what the bytes are), or None when they agree."""
    wrong = [
        f"{whose} says {words}"
        for whose, words in _claims(name, content_type)
        if words.endswith(" file") or _kind(words) != _kind(actual)
    ]
    if not wrong:
        return None
    return (
        f"“{name}” is not what it says: {' and '.join(wrong)}, but it is {actual}. "
        "Check the file and attach it again."
    )


def accept_upload(
    data: bytes,
    filename,
    content_type: str | None = None,
    *,
    field: str = "files",
    max_side: int = 2048,
) -> AcceptedFile:
    """Check one attachment and return what to store, or refuse it with a sentence.

    Accepted: PNG, JPEG, WebP and GIF images (re-encoded to PNG, at most 2048 pixels a
    side) and PDFs (parsed and rewritten without JavaScript, embedded files or automatic
    actions). Refused: empty or oversized files, anything else, and a file that is not
    what its name or declared type says — a .pdf that is an image, a .png that is a PDF.
    `max_side` bounds the re-encoded image (print artwork needs more than 2048).
    """
    name = clean_filename(filename)
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    if not data:
        raise ValidationFailed({field: [f"“{name}” is empty; choose the file again."]})
    if len(data) > limit:
        raise ValidationFailed(
            {
                field: [
                    f"“{name}” is {_megabytes(len(data))}; attach files of at most "
                    f"{_megabytes(limit)}."
                ]
            }
        )
    actual = _sniff_exactly(data)
    if actual is None:
        raise ValidationFailed(
            {field: [f"“{name}” can't be attached: attach images (PNG, JPEG, WebP, GIF) or PDFs."]}
        )
    if sentence := _mismatch(name, content_type, actual):
        raise ValidationFailed({field: [sentence]})
    if actual == "a PDF":
        return AcceptedFile(
            check_pdf(data, field=field, name=name), name, "application/pdf", ".pdf"
        )
    png = reencode_image(data, field=field, max_side=max_side, name=name)
    stem = Path(name).stem if Path(name).suffix.lower() in IMAGE_SUFFIXES else name
    return AcceptedFile(png, clean_filename(f"{stem}.png"), "image/png", ".png")


def keep(
    accepted: AcceptedFile,
    folder: str,
    *,
    organization_id: int | None,
    uploaded_by_id: int | None,
    created_at=None,
):
    """Write a checked file to storage (content-addressed) and record it as a StoredFile
    row of the organisation; flushed, not committed."""
    written = store(accepted.data, folder, accepted.suffix, accepted.content_type)
    row = StoredFileRow(
        path=written.path,
        content_type=accepted.content_type,
        size=accepted.size,
        filename=accepted.filename,
        sha256=accepted.sha256,
        organization_id=organization_id,
        uploaded_by_id=uploaded_by_id,
    )
    if created_at is not None:
        row.created_at = created_at
    db.session.add(row)
    db.session.flush()
    return row


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def check_pdf(data: bytes, *, field: str = "files", name: str = "The file") -> bytes:
    """Parse a PDF and return a rewritten copy holding only its pages.

    Refuses what is not a PDF, an encrypted (password-protected) PDF, one that does not
    parse, and one with more than PDF_MAX_PAGES pages. The copy leaves out everything
    that can act on its own when opened: document JavaScript, OpenAction and additional
    actions (/AA), embedded files, forms (and XFA), and annotations other than page
    marks and plain links.
    """
    # Imported here on purpose: pypdf takes about half a second to import and only the
    # PDF uploads (proof of performance) need it, so app start-up does not pay for it.
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, NameObject

    label = f"“{name}”" if name != "The file" else name
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed({field: [f"{label} is not a PDF."]})
    try:
        with warnings.catch_warnings():
            # A damaged file makes pypdf warn while it repairs; decide from what parses.
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise ValidationFailed(
                    {
                        field: [
                            f"{label} is password-protected (encrypted); save it without "
                            "a password and attach it again."
                        ]
                    }
                )
            count = len(reader.pages)
            if count == 0:
                raise ValueError("no pages")
            if count > PDF_MAX_PAGES:
                raise ValidationFailed(
                    {
                        field: [
                            f"{label} has {count:,} pages; attach a PDF of at most "
                            f"{PDF_MAX_PAGES} pages."
                        ]
                    }
                )
            # Clean each page before copying it: the copy then takes along only what the
            # cleaned page still refers to, never the dropped actions and annotations.
            writer = PdfWriter()
            for page in reader.pages:
                for key in ("/AA", "/B"):  # page actions, article beads
                    if key in page:
                        del page[key]
                annots = page.get("/Annots")
                if annots is not None:
                    kept = ArrayObject(
                        a for a in annots.get_object() if _harmless_annotation(a.get_object())
                    )
                    if kept:
                        page[NameObject("/Annots")] = kept
                    else:
                        del page["/Annots"]
                writer.add_page(page)
            out = io.BytesIO()
            writer.write(out)
    except ValidationFailed:
        raise
    except (
        PyPdfError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        IndexError,
        OSError,
        RecursionError,
        AssertionError,
        ZeroDivisionError,
    ):
        raise ValidationFailed(
            {
                field: [
                    f"{label} is damaged or not a PDF we can read; export it again (e.g. "
                    "“Save as PDF”) and attach the new file."
                ]
            }
        ) from None
    return out.getvalue()


def _harmless_annotation(annotation) -> bool:
    """Keep page marks and plain links; drop anything that runs, submits or embeds."""
    if not hasattr(annotation, "get"):
        return False
    if annotation.get("/Subtype") not in _KEPT_ANNOTATIONS:
        return False
    if "/AA" in annotation:
        del annotation["/AA"]
    action = annotation.get("/A")
    if action is not None:
        action = action.get_object()
        if action.get("/S") not in _SAFE_ACTIONS or "/Next" in action:
            return False
    return True
