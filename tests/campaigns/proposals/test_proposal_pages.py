"""Proposal pages through the real app: forms keep the user's input and say what is wrong,
the live check, claims with real files (and files that lie), serving proofs, fragments."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.proposals import service as proposals
from campaigns.proposals.models import Claim, Proposal, ProposalAsset, ProposalStatus
from hub import db
from hub.models import AuditEvent, StoredFile
from tests.campaigns.proposals.proposal_support import (
    approved,
    fields,
    funded_program,
    later,
    png_bytes,
)
from tests.conftest import csrf_token, post_form

S = ProposalStatus


@pytest.fixture
def program(channel):
    return funded_program(channel)


def form_of(program, **overrides) -> dict:
    data = fields(program, **overrides)
    form = {k: v for k, v in data.items() if k != "lines"}
    for i, line in enumerate(data["lines"]):
        form[f"line-{i}-description"] = line["description"]
        form[f"line-{i}-amount"] = line["amount"]
    return form


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


def test_bad_form_keeps_input_and_says_what_is_wrong(client, login_as, program):
    login_as("dealer_marketer")
    response = post_form(
        client,
        "/campaigns/new",
        form_of(program, title="Keep me", ends_on="2001-01-01", requested_amount="-3"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Keep me"' in html
    assert "before it starts" in html and "more than zero" in html
    assert 'value="Farm-paper ads, 4 weeks"' in html  # the budget lines stay too
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_submit_from_the_form_and_see_who_it_waits_on(client, login_as, program):
    login_as("dealer_marketer")
    response = post_form(client, "/campaigns/new", {**form_of(program), "action": "submit"})
    assert response.status_code == 303
    proposal = db.session.scalar(sa.select(Proposal))
    assert proposal.status == S.SUBMITTED
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting on a channel manager to approve" in page
    assert "Submitted." in page


def test_live_check_explains_share_and_balance(client, login_as, program):
    login_as("dealer_marketer")
    token = csrf_token(client, "/campaigns/new")
    response = client.post(
        "/campaigns/check",
        data={**form_of(program, requested_amount="3500"), "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="coop-check"' in html
    assert "ask for at most USD 3,000.00" in html
    assert "USD 10,000.00" in html  # available
    ok = client.post(
        "/campaigns/check",
        data={**form_of(program, requested_amount="3000"), "csrf_token": token},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "fits your balance" in ok


def claim_form(proposal, files: dict) -> dict:
    data = {
        "claim-0-description": "Farm-paper ads",
        "claim-0-amount": "3000",
        "claim-0-kind-0": "invoice",
        "claim-0-kind-1": "tear_sheet",
    }
    data.update(files)
    return data


def test_claim_with_real_files_then_serve_them(client, login_as, channel, program):
    proposal = approved(channel, program)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    response = post_form(
        client,
        url + "/claim",
        claim_form(
            proposal,
            {
                "claim-0-proof-0": (io.BytesIO(pdf_bytes()), "invoice.pdf", "application/pdf"),
                "claim-0-proof-1": (io.BytesIO(png_bytes()), "tear.png", "image/png"),
            },
        ),
        token_page=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    claim = db.session.scalar(sa.select(Claim).where(Claim.proposal_id == proposal.id))
    proofs = claim.lines[0].proofs
    assert sorted(p.kind for p in proofs) == ["invoice", "tear_sheet"]
    stored = {p.kind: p.file for p in proofs}
    image = client.get(f"/campaigns/files/{stored['tear_sheet'].id}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    from PIL import Image

    assert Image.open(io.BytesIO(image.data)).size == (40, 30)  # re-encoded, opens back
    image.close()
    document = client.get(f"/campaigns/files/{stored['invoice'].id}")
    assert (
        document.data.startswith(b"%PDF")
        and "attachment" in document.headers["Content-Disposition"]
    )
    document.close()
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(document.data)).pages) == 1


def test_a_file_that_lies_is_refused_and_only_the_good_file_is_held(
    client, login_as, channel, program
):
    proposal = approved(channel, program)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    files_before = db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))
    audits_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = post_form(
        client,
        url + "/claim",
        claim_form(
            proposal,
            {
                # A PNG that calls itself a PDF, and a good tear sheet.
                "claim-0-proof-0": (io.BytesIO(png_bytes()), "invoice.pdf", "application/pdf"),
                "claim-0-proof-1": (io.BytesIO(png_bytes()), "tear.png", "image/png"),
            },
        ),
        token_page=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "invoice.pdf" in html and "not what it says" in html
    assert 'value="Farm-paper ads"' in html  # the claim form keeps what was typed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0
    # The lying file is not kept; the good tear sheet is held for the next try.
    assert db.session.scalars(sa.select(StoredFile.filename)).all()[files_before:] == ["tear.png"]
    assert "Attached: " in html and "tear.png" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audits_before
    assert proposal.status == S.RUNNING


def test_claim_review_in_part_needs_a_reason(client, login_as, channel, program):
    from tests.campaigns.proposals.proposal_support import claim_lines

    proposal = approved(channel, program)
    marketer = channel.people["dealer_marketer"]
    claim = proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    login_as("channel_manager")
    url = f"/campaigns/proposals/{proposal.id}"
    line = claim.lines[1]
    response = post_form(
        client, url + "/claim/review", {f"line-{line.id}-approved": "400", "action": "pay"}
    )
    assert response.status_code == 422
    assert "choose a reason" in response.get_data(as_text=True)
    assert proposal.status == S.CLAIM_SUBMITTED
    response = post_form(
        client,
        url + "/claim/review",
        {
            f"line-{line.id}-approved": "400",
            f"line-{line.id}-reason": "not_eligible",
            f"line-{line.id}-note": "Only the co-branded spot",
            "action": "pay",
        },
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert proposal.status == S.PAID
    assert proposal.reimbursed_amount == Decimal("1200.00")  # (2,000 + 400) × 50%


def test_thread_fragment_for_live_updates(client, login_as, channel, program):
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    proposals.comment(channel.people["channel_manager"], proposal, "See https://example.com/x")
    login_as("dealer_marketer")
    html = client.get(
        f"/campaigns/proposals/{proposal.id}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card thread"')
    assert '<a href="https://example.com/x"' in html and "<html" not in html


def test_assets_planned_and_attached(client, login_as, channel, program):
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program))
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    assert post_form(client, url + "/assets", {"title": "Radio script"}).status_code == 303
    response = post_form(
        client,
        url + "/assets",
        {"title": "Half-page ad", "file": (io.BytesIO(png_bytes()), "ad.png", "image/png")},
        token_page=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assets = db.session.scalars(sa.select(ProposalAsset).order_by(ProposalAsset.id)).all()
    assert [(a.title, a.file_id is not None) for a in assets] == [
        ("Radio script", False),
        ("Half-page ad", True),
    ]
    page = client.get(url).get_data(as_text=True)
    assert "Planned" in page and "ad.png" in page


def _small_upload_limits(app) -> None:
    """Files of at most 2,000 bytes, and (as in production, where a form of several files
    may carry more than the app's default) a default request limit below a form's."""
    app.config.update(UPLOAD_MAX_BYTES=2000, MAX_CONTENT_LENGTH=20_000)


def test_an_over_limit_claim_gets_the_product_sentence_on_the_page(
    app, client, login_as, channel, program
):
    proposal = approved(channel, program)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    _small_upload_limits(app)
    big = b"%PDF-" + b"x" * 150_000  # over 12 proofs of 2,000 bytes and the fields

    response = post_form(
        client,
        url + "/claim",
        claim_form(proposal, {"claim-0-proof-0": (io.BytesIO(big), "invoice.pdf")}),
        token_page=url,
        content_type="multipart/form-data",
    )

    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Those files are too large together" in html
    assert "attach at most 12 files of up to" in html
    assert 'action="' + url + '/claim"' in html  # the claim form, in place
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_an_over_limit_asset_gets_the_product_sentence_on_the_page(
    app, client, login_as, channel, program
):
    proposal = proposals.create(channel.people["dealer_marketer"], program, fields(program))
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    _small_upload_limits(app)

    response = post_form(
        client,
        url + "/assets",
        {"title": "Half-page ad", "file": (io.BytesIO(b"x" * 100_000), "ad.png", "image/png")},
        token_page=url,
        content_type="multipart/form-data",
    )

    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "That file is too large" in html
    assert 'action="' + url + '/assets"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProposalAsset)) == 0


# --- Who is offered "Start a campaign" / "Propose a campaign" ---------------------------

MAY_PROPOSE = {"dealer_marketer", "partner_admin", "distributor_admin"}
EVERY_ROLE = sorted(
    MAY_PROPOSE | {"program_admin", "channel_manager", "product_manager", "partner_staff"}
)


@pytest.mark.parametrize("role", EVERY_ROLE)
@pytest.mark.parametrize("page", ["/", "/campaigns/", "/campaigns/coop/how-it-works"])
def test_only_people_who_may_propose_are_offered_a_campaign(client, login_as, program, role, page):
    person = login_as(role)
    assert proposals.can_propose(person) == (role in MAY_PROPOSE)
    response = client.get(page)
    assert response.status_code == 200
    offered = 'href="/campaigns/new"' in response.get_data(as_text=True)
    assert offered == (role in MAY_PROPOSE), f"{role} on {page}"


def test_a_refused_proposal_form_is_the_products_own_page(client, login_as, program):
    login_as("partner_staff")
    response = client.get("/campaigns/new")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "That's not open to your role" in html
    assert "You don't have the permission" not in html  # not Werkzeug's default text
    assert "marketer or admin" in html  # says what this account may not do
    assert 'href="/"' in html  # and where to go


def test_an_open_suggestion_stops_approval_on_the_page_and_says_why(
    client, login_as, channel, program
):
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    suggestion = proposals.suggest(
        channel.people["channel_manager"], proposal, "requested_amount", "2500.00"
    )
    login_as("channel_manager")
    url = f"/campaigns/proposals/{proposal.id}"
    page = client.get(url).get_data(as_text=True)
    assert url + "/approve" not in page  # no Approve button while the suggestion is open
    assert "still waiting for" in page and "Withdraw the suggestion" in page
    assert f"{url}/suggestions/{suggestion.id}/withdraw" in page
    assert 'value="accept"' not in page  # the reviewer is not offered the dealer's answer

    refused = post_form(client, url + "/approve", {"note": ""})
    assert refused.status_code == 303
    assert "Withdraw the suggestion" in client.get(url).get_data(as_text=True)  # the flash
    assert proposal.status == S.SUBMITTED and proposal.hold_id is None

    assert post_form(client, f"{url}/suggestions/{suggestion.id}/withdraw", {}).status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Withdrawn" in page and url + "/approve" in page
    assert post_form(client, url + "/approve", {"note": ""}).status_code == 303
    db.session.refresh(proposal)
    assert proposal.status == S.RUNNING


def test_no_accept_or_reject_once_the_proposal_moved_on(client, login_as, channel, program):
    """A suggestion left open on a proposal that moved on: declined over it (still possible:
    declining is final), or an old row the previous code approved over it."""
    from campaigns.proposals import workflow

    marketer, manager = channel.people["dealer_marketer"], channel.people["channel_manager"]
    declined = proposals.create(marketer, program, fields(program, title="Declined one"))
    proposals.submit(marketer, declined)
    proposals.suggest(manager, declined, "title", "Old idea")
    proposals.decline(manager, declined, "Not this season")
    old = proposals.create(marketer, program, fields(program, title="Approved one"))
    proposals.submit(marketer, old)
    proposals.suggest(manager, old, "title", "Old idea")
    workflow._final_approval(old, program, manager, on=None)  # what the old approve did
    assert old.status == S.RUNNING
    for proposal in (declined, old):
        for who in ("dealer_marketer", "channel_manager"):
            login_as(who)
            page = client.get(f"/campaigns/proposals/{proposal.id}").get_data(as_text=True)
            assert 'value="accept"' not in page and 'value="reject"' not in page
            assert "/withdraw" not in page and 'id="suggestions"' not in page
            assert "No longer open" in page and "Waiting for the dealer" not in page


def test_the_claim_form_waits_for_the_start_date_and_says_so(client, login_as, channel, program):
    proposal = approved(channel, program, **later(10))
    start = proposal.starts_on
    sentence = (
        f"This campaign starts on {start.day} {start:%B %Y}; claims open once it has started."
    )
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    page = client.get(url).get_data(as_text=True)
    assert sentence in page and 'action="' + url + '/claim"' not in page
    refused = post_form(
        client,
        url + "/claim",
        claim_form(proposal, {"claim-0-proof-0": (io.BytesIO(pdf_bytes()), "invoice.pdf")}),
        token_page=url,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 303
    assert sentence in client.get(url).get_data(as_text=True)  # the flash says it too
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_a_category_allowing_earlier_costs_opens_the_claim_form_before_the_start(
    client, login_as, channel, program
):
    login_as("program_admin")
    print_ads = next(c for c in proposals.categories(program) if c.name == "Print advertising")
    rules = client.get("/campaigns/coop/program/campaigns").get_data(as_text=True)
    assert "Costs before the start date may be claimed before it starts" in rules
    saved = post_form(
        client,
        f"/campaigns/coop/program/categories/{print_ads.id}",
        {
            "name": "Print advertising",
            "share": "50",
            "template_share": "75",
            "required_proofs": ["invoice", "tear_sheet"],
            "needs_preapproval": "on",
            "allows_precampaign_costs": "on",
            "active": "on",
        },
        token_page="/campaigns/coop/program/campaigns",
    )
    assert saved.status_code == 303
    db.session.refresh(print_ads)
    assert print_ads.allows_precampaign_costs
    proposal = approved(channel, program, **later(10))
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    assert 'action="' + url + '/claim"' in client.get(url).get_data(as_text=True)
    response = post_form(
        client,
        url + "/claim",
        claim_form(
            proposal,
            {
                "claim-0-proof-0": (io.BytesIO(pdf_bytes()), "invoice.pdf", "application/pdf"),
                "claim-0-proof-1": (io.BytesIO(png_bytes()), "tear.png", "image/png"),
            },
        ),
        token_page=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    db.session.refresh(proposal)
    assert proposal.status == S.CLAIM_SUBMITTED


# --- Proof files held across a claim form with a problem --------------------------------------


def _held_ids(html: str) -> dict[str, str]:
    """The held proofs the claim form shows: field name → held proof id."""
    import re

    return dict(re.findall(r'name="(claim-\d-held-\d)" value="(\d+)"', html))


def _claim_with_a_bad_amount(client, url, proposal):
    form = claim_form(
        proposal,
        {
            "claim-0-proof-0": (io.BytesIO(pdf_bytes()), "invoice.pdf", "application/pdf"),
            "claim-0-proof-1": (io.BytesIO(png_bytes()), "tear.png", "image/png"),
        },
    )
    form["claim-0-amount"] = "three thousand"
    return post_form(
        client, url + "/claim", form, token_page=url, content_type="multipart/form-data"
    )


def test_a_claim_with_a_problem_keeps_its_proof_files_for_the_next_try(
    client, login_as, channel, program
):
    from campaigns.proposals.models import HeldProof

    proposal = approved(channel, program)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    first = _claim_with_a_bad_amount(client, url, proposal)
    assert first.status_code == 422
    html = first.get_data(as_text=True)
    assert "cost of line 1" in html  # the sentence for the bad field
    assert "Attached: " in html and "invoice.pdf" in html and "tear.png" in html
    assert "Remove invoice.pdf" in html and "Replace with" in html
    held = _held_ids(html)
    assert set(held) == {"claim-0-held-0", "claim-0-held-1"}
    # Shown again on the page itself (a reload keeps them attached).
    assert _held_ids(client.get(url).get_data(as_text=True)) == held

    # Fix the amount and send again without choosing the files again.
    fixed = {**claim_form(proposal, {}), **held}
    again = post_form(
        client, url + "/claim", fixed, token_page=url, content_type="multipart/form-data"
    )
    assert again.status_code == 303, again.get_data(as_text=True)[:3000]
    claim = db.session.scalar(sa.select(Claim).where(Claim.proposal_id == proposal.id))
    proofs = {p.kind: p.file for p in claim.lines[0].proofs}
    assert {k: f.filename for k, f in proofs.items()} == {
        "invoice": "invoice.pdf",
        "tear_sheet": "tear.png",
    }
    document = client.get(f"/campaigns/files/{proofs['invoice'].id}")
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    assert document.data.startswith(b"%PDF")
    document.close()
    image = client.get(f"/campaigns/files/{proofs['tear_sheet'].id}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    from PIL import Image

    assert Image.open(io.BytesIO(image.data)).size == (40, 30)
    image.close()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HeldProof)) == 0
    audits = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("proposal.claim%"))
    ).all()
    assert audits == ["proposal.claim_submitted"]


def test_a_held_proof_can_be_removed_without_script(client, login_as, channel, program):
    from campaigns.proposals.models import HeldProof

    proposal = approved(channel, program)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    held = _held_ids(_claim_with_a_bad_amount(client, url, proposal).get_data(as_text=True))
    tear = db.session.get(HeldProof, int(held["claim-0-held-1"]))
    tear_file_id = tear.file_id
    removed = post_form(
        client,
        url + "/claim",
        {**claim_form(proposal, {}), **held, "claim-0-remove-1": "on"},
        token_page=url,
        content_type="multipart/form-data",
    )
    assert removed.status_code == 422  # print claims need a tear sheet, now removed
    html = removed.get_data(as_text=True)
    assert "tear sheet" in html and "tear.png" not in html and "invoice.pdf" in html
    assert set(_held_ids(html)) == {"claim-0-held-0"}
    assert db.session.scalar(sa.select(sa.func.count()).where(StoredFile.id == tear_file_id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_nobody_else_sees_or_uses_a_held_proof(client, login_as, channel, program, make_person):
    proposal = approved(channel, program)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    html = _claim_with_a_bad_amount(client, url, proposal).get_data(as_text=True)
    held = _held_ids(html)
    from campaigns.proposals.models import HeldProof

    invoice = db.session.get(HeldProof, int(held["claim-0-held-0"]))
    mine = client.get(f"/campaigns/files/{invoice.file_id}")
    assert mine.status_code == 200  # its chooser sees it
    mine.close()

    colleague = make_person("dealer_marketer", channel.dealer)  # same dealer, another person
    for who in (colleague, "partner_admin", "channel_manager", "other_marketer"):
        login_as(who)
        assert client.get(f"/campaigns/files/{invoice.file_id}").status_code == 404
        page = client.get(url)
        assert "invoice.pdf" not in page.get_data(as_text=True)
    login_as(colleague)
    stolen = post_form(
        client,
        url + "/claim",
        {**claim_form(proposal, {}), **held},
        token_page=url,
        content_type="multipart/form-data",
    )
    assert stolen.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0
    assert db.session.get(HeldProof, invoice.id) is not None  # still the chooser's


def test_held_proofs_nobody_came_back_for_are_pruned(client, login_as, channel, program):
    from datetime import timedelta

    from campaigns.proposals import held_proofs
    from campaigns.proposals.models import HeldProof
    from hub.db import utcnow
    from hub.uploads import storage_root

    proposal = approved(channel, program)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    held = _held_ids(_claim_with_a_bad_amount(client, url, proposal).get_data(as_text=True))
    rows = [db.session.get(HeldProof, int(i)) for i in held.values()]
    paths = [storage_root() / row.file.path for row in rows]
    assert all(path.exists() for path in paths)
    assert held_proofs.prune_expired(utcnow() + timedelta(hours=23)) == "0 held claim proofs pruned"
    assert held_proofs.prune_expired(utcnow() + timedelta(hours=25)) == "2 held claim proofs pruned"
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HeldProof)) == 0
    assert not any(path.exists() for path in paths)
    assert "Attached: " not in client.get(url).get_data(as_text=True)


def test_an_expired_held_proof_is_asked_for_again(client, login_as, channel, program):
    from datetime import timedelta

    from campaigns.proposals.models import HeldProof

    proposal = approved(channel, program)
    login_as("dealer_marketer")
    url = f"/campaigns/proposals/{proposal.id}"
    held = _held_ids(_claim_with_a_bad_amount(client, url, proposal).get_data(as_text=True))
    for held_id in held.values():
        row = db.session.get(HeldProof, int(held_id))
        row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.flush()
    again = post_form(
        client,
        url + "/claim",
        {**claim_form(proposal, {}), **held},
        token_page=url,
        content_type="multipart/form-data",
    )
    assert again.status_code == 422
    html = again.get_data(as_text=True)
    assert "Cost line 1: a file attached earlier is no longer held" in html
    assert "choose it again" in html and "Attached: " not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HeldProof)) == 0
