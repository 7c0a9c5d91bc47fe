"""Kit rules: a launch prefills the proposal from the kit, personalises and attaches the
kit's templates with the dealer's brand, and submits it — or refuses with a sentence and
keeps nothing; template-built activities get the category's template share, exactly,
from the proposal to the claim's payment; the program admin's kits are checked and
audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from PIL import Image

from campaigns.coop.models import Hold
from campaigns.kits import panels as kit_panels
from campaigns.kits import service as kits
from campaigns.proposals import service as proposals
from campaigns.proposals.models import AssetSource, Proposal, ProposalAsset, ProposalStatus
from campaigns.studio import service as studio
from hub import db, uploads
from hub.errors import ValidationFailed
from hub.models import AuditEvent, StoredFile
from tests.campaigns.kits.kit_support import launch_data, ready
from tests.campaigns.proposals.proposal_support import fields, stored_image


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_launch_prefills_attaches_the_branded_assets_and_submits(channel, app, tmp_path):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    marketer = channel.people["dealer_marketer"]
    proposal = kits.launch(marketer, social, launch_data("900.00"))

    assert proposal.status == ProposalStatus.SUBMITTED
    assert (proposal.title, proposal.category.name) == (
        "Harvest-ready service — social campaign",
        "Digital advertising",
    )
    assert proposal.objective == social.objective and proposal.audience == social.audience
    assert [(line.description, line.amount) for line in proposal.lines] == [
        ("Boosted posts on Facebook and Instagram", Decimal("800.00")),
        ("Local search and display ads", Decimal("400.00")),
    ]
    assert (proposal.expected_leads, proposal.expected_revenue) == (25, Decimal("60000.00"))
    assert proposal.requested_amount == Decimal("900.00")
    assert proposal.uses_oem_template is True
    assert proposal.share == Decimal("0.7500")  # the template share, stamped at submission

    assets = list(
        db.session.scalars(sa.select(ProposalAsset).where(ProposalAsset.proposal_id == proposal.id))
    )
    assert [(a.title, a.source) for a in assets] == [
        ("Harvest season — social post", AssetSource.STUDIO),
        ("Service clinic — link image", AssetSource.STUDIO),
    ]
    sizes = []
    for asset in assets:
        with Image.open(uploads.open_stored(asset.file.path)) as image:
            sizes.append((image.format, image.size))
        assert asset.file.organization_id == channel.dealer.id
    assert sizes == [("PNG", (1080, 1080)), ("PNG", (1200, 628))]
    launched = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "kit.launched"))
    assert launched.after["proposal_id"] == proposal.id
    assert launched.organization_id == channel.dealer.id


def test_a_missing_profile_field_is_named_and_nothing_is_kept(channel, app, tmp_path):
    _program, (social, _mailer) = ready(channel, app, tmp_path, profile={"phone": "555 0100"})
    before = (_count(Proposal), _count(ProposalAsset), _count(StoredFile))
    with pytest.raises(ValidationFailed) as refused:
        kits.launch(channel.people["dealer_marketer"], social, launch_data())
    assert refused.value.problems == {
        "profile": [
            "This kit’s templates need your website and brand colour: add them to your "
            "brand profile first."
        ]
    }
    assert (_count(Proposal), _count(ProposalAsset), _count(StoredFile)) == before


def test_more_than_budget_times_template_share_is_refused_whole(channel, app, tmp_path):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    before = (_count(Proposal), _count(ProposalAsset), _count(StoredFile))
    with pytest.raises(ValidationFailed) as refused:
        kits.launch(channel.people["dealer_marketer"], social, launch_data("900.01"))
    assert "ask for at most USD 900.00" in " ".join(refused.value.problems["requested_amount"])
    assert (_count(Proposal), _count(ProposalAsset), _count(StoredFile)) == before
    with pytest.raises(ValidationFailed) as no_amount:
        kits.launch(channel.people["dealer_marketer"], social, launch_data(""))
    assert "requested_amount" in no_amount.value.problems
    assert _count(Proposal) == before[0]


def test_only_proposers_launch_and_only_published_kits(channel, app, tmp_path):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    for role in ("partner_staff", "channel_manager", "program_admin"):
        with pytest.raises(PermissionError):
            kits.launch(channel.people[role], social, launch_data())
    kits.set_published(channel.people["program_admin"], social, False)
    with pytest.raises(ValidationFailed):
        kits.launch(channel.people["dealer_marketer"], social, launch_data())
    assert kits.get_kit(channel.people["dealer_marketer"], _program, social.id) is None
    assert kits.get_kit(channel.people["program_admin"], _program, social.id) is social


def _claim(proposal, marketer, cost: str, asset_kind: str = "screenshot"):
    """Claim `cost` with an invoice, and the campaign's studio assets as the other proof."""
    assets = proposals.proof_assets(proposal)
    invoice = stored_image(proposal.organization_id, marketer.id, "invoice.png")
    proofs = [("invoice", invoice)] + [(asset_kind, a.file) for a in assets]
    return proposals.submit_claim(marketer, proposal, [
        {"description": "Boosted posts", "amount": cost, "proofs": proofs}])  # fmt: skip


def test_template_built_activity_is_paid_the_template_share_exactly(channel, app, tmp_path):
    program, (social, _mailer) = ready(channel, app, tmp_path)
    marketer, manager = channel.people["dealer_marketer"], channel.people["channel_manager"]
    launched = kits.launch(marketer, social, launch_data("900.00"))
    proposals.approve(manager, launched)
    claim = _claim(launched, marketer, "1000.00")
    assert {p.file_id for p in claim.lines[0].proofs} >= {
        a.file_id for a in proposals.proof_assets(launched)
    }
    proposals.review_claim(manager, launched, {})
    hold = db.session.get(Hold, launched.hold_id)
    # 1,000.00 eligible × 75% = 750.00 of the 900.00 held; 150.00 released.
    assert (launched.reimbursed_amount, hold.amount) == (Decimal("750.00"), Decimal("900.00"))
    assert claim.approved_amount == Decimal("750.00")

    # The same activity not built on a template: 1,000.00 × 50% = 500.00.
    plain_fields = fields(program, category_id=social.category_id, requested_amount="600.00")
    plain = proposals.create(marketer, program, plain_fields)
    proposals.submit(marketer, plain)
    proposals.approve(manager, plain)
    assert plain.share == Decimal("0.5000")
    proof = stored_image(plain.organization_id, marketer.id)
    proposals.submit_claim(marketer, plain, [{"description": "Ads", "amount": "1000.00",
                           "proofs": [("invoice", proof), ("screenshot", proof)]}])  # fmt: skip
    proposals.review_claim(manager, plain, {})
    assert plain.reimbursed_amount == Decimal("500.00")


def test_a_studio_asset_makes_a_draft_template_built_and_the_fast_lane_applies(
    channel, app, tmp_path
):
    program, _kits = ready(channel, app, tmp_path)
    program.fast_lane_limit = Decimal("1000.00")
    marketer = channel.people["dealer_marketer"]
    draft = proposals.create(marketer, program, fields(program, requested_amount="1000.00"))
    assert draft.uses_oem_template is False
    template = studio.templates()[0]
    studio.attach(marketer, template, studio.slot_values(template, {}), "png", draft.id)
    assert draft.uses_oem_template is True
    proposals.submit(marketer, draft)
    # Print advertising: 75% on OEM templates; 1,000.00 is within the fast lane, approved
    # at once (and running: it starts today).
    assert (draft.share, draft.status) == (Decimal("0.7500"), ProposalStatus.RUNNING)
    assert draft.max_reimbursement == Decimal("1000.00")


def test_the_admin_saves_and_publishes_kits_with_sentences_and_audit(channel, app, tmp_path):
    program, (social, _mailer) = ready(channel, app, tmp_path)
    admin = channel.people["program_admin"]
    with pytest.raises(ValidationFailed) as refused:
        kits.save_kit(admin, program, {"name": "", "lead_days": "-1", "duration_days": "0",
                                       "lines": [{"description": "Ads", "amount": "x"}],
                                       "template_ids": ["999999"]})  # fmt: skip
    problems = refused.value.problems
    assert set(problems) == {"name", "title", "category_id", "lead_days", "duration_days",
                             "lines", "template_ids"}  # fmt: skip
    assert problems["lead_days"] == ["Give the start as a whole number of days from 0 to 180."]
    with pytest.raises(PermissionError):
        kits.save_kit(channel.people["dealer_marketer"], program, {})

    data = {
        "name": "Winter parts kit", "title": "Winter parts promotion", "lead_days": "3",
        "duration_days": "20", "category_id": str(social.category_id),
        "lines": [{"description": "Social ads", "amount": "300"}, {"description": "", "amount": ""}],
        "template_ids": [str(social.templates[0].template_id)],
    }  # fmt: skip
    kit = kits.save_kit(admin, program, data)
    assert (kit.published, kit.budget_lines) == (False, [{"description": "Social ads",
                                                           "amount": "300.00"}])  # fmt: skip
    assert kits.most_to_ask(kit) == Decimal("225.00")
    kits.set_published(admin, kit, True)
    kits.save_kit(admin, program, {**data, "name": "Winter parts kit 2027"}, kit)
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "CampaignKit", AuditEvent.object_id == str(kit.id))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["kit.created", "kit.published", "kit.edited"]
    edited = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "kit.edited"))
    assert (edited.before["name"], edited.after["name"]) == (
        "Winter parts kit",
        "Winter parts kit 2027",
    )


def test_the_dashboard_card_lists_the_published_kits_as_the_service_reads_them(
    app, channel, tmp_path
):
    """The card's own statement: the program's published kits by name (not a draft), with
    the share and the most to ask that the kits themselves give; one more than it shows."""
    program, (social, _mailer) = ready(channel, app, tmp_path)
    admin = channel.people["program_admin"]
    data = {"title": "Winter parts promotion", "lead_days": "3", "duration_days": "20",
            "category_id": str(social.category_id),
            "lines": [{"description": "Social ads", "amount": "300"}],
            "template_ids": [str(social.templates[0].template_id)]}  # fmt: skip
    for n in range(5):
        kit = kits.save_kit(admin, program, {**data, "name": f"Winter kit {n}"})
        if n:
            kits.set_published(admin, kit, True)  # "Winter kit 0" stays a draft
    published = kits.kits(program)
    assert len(published) == 6
    listed = kit_panels.published_kits(program.id)
    assert [k.id for k in listed] == [k.id for k in published[: kit_panels.SHOWN + 1]]
    for shown, kit in zip(listed, published, strict=False):
        assert (shown.name, shown.category.name) == (kit.name, kit.category.name)
        assert kits.share(shown) == kits.share(kit)
        assert kits.most_to_ask(shown) == kits.most_to_ask(kit)
