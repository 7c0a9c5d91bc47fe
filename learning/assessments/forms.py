"""The practical assessment pages' forms; field names match the rules' problem keys."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, TextAreaField

from learning.assessments.service import MAX_FILES, MAX_NOTE

EVIDENCE_TYPES = "image/png,image/jpeg,image/webp,image/gif,application/pdf,.pdf"


class EvidenceForm(FlaskForm):
    files = MultipleFileField(
        f"Photos and reports (up to {MAX_FILES})", render_kw={"accept": EVIDENCE_TYPES}
    )
    note = TextAreaField(
        "Note for the reviewer (optional)", render_kw={"rows": 4, "maxlength": MAX_NOTE}
    )
    kept_files = HiddenField()


class ReviewForm(FlaskForm):
    message = TextAreaField("Message to the learner", render_kw={"rows": 3, "maxlength": MAX_NOTE})


def kept_ids(raw: str | None) -> list[int]:
    return [int(part) for part in (raw or "").split(",") if part.strip().isdigit()][:MAX_FILES]
