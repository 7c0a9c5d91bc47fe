"""Kit pages and API: the dashboard card one click from the launch form, a launch that
lands on the submitted proposal (or comes back with the typed input and a sentence),
the claim form offering the campaign's studio assets as proof, the admin's kit pages,
and /api/v1/kits answering what the pages do."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image

from campaigns.kits import service as kits
from campaigns.proposals import service as proposals
from campaigns.proposals.models import Claim, Proposal, ProposalStatus
from hub import db
from hub.accounts import service as accounts
from hub.db import today
from hub.models import AuditEvent
from tests.campaigns.kits.kit_support import launch_data, ready
from tests.campaigns.proposals.proposal_support import png_bytes
from tests.conftest import post_form
from tests.hub.test_query_counts import _count, _diff


def test_the_dashboard_card_leads_to_a_launch_form_that_needs_only_the_amount(
    app, client, login_as, channel, tmp_path
):
    _program, (social, mailer) = ready(channel, app, tmp_path)
    login_as("dealer_marketer")
    dashboard = client.get("/").get_data(as_text=True)
    assert "Launch a campaign kit" in dashboard
    assert f'href="/campaigns/kits/{social.id}"' in dashboard
    assert "Launch “Harvest service social kit”" in dashboard
    page = client.get(f"/campaigns/kits/{social.id}").get_data(as_text=True)
    start = today()
    assert f'value="{start.isoformat()}"' in page  # starts today (lead time 0)
    assert f'value="{(start + timedelta(days=27)).isoformat()}"' in page  # 28 days
    assert "At most USD 900.00: the budget of USD 1,200.00 × 75%" in page
    assert "Preview of Harvest season — social post with your brand" in page
    mailer_page = client.get(f"/campaigns/kits/{mailer.id}").get_data(as_text=True)
    assert f'value="{(start + timedelta(days=14)).isoformat()}"' in mailer_page

    url = f"/campaigns/kits/{social.id}/launch"
    form = {"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=27)).isoformat(),
            "requested_amount": "850"}  # fmt: skip
    response = post_form(client, url, form, token_page=f"/campaigns/kits/{social.id}")
    proposal = db.session.scalar(sa.select(Proposal).order_by(Proposal.id.desc()).limit(1))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/campaigns/proposals/{proposal.id}")
    assert proposal.status == ProposalStatus.SUBMITTED
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is waiting for approval, with 2 co-branded assets from the kit attached" in shown
    assert "Harvest season — social post" in shown and "OEM template" in shown


def test_a_refused_launch_keeps_the_input_and_says_why(app, client, login_as, channel, tmp_path):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    login_as("dealer_marketer")
    url = f"/campaigns/kits/{social.id}/launch"
    form = launch_data("5000", ends_on="2001-01-01")
    response = post_form(client, url, form, token_page=f"/campaigns/kits/{social.id}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="5000"' in page and 'aria-invalid="true"' in page
    assert "before it starts" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_a_missing_profile_field_is_named_with_a_link(app, client, login_as, channel, tmp_path):
    _program, (social, _mailer) = ready(
        channel, app, tmp_path, profile={"phone": "555 0100", "website": "d.example"}, logo=False
    )
    login_as("dealer_marketer")
    page = client.get(f"/campaigns/kits/{social.id}").get_data(as_text=True)
    assert "This kit’s templates need your brand colour and logo" in page
    assert 'href="/campaigns/studio/profile"' in page
    response = post_form(
        client, f"/campaigns/kits/{social.id}/launch", launch_data(),
        token_page=f"/campaigns/kits/{social.id}",
    )  # fmt: skip
    assert response.status_code == 422
    assert "Fill in your brand profile" in response.get_data(as_text=True)


def test_the_claim_form_offers_the_campaigns_assets_as_proof(
    app, client, login_as, channel, tmp_path
):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    marketer = channel.people["dealer_marketer"]
    proposal = kits.launch(marketer, social, launch_data("900.00"))
    proposals.approve(channel.people["channel_manager"], proposal)
    assets = proposals.proof_assets(proposal)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Made for this campaign" in page
    for asset in assets:
        assert f'name="claim-asset" value="{asset.id}" checked' in page
    assert '<option value="screenshot" selected>' in page  # Digital advertising needs one

    data = {
        "claim-assets-offered": "1",
        "claim-asset": [str(assets[0].id)],  # one ticked, one not
        f"claim-asset-{assets[0].id}-kind": "screenshot",
        "claim-0-description": "Boosted posts",
        "claim-0-amount": "1000.00",
        "claim-0-kind-0": "invoice",
        "claim-0-proof-0": (io.BytesIO(png_bytes()), "invoice.png", "image/png"),
    }
    response = post_form(client, url + "/claim", data, token_page=url,
                         content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    claim = db.session.scalar(sa.select(Claim).where(Claim.proposal_id == proposal.id))
    proofs = [(p.kind, p.file_id) for p in claim.lines[0].proofs]
    assert ("screenshot", assets[0].file_id) in proofs
    assert assets[1].file_id not in [file_id for _, file_id in proofs]
    assert [kind for kind, _ in proofs].count("invoice") == 1
    # The asset is served to whoever may see the claim (it is one of its proofs now).
    served = client.get(f"/campaigns/files/{assets[0].file_id}")
    status, data = served.status_code, served.data
    served.close()
    with Image.open(io.BytesIO(data)) as image:
        assert (status, image.format, image.size) == (200, "PNG", (1080, 1080))


def test_another_campaigns_asset_is_not_a_proof_here(app, client, login_as, channel, tmp_path):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    marketer = channel.people["dealer_marketer"]
    first = kits.launch(marketer, social, launch_data("400.00"))
    second = kits.launch(marketer, social, launch_data("400.00"))
    for proposal in (first, second):
        proposals.approve(channel.people["channel_manager"], proposal)
    foreign = proposals.proof_assets(first)[0]
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{second.id}"
    data = {"claim-asset": [str(foreign.id)], "claim-0-description": "Ads",
            "claim-0-amount": "100.00"}  # fmt: skip
    response = post_form(client, url + "/claim", data, token_page=url,
                         content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 404
    assert proposals.claim_of(second) is None


def test_the_admin_creates_edits_and_publishes_a_kit(app, client, login_as, channel, tmp_path):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    login_as("program_admin")
    listing = client.get("/campaigns/kits/manage").get_data(as_text=True)
    assert "Harvest service social kit" in listing and "Unpublish" in listing
    template_id = str(social.templates[0].template_id)
    bad = {"name": "Winter parts kit", "title": "", "category_id": str(social.category_id),
           "lead_days": "3", "duration_days": "20", "line-0-description": "Ads",
           "line-0-amount": "300", "template_ids": [template_id]}  # fmt: skip
    response = post_form(client, "/campaigns/kits/new", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the campaign title." in page and 'value="Winter parts kit"' in page
    assert f'value="{template_id}" checked' in page
    response = post_form(client, "/campaigns/kits/new", {**bad, "title": "Winter parts"})
    assert response.status_code == 303
    kit = next(k for k in kits.kits(_program, published_only=False) if k.name == "Winter parts kit")
    assert not kit.published
    login_as("dealer_marketer")
    assert client.get(f"/campaigns/kits/{kit.id}").status_code == 404
    login_as("program_admin")
    edit = f"/campaigns/kits/{kit.id}/edit"
    assert 'value="Winter parts"' in client.get(edit).get_data(as_text=True)
    assert post_form(client, edit, {**bad, "title": "Winter parts sale"}).status_code == 303
    publish = post_form(client, f"/campaigns/kits/{kit.id}/publish", {"published": "1"},
                        token_page="/campaigns/kits/manage")  # fmt: skip
    db.session.expire_all()
    assert publish.status_code == 303 and kit.published and kit.title == "Winter parts sale"
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == str(kit.id),
                                           AuditEvent.object_type == "CampaignKit")
        .order_by(AuditEvent.id)
    ).all()  # fmt: skip
    assert actions == ["kit.created", "kit.edited", "kit.published"]


_TOKENS: dict[int, dict] = {}


def _token(person) -> dict:
    """A bearer token header of the person (one token per person and test)."""
    if person.id not in _TOKENS:
        secret = accounts.create_api_token(person, "kits").secret
        _TOKENS[person.id] = {"Authorization": f"Bearer {secret}"}
    return _TOKENS[person.id]


def test_the_api_lists_kits_and_launches_one(app, client, channel, tmp_path):
    _program, (social, mailer) = ready(channel, app, tmp_path)
    _TOKENS.clear()
    marketer = channel.people["dealer_marketer"]
    listed = client.get("/api/v1/kits", headers=_token(marketer))
    assert listed.status_code == 200
    by_name = {k["name"]: k for k in listed.json["data"]}
    assert by_name["Harvest service social kit"]["most_to_ask"] == "900.00"
    assert by_name["Harvest service social kit"]["share"] == "0.7500"
    assert (
        by_name["Spring planting mailer kit"]["default_starts_on"]
        == (today() + timedelta(days=14)).isoformat()
    )

    launched = client.post(f"/api/v1/kits/{social.id}/launch", headers=_token(marketer),
                           json={"requested_amount": "900.00"})  # fmt: skip
    assert launched.status_code == 201, launched.json
    assert launched.json["status"] == "submitted" and launched.json["share"] == "0.7500"
    assert launched.headers["Location"] == f"/api/v1/campaigns/{launched.json['id']}"

    refused = client.post(f"/api/v1/kits/{social.id}/launch", headers=_token(marketer),
                          json={"requested_amount": 900})  # fmt: skip
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    too_much = client.post(f"/api/v1/kits/{mailer.id}/launch", headers=_token(marketer),
                           json={"requested_amount": "1500.01"})  # fmt: skip
    assert too_much.status_code == 422
    assert "ask for at most USD 1,500.00" in too_much.get_data(as_text=True)

    staff = client.post(f"/api/v1/kits/{social.id}/launch",
                        headers=_token(channel.people["partner_staff"]),
                        json={"requested_amount": "100.00"})  # fmt: skip
    assert staff.status_code == 403
    kits.set_published(channel.people["program_admin"], social, False)
    gone = client.post(f"/api/v1/kits/{social.id}/launch", headers=_token(marketer),
                       json={"requested_amount": "100.00"})  # fmt: skip
    assert gone.status_code == 404


def test_a_claim_sent_back_with_a_problem_keeps_the_assets_ticks(
    app, client, login_as, channel, tmp_path
):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    proposal = kits.launch(channel.people["dealer_marketer"], social, launch_data("900.00"))
    proposals.approve(channel.people["channel_manager"], proposal)
    first, second = proposals.proof_assets(proposal)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    data = {"claim-assets-offered": "1", "claim-asset": [str(second.id)],
            f"claim-asset-{second.id}-kind": "sample", "claim-0-description": "Ads",
            "claim-0-amount": "1000.00"}  # no invoice: refused  # fmt: skip
    response = post_form(client, url + "/claim", data, token_page=url,
                         content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Digital advertising claims need: invoice" in page
    assert f'name="claim-asset" value="{first.id}">' in page  # left unticked
    assert f'name="claim-asset" value="{second.id}" checked>' in page
    assert proposals.claim_of(proposal) is None


def test_the_api_claim_can_name_the_campaigns_assets_as_proof(app, client, channel, tmp_path):
    _program, (social, _mailer) = ready(channel, app, tmp_path)
    _TOKENS.clear()
    marketer = channel.people["dealer_marketer"]
    proposal = kits.launch(marketer, social, launch_data("900.00"))
    proposals.approve(channel.people["channel_manager"], proposal)
    asset = proposals.proof_assets(proposal)[0]
    url = f"/api/v1/campaigns/{proposal.id}/claim"

    def claim(asset_id):
        lines = [{"description": "Boosted posts", "amount": "1000.00", "proofs": [
            {"kind": "invoice", "file": "invoice"}, {"kind": "screenshot", "asset_id": asset_id}]}]  # fmt: skip
        data = {"lines": json.dumps(lines),
                "invoice": (io.BytesIO(png_bytes()), "invoice.png", "image/png")}  # fmt: skip
        return client.post(url, headers=_token(marketer), data=data,
                           content_type="multipart/form-data")  # fmt: skip

    refused = claim(999999)
    assert refused.status_code == 422
    assert "asset 999999 is not one of this campaign's assets" in refused.get_data(as_text=True)
    done = claim(asset.id)
    assert done.status_code == 200, done.json
    proofs = proposals.claim_of(proposal).lines[0].proofs
    assert sorted((p.kind, p.file_id == asset.file_id) for p in proofs) == [
        ("invoice", False),
        ("screenshot", True),
    ]


def test_the_dashboard_sends_as_many_statements_with_many_kits(
    app, client, login_as, channel, tmp_path, statements
):
    """The card reads its kits in one statement, however many the program publishes."""
    program, (social, _mailer) = ready(channel, app, tmp_path)
    login_as("dealer_marketer")
    few, few_sql = _count(client, statements, "/", {})
    admin = channel.people["program_admin"]
    data = {"title": "Winter parts promotion", "lead_days": "3", "duration_days": "20",
            "category_id": str(social.category_id),
            "lines": [{"description": "Social ads", "amount": "300"}],
            "template_ids": [str(t.template_id) for t in social.templates]}  # fmt: skip
    for n in range(6):
        kits.set_published(admin, kits.save_kit(admin, program, {**data, "name": f"Kit {n}"}), True)
    many, many_sql = _count(client, statements, "/", {})
    assert "All campaign kits" in client.get("/").get_data(as_text=True)
    assert many == few, f"{few} → {many}\n" + _diff(few_sql, many_sql)
