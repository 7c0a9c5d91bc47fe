"""The demo's proposals: every state of the workflow, Prairie with a proposal in each,
proof files that are real, peer medians beside Prairie's results, money about to expire
— and a ledger that verifies."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from campaigns.coop import ledger, providers
from campaigns.coop.models import CoopProgram
from campaigns.demo.coop import DEMO_PROGRAM
from campaigns.proposals import panels as proposal_panels
from campaigns.proposals import service as proposals
from campaigns.proposals.models import (
    ClaimLine,
    ClaimProof,
    Proposal,
    ProposalEvent,
    ProposalEventKind,
    ProposalStatus,
)
from hub import db
from hub.db import today, utcnow
from hub.models import Organization, Person, StoredFile
from hub.uploads import open_stored
from tests.conftest import sign_in

pytestmark = pytest.mark.demo  # the seeded demo program, each test rolled back

S = ProposalStatus
# The demo's co-op purchases end in November 2026: its "today" for expiring money.
DEMO_TODAY = date(2026, 11, 22)


@pytest.fixture
def demo(app, demo_summary):
    summary = demo_summary
    program = db.session.scalar(sa.select(CoopProgram).where(CoopProgram.name == DEMO_PROGRAM))
    prairie = db.session.scalar(
        sa.select(Organization).where(Organization.name == "Prairie Ag Dealers")
    )
    return summary, program, prairie


def person(email: str) -> Person:
    return db.session.scalar(sa.select(Person).where(Person.email == email))


def of(prairie, status) -> list[Proposal]:
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.organization_id == prairie.id, Proposal.status == status)
            .order_by(Proposal.id)
        )
    )


def test_the_demo_seeds_a_dozen_proposals_in_every_state(demo):
    summary, program, prairie = demo
    assert "proposals: 24 in 11 states" in summary
    everything = db.session.scalars(sa.select(Proposal)).all()
    assert len(everything) >= 12
    states = {p.status for p in everything}
    assert states == set(S) - {S.WITHDRAWN}
    # Prairie alone has a proposal in each of them.
    assert {p.status for p in everything if p.organization_id == prairie.id} == states
    assert len({p.organization_id for p in everything}) >= 8
    assert program.fast_lane_limit == 1000
    assert [r.role.value for r in proposals.ladder(program)] == ["channel_manager", "program_admin"]


def test_both_rungs_of_the_ladder_have_someone_waiting(demo):
    _, program, prairie = demo
    on_admin = [p for p in of(prairie, S.SUBMITTED) if p.approvals_done == 1]
    on_manager = [p for p in of(prairie, S.SUBMITTED) if p.approvals_done == 0]
    assert on_admin and on_admin[0].approval_steps == ["channel_manager", "program_admin"]
    assert proposals.can_approve(person("admin@fieldcrest.example"), on_admin[0])
    assert not proposals.can_approve(person("channel@fieldcrest.example"), on_admin[0])
    assert on_manager and proposals.can_approve(person("channel@fieldcrest.example"), on_manager[0])
    # Prairie can afford what waits for approval.
    available = ledger.balance(providers.account_of(prairie, program)).available
    assert available >= sum(p.requested_amount for p in of(prairie, S.SUBMITTED))


def test_the_discussion_the_suggestion_and_the_reasons(demo):
    _, _, prairie = demo
    (demo_days,) = [p for p in of(prairie, S.SUBMITTED) if p.title == "Planter demo days"]
    kinds = [e.kind for e in proposals.thread(demo_days)]
    assert kinds.count(ProposalEventKind.COMMENT) == 2
    (suggestion,) = proposals.open_suggestions(demo_days)
    assert suggestion.field == "ends_on" and suggestion.created_at < utcnow() - timedelta(hours=12)
    (changes,) = of(prairie, S.CHANGES_REQUESTED)
    assert any("Split" in e.body or "split" in e.body for e in proposals.thread(changes))
    assert any(e.kind == ProposalEventKind.COMMENT for e in proposals.thread(changes))
    (declined,) = of(prairie, S.DECLINED)
    assert "brand artwork" in declined.decline_reason
    (paid,) = of(prairie, S.PAID)
    cut = [line for line in proposals.claim_of(paid).lines if line.reason_code]
    assert cut and cut[0].reason_code in proposals.REASON_CODES
    assert cut[0].approved_cost < cut[0].amount and paid.reimbursed_amount < paid.max_reimbursement


def test_claims_carry_real_proof_files(demo, app):
    _, _, prairie = demo
    (claimed,) = of(prairie, S.CLAIM_SUBMITTED)
    claim = proposals.claim_of(claimed)
    kinds = {proof.kind for line in claim.lines for proof in line.proofs}
    assert set(claimed.category.required_proofs) <= kinds
    files = db.session.scalars(
        sa.select(StoredFile)
        .join(ClaimProof, ClaimProof.file_id == StoredFile.id)
        .join(ClaimLine, ClaimLine.id == ClaimProof.line_id)
        .where(ClaimLine.claim_id == claim.id)
    ).all()
    types = {f.content_type for f in files}
    assert types == {"image/png", "application/pdf"}
    for stored in files:
        assert stored.organization_id == prairie.id
        data = open_stored(stored.path).read_bytes()
        assert len(data) == stored.size
        if stored.content_type == "image/png":
            with Image.open(io.BytesIO(data)) as image:
                assert image.format == "PNG" and image.size[0] > 100
        else:
            assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_prairies_results_have_peer_medians_and_roi(demo):
    _, _, prairie = demo
    finished = of(prairie, S.RESULTS_REPORTED) + of(prairie, S.CLOSED)
    assert len(finished) == 2
    for proposal in finished:
        medians = proposals.peer_medians(proposal)
        assert medians.peers >= proposals.PEER_MINIMUM, proposal.title
        assert medians.revenue and medians.roi and medians.leads
        assert proposals.roi(proposal) is not None
    (closed,) = of(prairie, S.CLOSED)
    assert proposals.roi(closed) > proposals.peer_medians(closed).roi  # a good result…
    (reported,) = of(prairie, S.RESULTS_REPORTED)
    assert proposals.roi(reported) > 0


def test_the_ledger_verifies_and_prairie_has_money_about_to_expire(demo):
    _, program, prairie = demo
    assert ledger.verify_ledger(program) == []
    account = providers.account_of(prairie, program)
    expiring = ledger.expiring_soon(account, 60, DEMO_TODAY)
    assert expiring and expiring[0].amount >= 1000 and expiring[0].expires_on == date(2026, 12, 31)
    # Every approved-and-not-finished proposal holds its money; expired ones released it.
    for proposal in db.session.scalars(sa.select(Proposal).where(Proposal.hold_id.is_not(None))):
        remaining = ledger.hold_balance(proposal.hold).remaining
        if proposal.status in (S.APPROVED, S.RUNNING, S.CLAIM_SUBMITTED):
            assert remaining == proposal.max_reimbursement, proposal.title
        else:
            assert remaining == 0, proposal.title


def test_the_expired_proposal_released_its_hold_by_the_service(demo):
    _, _, prairie = demo
    (expired,) = of(prairie, S.EXPIRED)
    assert expired.claim_deadline < today()
    statuses = [
        (e.data or {}).get("status")
        for e in db.session.scalars(
            sa.select(ProposalEvent)
            .where(ProposalEvent.proposal_id == expired.id)
            .order_by(ProposalEvent.id)
        )
    ]
    assert statuses[-1] == "expired"


def test_waiting_times_look_like_a_program_in_use(demo):
    _, _, prairie = demo
    now = utcnow()
    waiting = of(prairie, S.SUBMITTED) + of(prairie, S.CLAIM_SUBMITTED)
    assert all(now - p.status_changed_at > timedelta(days=1) for p in waiting)
    (closed,) = of(prairie, S.CLOSED)
    assert closed.created_at < now - timedelta(days=100)
    queue, count = proposal_panels.review_queue(person("channel@fieldcrest.example"))
    assert count >= 6
    assert [item.since for item in queue] == sorted(item.since for item in queue)
    assert len({item.wait for item in queue}) >= 4  # different ages, not all "a few minutes"


def test_prairies_marketer_sees_the_demo_on_the_dashboard(demo, client):
    sign_in(client, person("marketing@prairie.example"))
    html = client.get("/").get_data(as_text=True)
    assert "Waiting on you" in html and "Waiting on others" in html
    assert "Planter demo days" in html and "Accept or reject the suggested edit" in html
    assert "Start a campaign" in html
    assert "Harbor" not in html and "Sandhills" not in html
