"""The proposal workflow as a service: lifecycle, ladder, suggestions, claims, results,
deadlines — and the ledger saying exactly what happened."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger, providers
from campaigns.coop.models import EntryKind, LedgerEntry
from campaigns.proposals import service as proposals
from campaigns.proposals.models import (
    ApprovalRule,
    ApproverRole,
    ProposalStatus,
    Suggestion,
    SuggestionStatus,
)
from hub import db
from hub.dates import format_date
from hub.db import today
from hub.errors import Conflict, ValidationFailed
from hub.models import AuditEvent, Notification
from tests.campaigns.proposals.proposal_support import (
    approved,
    category,
    claim_lines,
    fields,
    funded_program,
    later,
)

S = ProposalStatus


@pytest.fixture
def program(channel):
    return funded_program(channel)


def balance(channel, program):
    return ledger.balance(providers.account_of(channel.dealer, program))


def test_the_whole_loop_moves_money_exactly(channel, program):
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    proposal = proposals.create(marketer, program, fields(program))
    assert proposal.status == S.DRAFT
    proposals.submit(marketer, proposal)
    assert proposal.status == S.SUBMITTED
    assert proposal.share == Decimal("0.5000") and proposal.approval_steps == ["channel_manager"]
    proposals.approve(manager, proposal)
    assert proposal.status == S.RUNNING
    assert proposal.max_reimbursement == Decimal("3000.00")
    assert proposal.claim_deadline == proposal.ends_on + timedelta(days=60)
    assert balance(channel, program).held == Decimal("3000.00")
    assert balance(channel, program).available == Decimal("7000.00")

    claim = proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    assert proposal.status == S.CLAIM_SUBMITTED
    _, second = claim.lines
    proposals.review_claim(
        manager,
        proposal,
        {second.id: {"approved_cost": "500.00", "reason_code": "missing_proof"}},
    )
    # eligible 2,500 × 50% = 1,250 paid; 1,750 of the 3,000 hold released.
    assert proposal.status == S.PAID and proposal.reimbursed_amount == Decimal("1250.00")
    after = balance(channel, program)
    assert (after.held, after.reimbursed, after.available) == (
        Decimal("0.00"),
        Decimal("1250.00"),
        Decimal("8750.00"),
    )
    kinds = db.session.scalars(
        sa.select(LedgerEntry.kind)
        .where(LedgerEntry.account_id == proposal.hold.account_id)
        .order_by(LedgerEntry.id)
    ).all()
    assert kinds[-3:] == [EntryKind.HOLD, EntryKind.REIMBURSEMENT, EntryKind.RELEASE]

    proposals.report_results(
        marketer,
        proposal,
        {"result_leads": "52", "result_opportunities": "11", "result_revenue": "180000.00"},
    )
    assert proposals.roi(proposal) == Decimal("144.0")
    proposals.close(manager, proposal)
    assert proposal.status == S.CLOSED
    assert ledger.verify_ledger(program) == []
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "Proposal", AuditEvent.object_id == str(proposal.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "proposal.created",
        "proposal.submitted",
        "proposal.approved",
        "proposal.claim_submitted",
        "proposal.claim_paid",
        "proposal.results_reported",
        "proposal.closed",
    ]


def test_a_large_request_climbs_to_the_program_admin(channel, program):
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(
        marketer,
        program,
        fields(
            program, requested_amount="6000.00", lines=[{"description": "Show", "amount": "12000"}]
        ),
    )
    proposals.submit(marketer, proposal)
    assert proposal.approval_steps == ["channel_manager", "program_admin"]
    manager = channel.people["channel_manager"]
    assert not proposals.can_approve(channel.people["other_marketer"], proposal)
    proposals.approve(manager, proposal)
    assert proposal.status == S.SUBMITTED
    assert proposals.current_rung(proposal) == ApproverRole.PROGRAM_ADMIN
    assert not proposals.can_approve(manager, proposal)
    assert balance(channel, program).held == Decimal("0.00")  # nothing held until the last rung
    proposals.approve(channel.people["program_admin"], proposal)
    assert proposal.status == S.RUNNING and balance(channel, program).held == Decimal("6000.00")


def test_one_person_approves_one_rung_only(channel, program):
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(
        marketer,
        program,
        fields(
            program, requested_amount="6000.00", lines=[{"description": "Show", "amount": "12000"}]
        ),
    )
    proposals.submit(marketer, proposal)
    admin = channel.people["program_admin"]
    proposals.approve(admin, proposal)
    with pytest.raises(Conflict, match="someone else approves"):
        proposals.approve(admin, proposal)


def test_distributor_first_and_the_fast_lane(channel, program):
    program.distributor_first = True
    program.fast_lane_limit = Decimal("1000.00")
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    assert proposal.approval_steps == ["distributor", "channel_manager"]
    assert not proposals.can_approve(channel.people["channel_manager"], proposal)
    assert proposals.can_approve(channel.people["distributor_admin"], proposal)
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.person_id == channel.people["distributor_admin"].id
        )
    )
    assert note is not None and "Proposal Co-op" not in note.text and "submitted" in note.text

    fast = proposals.create(
        marketer, program, fields(program, requested_amount="900.00", uses_oem_template="on")
    )
    proposals.submit(marketer, fast)
    # 75% template share; approved on submission, no approver involved.
    assert fast.share == Decimal("0.7500") and fast.status == S.RUNNING
    assert fast.hold.amount == Decimal("900.00")


def test_a_rule_change_affects_new_proposals_only(channel, program):
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    program.claim_window_days = 10
    cat = category(program)
    cat.share = Decimal("0.25")
    db.session.add(ApprovalRule(program_id=program.id, position=0, role=ApproverRole.PROGRAM_ADMIN))
    db.session.flush()
    proposals.approve(channel.people["channel_manager"], proposal)
    assert proposal.claim_deadline == proposal.ends_on + timedelta(days=60)
    assert proposal.share == Decimal("0.5000")


def test_suggested_edit_accepted_and_rejected(channel, program):
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    suggestion = proposals.suggest(manager, proposal, "requested_amount", "2500.00", "Trim radio")
    assert [s.id for s in proposals.open_suggestions(proposal)] == [suggestion.id]
    with pytest.raises(PermissionError):
        proposals.decide_suggestion(manager, suggestion, True)
    proposals.decide_suggestion(marketer, suggestion, True)
    assert proposal.requested_amount == Decimal("2500.00")
    assert suggestion.status == SuggestionStatus.ACCEPTED
    other = proposals.suggest(manager, proposal, "title", "Spring planter days")
    proposals.decide_suggestion(marketer, other, False)
    assert proposal.title == "Spring planter open house"
    with pytest.raises(Conflict):
        proposals.decide_suggestion(marketer, other, True)
    with pytest.raises(ValidationFailed, match="ends"):
        proposals.suggest(manager, proposal, "ends_on", "2000-01-01")


def test_a_suggested_date_or_amount_reads_as_people_write_it(channel, program):
    """The notice (and the page, through the same shown_value) says '28 Apr 2027' and
    'USD 2,500.00', not the stored '2027-04-28' and '2500.00'."""
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    ends = today() + timedelta(days=40)
    proposals.suggest(manager, proposal, "ends_on", ends.isoformat())
    proposals.suggest(manager, proposal, "requested_amount", "2500.00")
    texts = db.session.scalars(
        sa.select(Notification.text)
        .where(Notification.person_id == marketer.id, Notification.kind == "proposal.suggestion")
        .order_by(Notification.id)
    ).all()
    assert texts[0].endswith(f"End date → {format_date(ends)}")
    assert ends.isoformat() not in texts[0]
    assert texts[1].endswith("Co-op requested → USD 2,500.00")


def test_approving_with_an_open_suggestion_is_refused_until_it_is_settled(channel, program):
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    suggestion = proposals.suggest(manager, proposal, "requested_amount", "2500.00", "Trim radio")
    with pytest.raises(Conflict, match="Withdraw the suggestion, or wait until the dealer"):
        proposals.approve(manager, proposal)
    assert proposal.status == S.SUBMITTED and proposal.hold_id is None
    assert balance(channel, program).held == Decimal("0.00")
    with pytest.raises(PermissionError):
        proposals.withdraw_suggestion(marketer, suggestion)
    proposals.withdraw_suggestion(channel.people["program_admin"], suggestion)  # any reviewer
    assert suggestion.status == SuggestionStatus.WITHDRAWN
    assert proposals.open_suggestions(proposal) == []
    with pytest.raises(Conflict, match="already withdrawn"):
        proposals.decide_suggestion(marketer, suggestion, True)
    audit = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "proposal.suggestion_withdrawn")
    )
    assert audit is not None and "Co-op requested" in audit.summary
    proposals.approve(manager, proposal)
    assert proposal.status == S.RUNNING and proposal.hold.amount == Decimal("3000.00")


def test_an_answered_suggestion_lets_the_approver_approve_the_new_amount(channel, program):
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    suggestion = proposals.suggest(manager, proposal, "requested_amount", "2500.00")
    assert proposals.approval_blocker(proposal) is not None
    proposals.decide_suggestion(marketer, suggestion, True)
    assert proposals.approval_blocker(proposal) is None
    proposals.approve(manager, proposal)
    assert proposal.hold.amount == Decimal("2500.00")


def test_a_stale_open_suggestion_on_an_approved_proposal_is_not_open(channel, program):
    """A row left open by the old code (approved over a pending suggestion) is no longer
    offered to anyone: nothing to answer, and answering it still says why not."""
    marketer = channel.people["dealer_marketer"]
    proposal = approved(channel, program)
    stale = Suggestion(proposal_id=proposal.id, field="title", old_value=proposal.title,
                       new_value="Old idea", author_id=channel.people["channel_manager"].id)  # fmt: skip
    db.session.add(stale)
    db.session.flush()
    assert proposals.open_suggestions(proposal) == []
    assert proposals.approval_blocker(proposal) is None
    with pytest.raises(Conflict, match="can no longer be changed"):
        proposals.decide_suggestion(marketer, stale, True)


def test_a_fast_lane_resubmission_waits_for_the_suggestion_to_be_answered(channel, program):
    program.fast_lane_limit = Decimal("1000.00")
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    proposals.request_changes(manager, proposal, "Use the OEM template and ask for less")
    proposals.update(marketer, proposal, fields(program, requested_amount="900.00",
                                                 uses_oem_template="on"))  # fmt: skip
    suggestion = proposals.suggest(manager, proposal, "title", "Planter days")
    with pytest.raises(Conflict, match="Accept or reject the suggested edit first"):
        proposals.submit(marketer, proposal)
    assert proposal.status == S.CHANGES_REQUESTED
    proposals.decide_suggestion(marketer, suggestion, False)
    proposals.submit(marketer, proposal)
    assert proposal.status == S.RUNNING


def test_changes_requested_then_resubmitted_keeps_history(channel, program):
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    with pytest.raises(ValidationFailed):
        proposals.request_changes(manager, proposal, "  ")
    proposals.request_changes(manager, proposal, "Add the radio station's name")
    assert proposals.waiting_on(proposal).party == "partner"
    proposals.update(marketer, proposal, fields(program, title="Spring open house + KRVN"))
    proposals.submit(marketer, proposal)
    assert proposal.revision == 2 and proposal.status == S.SUBMITTED
    bodies = [e.body for e in proposals.thread(proposal)]
    assert "Add the radio station's name" in bodies and "Resubmitted for approval" in bodies


def test_decline_is_final_with_a_reason(channel, program):
    marketer = channel.people["dealer_marketer"]
    proposal = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, proposal)
    with pytest.raises(ValidationFailed, match="reason"):
        proposals.decline(channel.people["channel_manager"], proposal, "")
    proposals.decline(channel.people["channel_manager"], proposal, "Outside the territory")
    assert proposal.status == S.DECLINED and proposal.decline_reason == "Outside the territory"
    with pytest.raises(Conflict):
        proposals.update(marketer, proposal, fields(program))
    assert balance(channel, program).held == Decimal("0.00")


@pytest.mark.parametrize(
    ("overrides", "field", "sentence"),
    [
        ({"requested_amount": "-5"}, "requested_amount", "more than zero"),
        ({"requested_amount": "99999999999"}, "requested_amount", "typo"),
        ({"requested_amount": "10.005"}, "requested_amount", "fractions of a cent"),
        ({"currency": "EUR"}, "currency", "pays in USD"),
        ({"ends_on": "2001-01-01"}, "ends_on", "before it starts"),
        ({"starts_on": "next week"}, "starts_on", "as a date"),
        ({"title": ""}, "title", "Enter the title"),
        ({"category_id": "999999"}, "category_id", "kind of activity"),
        ({"lines": [{"description": "", "amount": "10"}]}, "lines", "what the money is for"),
    ],
)
def test_bad_input_gets_a_sentence_and_writes_nothing(channel, program, overrides, field, sentence):
    marketer = channel.people["dealer_marketer"]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(ValidationFailed) as caught:
        proposals.create(marketer, program, fields(program, **overrides))
    assert sentence in " ".join(caught.value.problems[field])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_submission_checks_balance_and_share(channel, program):
    marketer = channel.people["dealer_marketer"]
    greedy = proposals.create(marketer, program, fields(program, requested_amount="3500.00"))
    with pytest.raises(ValidationFailed, match="at most") as caught:
        proposals.submit(marketer, greedy)
    assert "50% of cost" in str(caught.value)
    big = proposals.create(
        marketer,
        program,
        fields(
            program, requested_amount="11000.00", lines=[{"description": "x", "amount": "30000"}]
        ),
    )
    with pytest.raises(ValidationFailed, match=r"USD 10,000\.00 of co-op available"):
        proposals.submit(marketer, big)
    assert greedy.status == S.DRAFT and big.status == S.DRAFT


def test_claim_rules(channel, program):
    marketer = channel.people["dealer_marketer"]
    proposal = approved(channel, program)
    lines = claim_lines(proposal, marketer)
    for line in lines:
        line["proofs"] = [("invoice", line["proofs"][0][1])]
    with pytest.raises(ValidationFailed, match="tear sheet"):
        proposals.submit_claim(marketer, proposal, lines)
    with pytest.raises(ValidationFailed, match=r"claim at most USD 6,000\.00 of costs"):
        proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer, ("7000.00",)))
    proposals.submit_claim(
        marketer, proposal, claim_lines(proposal, marketer), idempotency_key="c1"
    )
    again = proposals.submit_claim(
        marketer, proposal, claim_lines(proposal, marketer), idempotency_key="c1"
    )
    assert again.proposal_id == proposal.id
    with pytest.raises(Conflict, match="already submitted"):
        proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))


def test_a_claim_before_the_campaign_starts_is_refused_with_a_sentence(channel, program):
    marketer = channel.people["dealer_marketer"]
    proposal = approved(channel, program, **later(10))
    start = proposal.starts_on
    assert proposal.status == S.APPROVED
    sentence = (
        f"This campaign starts on {start.day} {start:%B %Y}; claims open once it has started."
    )
    with pytest.raises(Conflict) as refused:
        proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    assert refused.value.problems[""] == [sentence]
    assert not proposals.may_claim(marketer, proposal)
    assert proposals.claim_of(proposal) is None and proposal.status == S.APPROVED
    on_the_day = proposals.submit_claim(
        marketer, proposal, claim_lines(proposal, marketer), on=start
    )
    assert on_the_day.proposal_id == proposal.id


def test_a_category_that_allows_earlier_costs_is_claimed_before_the_start(channel, program):
    admin, marketer = channel.people["program_admin"], channel.people["dealer_marketer"]
    print_ads = category(program)
    assert print_ads.allows_precampaign_costs is False  # the default
    data = {"name": print_ads.name, "share": "50", "template_share": "75",
            "required_proofs": print_ads.required_proofs, "needs_preapproval": True,
            "allows_precampaign_costs": True, "active": True}  # fmt: skip
    proposals.save_category(admin, program, data, print_ads)
    assert print_ads.allows_precampaign_costs is True
    audit = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "coop.category_saved")
    )
    assert audit.after["allows_precampaign_costs"] is True
    assert audit.before["allows_precampaign_costs"] is False
    proposal = approved(channel, program, **later(10))
    assert proposals.may_claim(marketer, proposal)
    proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    assert proposal.status == S.CLAIM_SUBMITTED


def test_a_returned_claim_is_fixed_and_paid(channel, program):
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    proposal = approved(channel, program)
    claim = proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    with pytest.raises(ValidationFailed, match="choose a reason"):
        proposals.review_claim(manager, proposal, {claim.lines[0].id: {"approved_cost": "1.00"}})
    proposals.review_claim(
        manager,
        proposal,
        {claim.lines[1].id: {"approved_cost": "0", "reason_code": "missing_proof"}},
        pay=False,
    )
    assert proposal.status == S.RUNNING and claim.status.value == "returned"
    assert balance(channel, program).held == Decimal("3000.00")
    proposals.submit_claim(marketer, proposal, claim_lines(proposal, marketer))
    proposals.review_claim(manager, proposal, {})
    assert proposal.reimbursed_amount == Decimal("1500.00")
    assert ledger.verify_ledger(program) == []


def test_deadline_reminders_then_expiry_release_the_hold(channel, program):
    proposal = approved(channel, program)
    deadline = proposal.claim_deadline
    assert proposals.daily(on=deadline - timedelta(days=20)).reminded == 0
    assert proposals.daily(on=deadline - timedelta(days=14)).reminded == 1
    assert proposals.daily(on=deadline - timedelta(days=13)).reminded == 0
    assert proposals.daily(on=deadline - timedelta(days=3)).reminded == 1
    assert proposals.daily(on=deadline).expired == 0
    summary = proposals.daily(on=deadline + timedelta(days=1))
    assert summary.expired == 1 and proposal.status == S.EXPIRED
    assert balance(channel, program).held == Decimal("0.00")
    assert proposals.daily(on=deadline + timedelta(days=2)).expired == 0
    texts = db.session.scalars(
        sa.select(Notification.text).where(
            Notification.person_id == channel.people["dealer_marketer"].id,
            Notification.kind == "proposal.deadline",
        )
    ).all()
    assert len(texts) == 2 and "14 days left" in texts[0] and "3 days left" in texts[1]
    assert ledger.verify_ledger(program) == []


def test_peer_medians_need_three_peers_and_exclude_self(channel, program, make_org, make_person):
    def finished(org_person, revenue):
        proposal = proposals.create(org_person, program, fields(program))
        proposals.submit(org_person, proposal)
        proposals.approve(channel.people["channel_manager"], proposal)
        proposals.submit_claim(org_person, proposal, claim_lines(proposal, org_person))
        proposals.review_claim(channel.people["channel_manager"], proposal, {})
        proposals.report_results(
            org_person,
            proposal,
            {"result_leads": "10", "result_opportunities": "2", "result_revenue": revenue},
        )
        return proposal

    mine = finished(channel.people["dealer_marketer"], "1000.00")
    assert proposals.peer_medians(mine).peers == 0
    peers = []
    for n, revenue in enumerate(["30000.00", "60000.00", "90000.00"]):
        org = make_org("dealer", parent=channel.distributor, name=f"Peer {n}")
        ledger.record_purchases(
            program,
            [
                {
                    "external_id": f"peer-{n}",
                    "organization_id": org.id,
                    "amount": "500000.00",
                    "currency": "USD",
                    "purchased_on": today().replace(month=1, day=2).isoformat(),
                }
            ],
        )
        peers.append(finished(make_person("dealer_marketer", org), revenue))
    medians = proposals.peer_medians(mine)
    assert medians.peers == 3 and medians.revenue == Decimal("60000.00")
    assert medians.roi == Decimal("40.0")  # 60,000 / 1,500


def test_scope_of_proposals(channel, program):
    marketer = channel.people["dealer_marketer"]
    draft = proposals.create(marketer, program, fields(program))
    sent = proposals.create(marketer, program, fields(program, title="Sent"))
    proposals.submit(marketer, sent)

    def seen(who):
        return {p.id for p in db.session.scalars(proposals.visible_proposals(channel.people[who]))}

    assert seen("dealer_marketer") == {draft.id, sent.id}
    assert seen("partner_staff") == {draft.id, sent.id}
    assert seen("distributor_admin") == {sent.id}
    assert seen("channel_manager") == {sent.id}
    assert seen("other_marketer") == set()


def test_program_admin_edits_categories_and_ladder_for_new_proposals(channel, program):
    admin = channel.people["program_admin"]
    marketer = channel.people["dealer_marketer"]
    before = proposals.create(marketer, program, fields(program))
    proposals.submit(marketer, before)
    print_ads = category(program)
    with pytest.raises(PermissionError):
        proposals.save_category(channel.people["channel_manager"], program, {}, print_ads)
    with pytest.raises(ValidationFailed) as caught:
        proposals.save_category(
            admin, program, {"name": "Trade show / event", "share": "150", "required_proofs": []}
        )
    problems = caught.value.problems
    assert "already a category" in problems["name"][0]
    assert "at most 100" in problems["share"][0]
    assert "at least one proof" in problems["required_proofs"][0]
    proposals.save_category(
        admin,
        program,
        {"name": "Print advertising", "share": "40", "required_proofs": ["invoice"],
         "needs_preapproval": True, "active": True},
        print_ads,
    )  # fmt: skip
    proposals.save_approval_rules(
        admin,
        program,
        {
            "fast_lane_limit": "",
            "distributor_first": False,
            "rungs": [
                {"id": r.id, "role": r.role.value, "above": "1000" if i else "0", "active": True}
                for i, r in enumerate(proposals.ladder(program))
            ],
        },
    )
    after = proposals.create(marketer, program, fields(program, requested_amount="2000.00"))
    proposals.submit(marketer, after)
    assert after.share == Decimal("0.4000") and after.approval_steps == [
        "channel_manager",
        "program_admin",
    ]
    assert before.share == Decimal("0.5000") and before.approval_steps == ["channel_manager"]
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.like("coop.%_saved"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["coop.category_saved", "coop.approval_rules_saved"]
    with pytest.raises(ValidationFailed, match="choose who approves"):
        proposals.save_approval_rules(admin, program, {"rungs": [{"role": "boss", "above": "1"}]})


def test_a_category_without_preapproval_holds_at_once_even_after_the_fact(channel, program):
    marketer = channel.people["dealer_marketer"]
    training = category(program, "Training")
    assert not training.needs_preapproval
    past = today() - timedelta(days=20)
    proposal = proposals.create(
        marketer,
        program,
        fields(
            program,
            category_id=training.id,
            starts_on=past.isoformat(),
            ends_on=(past + timedelta(days=1)).isoformat(),
        ),
    )
    proposals.submit(marketer, proposal)
    assert proposal.status == S.RUNNING and proposal.approval_steps == []
    assert balance(channel, program).held == Decimal("3000.00")
    assert "needs no approval" in proposals.thread(proposal)[-2].body


def test_awaiting_looks_past_older_proposals_waiting_on_someone_else(channel, program):
    marketer = channel.people["dealer_marketer"]
    manager = channel.people["channel_manager"]
    big = fields(
        program, requested_amount="6000.00", lines=[{"description": "x", "amount": "12000"}]
    )
    for _ in range(55):  # older, past the channel manager's rung: waiting on the admin
        p = proposals.create(marketer, program, big)
        proposals.submit(marketer, p)
        proposals.approve(manager, p)
    mine = proposals.create(marketer, program, fields(program, title="Newest"))
    proposals.submit(marketer, mine)
    assert [p.id for p in proposals.awaiting(manager, limit=2)] == [mine.id]
    assert len(proposals.awaiting(channel.people["program_admin"], limit=60)) == 56
