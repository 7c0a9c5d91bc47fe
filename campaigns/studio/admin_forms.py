"""Reading the program admin's studio forms into the plain dicts the rules take: the
template form's fields and its slot rows, and an uploaded file as (bytes, name, type)."""

from __future__ import annotations

from campaigns.studio.layouts import FIELDS, SLOT_FIELDS, SLOT_ROWS


def template_values(form) -> dict:
    """The template form as `layouts.parse` takes it (slot rows as a list of dicts)."""
    values = {name: form.get(name, "") for name in FIELDS}
    values["slots"] = [
        {field: form.get(f"slot-{i}-{field}", "") for field in SLOT_FIELDS}
        for i in range(SLOT_ROWS)
    ]
    return values


def padded_slots(values: dict) -> list[dict]:
    """The slot rows the form shows: those filled, then empty rows up to SLOT_ROWS."""
    rows = list(values.get("slots") or [])
    blank = {"mode": "editable", "align": "left", "colour": "#ffffff"}
    return (rows + [dict(blank) for _ in range(SLOT_ROWS)])[:SLOT_ROWS]


def upload_of(files, name: str) -> tuple | None:
    """An uploaded file as (bytes, filename, content type), or None when none was chosen."""
    upload = files.get(name)
    if upload is None or not upload.filename:
        return None
    return upload.read(), upload.filename, upload.mimetype
