"""Every page of the product that shows a form with fields, and who may open it.

How the list was built (and how to keep it whole): every GET rule of `app.url_map` outside
/api and /static was opened with the demo program as a role that may open it, and a page
counts as a form page when a <form> on it holds a field a person fills in (an input that
is not hidden or a button, a select or a textarea) — the header's sign-out form, a hidden
token and a button, does not count. tests/test_form_pages.py fails when a GET rule is in
neither FORM_PAGES nor NO_FIELDS, and when a page listed in NO_FIELDS grows a field: add
the new page to FORM_PAGES, and tests/e2e/test_form_fit.py checks it on a 375 px phone.

A path's {placeholders} are filled by `demo_values` from the Fieldcrest demo program.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from campaigns.kits.models import CampaignKit
from campaigns.proposals.models import Proposal
from campaigns.studio.models import StudioAsset, StudioDeck, StudioTemplate
from feedback.betas.models import BetaProgram, BetaSurvey
from feedback.consultations.models import Consultation
from feedback.field.models import FieldObservation
from feedback.ideas.models import Idea
from hub import db
from hub.conversations import models as conversation_models
from hub.conversations.models import Conversation
from hub.models import Organization, Person, ProductLine
from learning.assessments.models import AssessmentSubmission, SubmissionStatus
from learning.certifications.models import Certification
from learning.quizzes.models import Question, QuizAttempt

ADMIN = "admin@fieldcrest.example"
CHANNEL = "channel@fieldcrest.example"
GPD_ADMIN = "admin@gpd.example"
MARKETER = "marketing@prairie.example"
TECH = "tech@prairie.example"  # Jorge Alvarez, part-way through a mastery path
PRAIRIE_ADMIN = "admin@prairie.example"  # Walt Jensen: Prairie's standing, gives kudos
SALES = "sales@prairie.example"  # taking a quiz in the demo
HARBOR = "marketing@harbor.example"
PM = "pm@fieldcrest.example"
PRAIRIE_ADMIN = "admin@prairie.example"
ANONYMOUS = None
# Signed in with a password, waiting for the authenticator code (tests create this person).
TWO_FACTOR = "two-factor.form-check@gpd.example"

# endpoint, who opens it, the path (several states of one page are listed one by one)
FORM_PAGES: list[tuple[str, str | None, str]] = [
    ("auth.login", ANONYMOUS, "/login"),
    ("auth.login_code", TWO_FACTOR, "/login/code"),
    ("auth.forgot_password", ANONYMOUS, "/password/forgot"),
    ("auth.reset_password", ANONYMOUS, "/password/reset/{reset_token}"),
    ("auth.accept_invitation", ANONYMOUS, "/invitation/{invitation_token}"),
    ("hub.program_admin", ADMIN, "/admin/program"),
    ("hub.audit_log", ADMIN, "/audit"),
    ("hub.organization_list", ADMIN, "/organizations"),
    ("hub.organization_new", ADMIN, "/organizations/new"),
    ("hub.organization_edit", ADMIN, "/organizations/{prairie}/edit"),
    ("hub.staff_invite", GPD_ADMIN, "/organizations/{gpd}/invite"),
    ("hub.person_detail", ADMIN, "/people/{kelsey}"),
    ("hub.settings", MARKETER, "/settings"),
    ("hub.totp_setup", MARKETER, "/settings/two-factor"),
    ("campaigns.coop_imports", ADMIN, "/campaigns/coop/imports"),
    ("campaigns.coop_program", ADMIN, "/campaigns/coop/program"),
    ("campaigns.proposal_rules", ADMIN, "/campaigns/coop/program/campaigns"),
    ("campaigns.proposal_new", MARKETER, "/campaigns/new"),
    ("campaigns.proposal_edit", MARKETER, "/campaigns/proposals/{draft}/edit"),
    ("campaigns.proposal_page", MARKETER, "/campaigns/proposals/{draft}"),  # comments
    ("campaigns.proposal_page", MARKETER, "/campaigns/proposals/{running}"),  # the claim form
    ("campaigns.proposal_page", MARKETER, "/campaigns/proposals/{results}"),  # results
    ("campaigns.proposal_page", CHANNEL, "/campaigns/proposals/{submitted}"),  # approval
    ("campaigns.proposal_page", CHANNEL, "/campaigns/proposals/{claimed}"),  # claim review
    ("campaigns.coop", ADMIN, "/campaigns/coop"),  # the partners' search, filters and sort
    ("conversations.index", MARKETER, "/conversations"),
    ("conversations.ask_expert", MARKETER, "/conversations/new?product_line={tractors}"),
    ("conversations.detail", MARKETER, "/conversations/{conversation}"),
    ("conversations.detail", CHANNEL, "/conversations/{conversation}"),  # hand-off
    ("campaigns.studio_profile", MARKETER, "/campaigns/studio/profile"),
    ("campaigns.studio_personalise", MARKETER, "/campaigns/studio/t/{studio_template}"),
    ("campaigns.studio_deck", MARKETER, "/campaigns/studio/decks/dealer-intro"),
    ("campaigns.kit_page", MARKETER, "/campaigns/kits/{kit}"),  # the launch form
    ("campaigns.studio_template_new", ADMIN, "/campaigns/studio/manage/templates/new"),
    (
        "campaigns.studio_template_edit",
        ADMIN,
        "/campaigns/studio/manage/templates/{studio_template}/edit",
    ),
    ("campaigns.studio_deck_new", ADMIN, "/campaigns/studio/manage/decks/new"),
    ("campaigns.studio_library", ADMIN, "/campaigns/studio/manage/library"),
    ("campaigns.kit_new", ADMIN, "/campaigns/kits/new"),
    ("campaigns.kit_edit", ADMIN, "/campaigns/kits/{kit}/edit"),
    ("learning.attempt_page", SALES, "/learning/attempts/{open_attempt}"),  # a quiz under way
    ("learning.certification_page", ADMIN, "/learning/certifications/{certification}"),  # revoke
    ("learning.specialisation_admin", ADMIN, "/learning/standing/specialisations"),
    ("learning.recognition_wall", PRAIRIE_ADMIN, "/learning/recognition"),  # give kudos
    ("learning.leaderboard_page", TECH, "/learning/recognition/leaderboard"),  # opt-out
    ("learning.leaderboard_page", ADMIN, "/learning/recognition/leaderboard"),  # the group
    ("learning.assessment_page", TECH, "/learning/levels/{returned_level}/assessment"),  # resend
    ("learning.submission_page", PM, "/learning/assessments/{waiting_submission}"),  # decide
    ("learning.assignments_page", PRAIRIE_ADMIN, "/learning/assignments"),  # assign
    ("learning.authoring_home", ADMIN, "/learning/authoring"),  # a new path
    ("learning.authoring_path", ADMIN, "/learning/authoring/paths/{learning_path}"),
    ("learning.authoring_level", ADMIN, "/learning/authoring/levels/{learning_level}"),
    ("learning.authoring_module", ADMIN, "/learning/authoring/modules/{learning_module}"),
    (
        "learning.authoring_question_new",
        ADMIN,
        "/learning/authoring/modules/{learning_module}/questions/new",
    ),
    ("learning.authoring_question", ADMIN, "/learning/authoring/questions/{learning_question}"),
    ("feedback.idea_board", HARBOR, "/feedback/ideas"),  # status and sort filters
    ("feedback.idea_new", HARBOR, "/feedback/ideas/new?line={tractors}"),
    ("feedback.idea_page", HARBOR, "/feedback/ideas/{idea}"),  # comment and replies
    ("feedback.idea_page", PM, "/feedback/ideas/{idea}"),  # the status change
    ("feedback.idea_triage", PM, "/feedback/triage"),  # filters
    ("feedback.idea_weights", ADMIN, "/feedback/triage/weights"),
    ("feedback.beta_program", HARBOR, "/feedback/betas/{beta_open}"),  # apply
    ("feedback.beta_new", PM, "/feedback/betas/new"),
    ("feedback.beta_edit", PM, "/feedback/betas/{beta_running}/edit"),
    ("feedback.beta_manage", PM, "/feedback/betas/{beta_running}/manage"),  # upload
    ("feedback.beta_report_new", TECH, "/feedback/betas/{beta_running}/reports/new"),
    ("feedback.beta_survey", TECH, "/feedback/betas/{beta_running}/surveys/{beta_check}"),
    ("feedback.beta_survey_new", PM, "/feedback/betas/{beta_running}/surveys/new"),
    ("feedback.idea_page", PM, "/feedback/ideas/{merged_idea}"),  # merged: tags, undo
    ("feedback.idea_from_message", PM, "/feedback/ideas/from-message/{pm_message}"),
    ("feedback.idea_evidence_new", PM, "/feedback/ideas/evidence/{pm_message}"),
    ("feedback.idea_shipped", ADMIN, "/feedback/shipped?org={prairie}"),  # organisation
    ("feedback.field_list", PM, "/feedback/field"),  # filters
    ("feedback.field_new", MARKETER, "/feedback/field/new"),
    ("feedback.field_page", PM, "/feedback/field/{field_observation}"),  # tags, links
    ("feedback.consultation_new", ADMIN, "/feedback/consultations/new"),
    ("feedback.consultation_page", MARKETER, "/feedback/consultations/{consultation}"),  # comment
    ("feedback.consultation_page", ADMIN, "/feedback/consultations/{consultation}"),  # response
]

# endpoint → (who, path) of a page with no field to fill in (buttons at most), or None for
# what is no page: files, CSV, JSON, a health check, htmx parts of a page listed above.
NO_FIELDS: dict[str, tuple[str | None, str] | None] = {
    "hub.dashboard": (ADMIN, "/"),
    "hub.outbox": (ADMIN, "/admin/outbox"),
    "hub.notification_list": (MARKETER, "/notifications"),
    "hub.organization_detail": (ADMIN, "/organizations/{prairie}"),
    "hub.product_lines": (MARKETER, "/product-lines"),
    "campaigns.proposal_list": (MARKETER, "/campaigns/"),
    "campaigns.coop_account": (ADMIN, "/campaigns/coop/{prairie}"),
    "campaigns.coop_how": (MARKETER, "/campaigns/coop/how-it-works"),
    "campaigns.coop_import": None,  # an import's progress: Import / Cancel buttons only
    "campaigns.coop_import_report": None,  # CSV
    "campaigns.coop_export": None,  # CSV
    "campaigns.coop_import_template": None,  # CSV
    "campaigns.proposal_file": None,  # a stored file
    "campaigns.studio_home": (MARKETER, "/campaigns/studio"),
    "campaigns.studio_logo": None,  # an image
    "campaigns.studio_render": None,  # an image or a PDF
    "campaigns.studio_deck_file": None,  # a .pptx
    "campaigns.studio_deck_slide": None,  # an image
    "campaigns.studio_deck_report_slide": None,  # an image
    "campaigns.studio_asset": (MARKETER, "/campaigns/studio/assets/{studio_asset}"),
    "campaigns.kit_list": (MARKETER, "/campaigns/kits"),
    "campaigns.studio_admin": (ADMIN, "/campaigns/studio/manage"),
    "campaigns.studio_template_preview": (
        ADMIN,
        "/campaigns/studio/manage/templates/{studio_template}",
    ),  # Publish only
    "campaigns.studio_template_sample": None,  # an image
    "campaigns.studio_deck_report": (
        ADMIN,
        "/campaigns/studio/manage/decks/{studio_deck}",
    ),  # Publish only
    "campaigns.studio_usage": (ADMIN, "/campaigns/studio/manage/usage"),
    "campaigns.kit_admin": (ADMIN, "/campaigns/kits/manage"),  # Publish buttons only
    "conversation_files.attachment": None,  # a stored file
    "conversations.live_parts": None,  # htmx parts of conversations.detail
    "hub.organization_logo": None,  # an image
    "hub.healthz": None,  # JSON
    "learning.dashboard": (TECH, "/learning/"),
    "learning.path_page": (TECH, "/learning/paths/{learning_path}"),
    "learning.module_page": (TECH, "/learning/modules/{learning_module}"),  # buttons only
    "learning.person_page": (ADMIN, "/learning/people/{jorge}"),
    "learning.wallet": (TECH, "/learning/certifications"),
    "verify.credential": (ANONYMOUS, "/verify/{credential}"),
    "learning.certificate_png": None,  # an image
    "learning.certificate_pdf": None,  # a PDF
    "verify.credential_jwt": None,  # a signed Open Badges credential (VC-JWT)
    "verify.issuer": None,  # JSON (the Open Badges issuer profile)
    "wellknown.jwks": None,  # JSON (the credential-signing public key)
    "learning.standing_index": (ADMIN, "/learning/standing"),
    "learning.standing_page": (PRAIRIE_ADMIN, "/learning/standing/{prairie}"),
    "learning.assessment_queue": (PM, "/learning/assessments"),
    "learning.evidence_file": None,  # a stored file
    "learning.module_attachment": None,  # a stored file
    "feedback.idea_similar": None,  # htmx part of feedback.idea_new
    "feedback.idea_photo": None,  # an image
    "feedback.beta_list": (HARBOR, "/feedback/betas"),
    "feedback.beta_nda": ("marketing@hillside.example", "/feedback/betas/{beta_running}/nda"),
    "feedback.beta_space": (TECH, "/feedback/betas/{beta_running}/space"),
    "feedback.beta_survey_results": (
        PM,
        "/feedback/betas/{beta_running}/surveys/{beta_survey}/results",
    ),
    "feedback.beta_document": None,  # a stored file
    "feedback.beta_report_photo": None,  # an image
    "feedback.field_photo": None,  # an image
    "feedback.consultation_list": (MARKETER, "/feedback/consultations"),
    "feedback.consultation_summary": (ADMIN, "/feedback/consultations/{consultation}/summary"),
}

IGNORED_PREFIXES = ("/api/", "/static/")

# A <form> holding a field a person fills in (not a hidden input or a button).
_FORM = re.compile(r"<form\b.*?</form>", re.S | re.I)
_FIELD = re.compile(
    r"<(select|textarea)\b|<input\b(?![^>]*\btype=\"?(hidden|submit|button|reset|image)\b)",
    re.I,
)


def form_fields_in(html: str) -> int:
    """How many fields to fill in the page's forms hold (0: no form page)."""
    return sum(len(_FIELD.findall(form)) for form in _FORM.findall(html))


def get_rules(app) -> dict[str, str]:
    """endpoint → rule of every GET page rule (the API and static files left out)."""
    return {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith(IGNORED_PREFIXES)
    }


def _submission(status: SubmissionStatus) -> AssessmentSubmission:
    return db.session.scalar(
        sa.select(AssessmentSubmission).where(AssessmentSubmission.status == status).limit(1)
    )


def demo_values() -> dict[str, object]:
    """Ids of the demo program's pages, by the names the paths above use (app context)."""

    def org(name: str) -> int:
        return db.session.scalar(sa.select(Organization.id).where(Organization.name == name))

    def proposal(title: str) -> int:
        return db.session.scalar(sa.select(Proposal.id).where(Proposal.title == title))

    prairie = org("Prairie Ag Dealers")
    jorge = db.session.scalar(sa.select(Person.id).where(Person.email == TECH))
    certification = db.session.scalar(
        sa.select(Certification).where(Certification.person_id == jorge).limit(1)
    )
    return {
        "prairie": prairie,
        "gpd": org("Great Plains Distribution"),
        "kelsey": db.session.scalar(sa.select(Person.id).where(Person.email == MARKETER)),
        "draft": proposal("Parts counter winter promotion"),
        "running": proposal("Co-branded spec sheets, utility tractors"),
        "results": proposal("Early-order digital campaign"),
        "submitted": proposal("Husker Harvest Days booth"),
        "claimed": proposal("Fall harvest open house"),
        "tractors": db.session.scalar(
            sa.select(ProductLine.id).where(ProductLine.name == "Tractors")
        ),
        "jorge": jorge,
        "certification": certification.id,
        "credential": certification.credential_id,
        "learning_path": certification.level.path_id,
        "learning_module": certification.level.modules[0].id,
        "learning_level": certification.level_id,
        "learning_question": db.session.scalar(
            sa.select(Question.id).order_by(Question.id).limit(1)
        ),
        "waiting_submission": _submission(SubmissionStatus.SUBMITTED).id,
        "returned_level": _submission(SubmissionStatus.MORE_REQUESTED).level_id,
        "open_attempt": db.session.scalar(
            sa.select(QuizAttempt.id).where(QuizAttempt.submitted_at.is_(None)).limit(1)
        ),
        "consultation": db.session.scalar(
            sa.select(Consultation.id).where(Consultation.outcome.is_(None)).limit(1)
        ),
        "idea": db.session.scalar(
            sa.select(Idea.id).where(Idea.title == "Quick-attach mower deck for compact tractors")
        ),
        "beta_running": db.session.scalar(
            sa.select(BetaProgram.id).where(BetaProgram.title == "Loader joystick field trial")
        ),
        "beta_open": db.session.scalar(
            sa.select(BetaProgram.id).where(BetaProgram.title == "Quick-attach mower deck beta")
        ),
        "beta_survey": db.session.scalar(
            sa.select(BetaSurvey.id).where(BetaSurvey.title == "First two weeks")
        ),
        "beta_check": db.session.scalar(
            sa.select(BetaSurvey.id).where(BetaSurvey.title == "Mid-trial check")
        ),
        "kit": db.session.scalar(
            sa.select(CampaignKit.id).where(CampaignKit.name == "Harvest service social kit")
        ),
        "studio_template": db.session.scalar(
            sa.select(StudioTemplate.id).where(StudioTemplate.key == "harvest-square")
        ),
        "merged_idea": db.session.scalar(
            sa.select(Idea.id).where(Idea.merged_into_id.is_not(None))
        ),
        "pm_message": db.session.scalar(
            sa.select(conversation_models.Message.id)
            .join(Conversation, Conversation.id == conversation_models.Message.conversation_id)
            .where(
                Conversation.subject == "Hydraulic whine on 6R after 500 hours",
                conversation_models.Message.seq == 1,
            )
        ),
        "field_observation": db.session.scalar(
            sa.select(FieldObservation.id).order_by(FieldObservation.id).limit(1)
        ),
        "studio_asset": db.session.scalar(
            sa.select(StudioAsset.code).where(StudioAsset.organization_id == prairie).limit(1)
        ),
        "studio_deck": db.session.scalar(sa.select(StudioDeck.id).order_by(StudioDeck.id)),
        "conversation": db.session.scalar(
            sa.select(Conversation.id)
            .where(Conversation.organization_id == prairie)
            .order_by(Conversation.id)
            .limit(1)
        ),
    }
