"""The beta programs capability's public names, for callers outside the folder (the
demo, tests). Code inside the folder imports the rules modules directly."""

from feedback.betas.access import can_manage, get_visible, is_tester, visible_programs
from feedback.betas.applications import applicants, apply, decide, testers
from feedback.betas.documents import add_document, documents
from feedback.betas.eligibility import is_eligible, missing
from feedback.betas.engagement import scores, track_record
from feedback.betas.nda import NdaRequired, has_signed, require_space, sign
from feedback.betas.outcome import post_outcome
from feedback.betas.programs import create, invite_for_idea, invite_voters, publish, update
from feedback.betas.reports import file_report, keep_photo, reports
from feedback.betas.schedule import Phase, phase
from feedback.betas.surveys import answer, create_survey, results, surveys

__all__ = [
    "NdaRequired",
    "Phase",
    "add_document",
    "answer",
    "applicants",
    "apply",
    "can_manage",
    "create",
    "create_survey",
    "decide",
    "documents",
    "file_report",
    "get_visible",
    "has_signed",
    "invite_for_idea",
    "invite_voters",
    "is_eligible",
    "is_tester",
    "keep_photo",
    "missing",
    "phase",
    "post_outcome",
    "publish",
    "reports",
    "require_space",
    "results",
    "scores",
    "sign",
    "surveys",
    "testers",
    "track_record",
    "update",
    "visible_programs",
]
