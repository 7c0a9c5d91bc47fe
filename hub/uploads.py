"""Uploaded files: images are decoded and re-encoded by Pillow within pixel and byte
limits, so nothing a user uploads is ever served as they sent it."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from hub.errors import ValidationFailed

ALLOWED_IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the storage directory
    content_type: str
    size: int


def storage_root() -> Path:
    root = Path(current_app.config["STORAGE_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def reencode_image(data: bytes, *, field: str = "file", max_side: int = 1024) -> bytes:
    """Decode an uploaded image and return a fresh PNG of it (metadata dropped).

    Refuses files over the byte limit, files that are not PNG/JPEG/WebP/GIF whatever
    their name says, and images whose pixel count could exhaust memory.
    """
    cfg = current_app.config
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
                    raise ValidationFailed({field: ["Upload a PNG, JPEG, WebP or GIF image."]})
                if width * height > cfg["IMAGE_MAX_PIXELS"]:
                    raise ValidationFailed(
                        {
                            field: [
                                f"That image is {width}×{height} pixels; use one under 25 megapixels."
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
            {field: ["That file is not an image we can read. Upload a PNG, JPEG, WebP or GIF."]}
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
