"""Many approvals through /api/v1/campaigns at the same moment (COOP-RULES I2, I4, I5).

Each request runs in a thread of its own with its own app context, session and
transaction, on a database whose commits are real: a fresh SQLite file, or, when
HUB_TEST_DATABASE_URL is PostgreSQL, a database `<name>_proposal_concurrency` created on
the same server, migrated by Alembic and dropped at the end (see `committed_app`).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from campaigns.coop import ledger
from campaigns.coop.models import CoopAccount, EntryKind, Hold, LedgerEntry
from campaigns.proposals import service as proposals
from campaigns.proposals.models import Proposal, ProposalStatus
from hub import db
from hub.accounts import service as accounts
from hub.db import today
from hub.demo.channel import set_path
from hub.models import Organization, OrgKind, Person, Role
from tests.campaigns import make_program, purchase, tier
from tests.campaigns.proposals.proposal_support import fields, later
from tests.conftest import committed_app

S = ProposalStatus
PROPOSALS = 50


@pytest.fixture(scope="module")
def real_app(tmp_path_factory):
    """An app on its own, really committed database (see the module docstring)."""
    yield from committed_app(
        tmp_path_factory.mktemp("proposal-concurrency"), "proposal_concurrency"
    )


_names = iter(range(1, 10_000))


class World:
    """Ids of what a test made: the dealer's account and proposals, the approvers' tokens."""

    account_id: int
    proposal_ids: list[int]
    tokens: list[str]


@pytest.fixture
def world(real_app):
    """A fresh OEM program and Premier dealer with `available` co-op, `count` proposals of
    `each` submitted by its marketer, and `approvers` channel managers with API tokens."""

    def make(available: str, count: int, each: str, approvers: int = 2) -> World:
        n = next(_names)
        with real_app.app_context():
            oem = Organization(name=f"OEM {n}", kind=OrgKind.OEM)
            db.session.add(oem)
            db.session.flush()
            set_path(oem)
            dealer = Organization(
                name=f"Dealer {n}", kind=OrgKind.DEALER, parent=oem, tier=tier("Premier")
            )
            admin = Person(
                email=f"admin{n}@oem.example",
                name="Admin",
                role=Role.PROGRAM_ADMIN,
                organization=oem,
            )
            marketer = Person(
                email=f"marketer{n}@dealer.example",
                name="Marketer",
                role=Role.DEALER_MARKETER,
                organization=dealer,
            )
            managers = [
                Person(
                    email=f"cm{n}-{i}@oem.example",
                    name=f"Channel manager {i}",
                    role=Role.CHANNEL_MANAGER,
                    organization=oem,
                )
                for i in range(approvers)
            ]
            db.session.add_all([dealer, admin, marketer, *managers])
            db.session.flush()
            set_path(dealer)
            program = make_program(admin)
            proposals.install_defaults(program)
            bought = Decimal(available) / Decimal("0.02")  # Premier accrues 2%
            on = today().replace(month=1, day=2)
            report = ledger.record_purchases(program, [purchase(dealer, bought, on)])
            assert report.clean, report
            budget = str(Decimal(each) * 2)  # the category pays 50% of cost
            ids = []
            for i in range(count):
                data = fields(
                    program,
                    title=f"Campaign {i}",
                    requested_amount=each,
                    lines=[{"description": "Ads", "amount": budget}],
                    **later(),
                )
                proposal = proposals.create(marketer, program, data)
                proposals.submit(marketer, proposal)
                ids.append(proposal.id)
            w = World()
            w.account_id = ledger.get_or_create_account(dealer, program).id
            w.proposal_ids = ids
            w.tokens = [accounts.create_api_token(m, "race").secret for m in managers]
            db.session.commit()
            # The tokens are fresh: every request of the burst also stamps its token's
            # last use after its commit (once its connection is back in the pool).
            return w

    return make


def _race(app, requests: list[tuple[str, dict]]) -> list:
    """POST every (url, headers) at once, each from its own thread and test client (so its
    own app context, session and transaction); return the responses in order."""
    start = threading.Barrier(len(requests))

    def send(item):
        url, headers = item
        client = app.test_client()
        start.wait()
        response = client.post(url, headers=headers)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return [f.result(timeout=300) for f in [pool.submit(send, r) for r in requests]]


def _bearer(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


def _sound(app, account_id: int) -> ledger.Balance:
    with app.app_context():
        account = db.session.get(CoopAccount, account_id)
        assert ledger.verify_ledger() == []
        cached = ledger.balance(account)
        assert cached == ledger.recompute(account)
        assert cached.available >= 0 and cached.held >= 0
        return cached


def _holds(app, account_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Hold).where(Hold.account_id == account_id)
        )


def test_fifty_approvals_at_once_hold_exactly_what_fits(real_app, world):
    # 10,000.00 available; 50 × 300.00 = 15,000.00 asked; 33 fit (9,900.00).
    w = world(available="10000.00", count=PROPOSALS, each="300.00")
    requests = [
        (f"/api/v1/campaigns/{pid}/approve", _bearer(w.tokens[i % len(w.tokens)]))
        for i, pid in enumerate(w.proposal_ids)
    ]
    results = _race(real_app, requests)
    codes = Counter(code for code, _ in results)
    assert codes == {200: 33, 409: 17}, results
    for code, body in results:
        if code == 409:
            assert "is available, so" in body["detail"], body
            assert "300.00 cannot be held" in body["detail"], body
            assert "still waiting for approval" in body["detail"], body
    balance = _sound(real_app, w.account_id)
    assert (balance.held, balance.available) == (Decimal("9900.00"), Decimal("100.00"))
    with real_app.app_context():
        statuses = Counter(
            db.session.scalars(sa.select(Proposal.status).where(Proposal.id.in_(w.proposal_ids)))
        )
        assert statuses == {S.APPROVED: 33, S.SUBMITTED: 17}
        approved = {
            pid for (code, _), pid in zip(results, w.proposal_ids, strict=True) if code == 200
        }
        held = set(
            db.session.scalars(
                sa.select(Proposal.id).where(
                    Proposal.id.in_(w.proposal_ids), Proposal.hold_id.is_not(None)
                )
            )
        )
        assert held == approved
        hold_entries = db.session.scalar(
            sa.select(sa.func.count()).where(
                LedgerEntry.account_id == w.account_id, LedgerEntry.kind == EntryKind.HOLD
            )
        )
        assert hold_entries == 33
    assert _holds(real_app, w.account_id) == 33


def test_two_approvers_on_one_proposal_at_once_hold_once(real_app, world):
    w = world(available="1000.00", count=1, each="300.00", approvers=2)
    (pid,) = w.proposal_ids
    url = f"/api/v1/campaigns/{pid}/approve"
    results = _race(real_app, [(url, _bearer(t)) for t in w.tokens * 5])
    codes = Counter(code for code, _ in results)
    assert codes == {200: 1, 409: 9}, results
    assert all(
        "only a submitted proposal can be approved" in body["detail"]
        for code, body in results
        if code == 409
    )
    assert _holds(real_app, w.account_id) == 1
    balance = _sound(real_app, w.account_id)
    assert (balance.held, balance.available) == (Decimal("300.00"), Decimal("700.00"))


def test_one_idempotency_key_sent_many_times_at_once_approves_once(real_app, world):
    w = world(available="1000.00", count=1, each="300.00", approvers=1)
    (pid,) = w.proposal_ids
    headers = _bearer(w.tokens[0], **{"Idempotency-Key": "approve-once"})
    results = _race(real_app, [(f"/api/v1/campaigns/{pid}/approve", headers)] * 10)
    assert [code for code, _ in results] == [200] * 10, results
    assert len({str(body) for _, body in results}) == 1  # the same answer to every retry
    assert _holds(real_app, w.account_id) == 1
    with real_app.app_context():
        proposal = db.session.get(Proposal, pid)
        assert proposal.status == S.APPROVED
        assert proposal.claim_deadline == proposal.ends_on + timedelta(days=60)
        assert proposal.starts_on > date.today()
    _sound(real_app, w.account_id)
