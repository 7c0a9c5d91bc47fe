"""Random histories of accruals, holds, claims, releases, adjustments, period closes and
replays keep every invariant of COOP-RULES.md (I1–I7), checked after every step.

Each Hypothesis example runs inside a savepoint of the test's rolled-back transaction,
so examples never see each other's data.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from campaigns.coop import ledger
from campaigns.coop.models import EntryKind, Hold, HoldStatus, LedgerEntry
from hub.errors import Conflict, ValidationFailed
from tests.campaigns import make_program, purchase

D = Decimal
money = st.decimals(
    min_value=D("0.01"), max_value=D("3000"), places=2, allow_nan=False, allow_infinity=False
)
# Shares of what a hold still earmarks; 0 and >1 are bad input the ledger must refuse.
shares = st.sampled_from([D(0), D("0.01"), D("0.25"), D("0.5"), D("0.999"), D(1), D("1.2")])

SETTINGS = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_random_ledger_histories_keep_every_invariant(app, session, channel):
    admin = channel.people["program_admin"]
    dealers = [channel.dealer, channel.sibling_dealer]
    counter = itertools.count(1)

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.known = set(session.identity_map.keys())
            self.savepoint = session.begin_nested()
            self.today = date(2026, 1, 1)
            # Quarters with one quarter of carryover: money expires within a few steps.
            self.program = make_program(admin, period="quarter", carryover=1)
            self.accounts = [ledger.get_or_create_account(d, self.program) for d in dealers]
            self.earned = [D("0.00")] * len(dealers)
            self.reimbursed = [D("0.00")] * len(dealers)
            self.holds: list[int] = []
            self.replays: list = []
            self.seen: dict[int, tuple] = {}

        def teardown(self):
            self.savepoint.rollback()
            # Rows loaded (not inserted) during the example stay in the identity map as
            # expired objects; forget them, since SQLite will hand their ids out again.
            for key, obj in list(session.identity_map.items()):
                if key not in self.known:
                    session.expunge(obj)

        # --- helpers -----------------------------------------------------------

        def entry_count(self) -> int:
            return session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry))

        def refused(self, call) -> None:
            """A call that must be refused, and must leave nothing behind."""
            before = self.entry_count()
            try:
                call()
            except ValidationFailed:
                pass
            else:
                raise AssertionError("expected the ledger to refuse this")
            assert self.entry_count() == before

        @staticmethod
        def paid_oldest_first(earmark: dict, entries) -> None:
            """Rule 2: a reimbursement empties older earmarked buckets before touching newer."""
            paid = [e for e in entries if e.kind == EntryKind.REIMBURSEMENT]
            if not paid:
                return
            newest = max((e.bucket for e in paid), key=ledger.period_start)
            for bucket, earmarked in earmark.items():
                if ledger.period_start(bucket) < ledger.period_start(newest):
                    assert sum(e.amount for e in paid if e.bucket == bucket) == earmarked

        def open_holds(self) -> list[Hold]:
            holds = [session.get(Hold, hold_id) for hold_id in self.holds]
            return [h for h in holds if h.status == HoldStatus.OPEN]

        def index_of(self, hold: Hold) -> int:
            return next(i for i, a in enumerate(self.accounts) if a.id == hold.account_id)

        # --- rules ---------------------------------------------------------------

        @initialize(earlier=money, now=money)
        def funds_in_two_buckets(self, earlier, now):
            """Start with money in last quarter's and this quarter's buckets, for each dealer."""
            for who in range(len(dealers)):
                self.buy(who, earlier, 60)
                self.buy(who, now, 0)

        @rule(
            who=st.integers(0, 1),
            amount=money,
            days_ago=st.one_of(st.just(0), st.integers(0, 240)),
        )
        def buy(self, who, amount, days_ago):
            on = self.today - timedelta(days=days_ago)
            line = purchase(dealers[who], amount * 10, on, external_id=f"ERP-{next(counter)}")
            report = ledger.record_purchases(self.program, [line], today=self.today)
            accrual = ledger.quantize(amount * 10 * D("0.02"))
            assert report.accepted == [line["external_id"]] and report.accrued == accrual
            self.earned[who] += accrual
            self.replays.append(("purchase", line, report))

        @rule(who=st.integers(0, 1), share=shares, extra=st.sampled_from([D(0), D("0.01")]))
        def hold(self, who, share, extra):
            account = self.accounts[who]
            live = [b for b in ledger.bucket_balances(account) if b.is_live(self.today)]
            available = sum((b.free for b in live), D("0.00"))
            amount = ledger.quantize(available * share) + extra
            key = f"hold:{next(counter)}"
            if amount == 0 or amount > available:
                self.refused(
                    lambda: ledger.place_hold(account, amount, "campaign:x", key, on=self.today)
                )
                return
            hold = ledger.place_hold(account, amount, f"campaign:{key}", key, admin, on=self.today)
            taken = ledger.hold_balance(hold).by_bucket
            # Rule 2: every live bucket older than the newest one taken is now fully held.
            newest = max(taken, key=ledger.period_start)
            for b in ledger.bucket_balances(account):
                if b.is_live(self.today) and ledger.period_start(b.bucket) < ledger.period_start(
                    newest
                ):
                    assert b.free == 0, (b, taken)
            self.holds.append(hold.id)
            self.replays.append(("hold", who, amount, key, hold.id))

        @precondition(lambda self: self.open_holds())
        @rule(pick=st.integers(0, 99), share=shares)
        def reimburse(self, pick, share):
            holds = self.open_holds()
            hold = holds[pick % len(holds)]
            before = ledger.hold_balance(hold)
            amount = ledger.quantize(before.remaining * share)
            key = f"pay:{next(counter)}"
            if amount == 0 or amount > before.remaining:
                self.refused(lambda: ledger.reimburse(hold, amount, idempotency_key=key))
                return
            paid = ledger.reimburse(hold, amount, admin, idempotency_key=key, on=self.today)
            self.paid_oldest_first(before.by_bucket, paid.entries)
            self.reimbursed[self.index_of(hold)] += amount
            self.replays.append(("reimburse", hold.id, amount, key, paid))

        @precondition(lambda self: self.open_holds())
        @rule(pick=st.integers(0, 99), share=st.one_of(st.none(), shares))
        def release(self, pick, share):
            holds = self.open_holds()
            hold = holds[pick % len(holds)]
            remaining = ledger.hold_balance(hold).remaining
            amount = None if share is None else ledger.quantize(remaining * share)
            if amount is not None and (amount == 0 or amount > remaining):
                self.refused(lambda: ledger.release_hold(hold, amount, "no longer needed"))
                return
            moved = ledger.release_hold(hold, amount, "no longer needed", admin, on=self.today)
            # What stays held is the oldest money: buckets newer than one released from
            # are released in full.
            released = [e.bucket for e in moved.entries if e.kind == EntryKind.RELEASE]
            oldest = min(released, key=ledger.period_start)
            after = ledger.hold_balance(hold).by_bucket
            assert all(ledger.period_start(b) <= ledger.period_start(oldest) for b in after)
            # Rule 3: released money from a closed bucket expires at once, nothing else does.
            for entry in moved.entries:
                if entry.kind == EntryKind.RELEASE:
                    closed = ledger.expires_on(self.program, entry.bucket) < self.today
                    expiries = [
                        e
                        for e in moved.entries
                        if e.kind == EntryKind.EXPIRY and e.bucket == entry.bucket
                    ]
                    assert [e.amount for e in expiries] == ([entry.amount] if closed else [])
            assert moved.released == (remaining if amount is None else amount)

        @precondition(lambda self: self.open_holds())
        @rule(pick=st.integers(0, 99), share=shares)
        def settle(self, pick, share):
            holds = self.open_holds()
            hold = holds[pick % len(holds)]
            before = ledger.hold_balance(hold)
            remaining = before.remaining
            approved = ledger.quantize(remaining * share)
            key = f"claim:{next(counter)}"
            if approved > remaining:
                self.refused(lambda: ledger.settle_claim(hold, approved, idempotency_key=key))
                return
            done = ledger.settle_claim(hold, approved, admin, idempotency_key=key, on=self.today)
            assert (done.reimbursed, done.released) == (approved, remaining - approved)
            self.paid_oldest_first(before.by_bucket, done.entries)
            assert done.hold.status == HoldStatus.RESOLVED
            self.reimbursed[self.index_of(hold)] += approved
            self.replays.append(("settle", hold.id, approved, key, done))

        @rule(who=st.integers(0, 1), amount=money, negative=st.booleans(), back=st.integers(0, 2))
        def adjust(self, who, amount, negative, back):
            account = self.accounts[who]
            day = self.today - timedelta(days=92 * back)
            bucket = ledger.bucket_for(self.program, day)
            amount = -amount if negative else amount
            free = next(
                (b.free for b in ledger.bucket_balances(account) if b.bucket == bucket), D("0.00")
            )
            live = ledger.expires_on(self.program, bucket) >= self.today
            if not live or -amount > free:
                self.refused(
                    lambda: ledger.adjust(account, amount, bucket, "fix", admin, on=self.today)
                )
                return
            ledger.adjust(account, amount, bucket, "correction", admin, on=self.today)
            self.earned[who] += amount

        @rule(days=st.integers(1, 120))
        def advance(self, days):
            self.today += timedelta(days=days)

        @precondition(lambda self: self.open_holds())
        @rule(pick=st.integers(0, 99), extra=st.integers(1, 20))
        def outlive_a_hold(self, pick, extra):
            """Jump to just after the oldest bucket a hold earmarks has closed (rules 1, 3)."""
            holds = self.open_holds()
            oldest = next(iter(ledger.hold_balance(holds[pick % len(holds)]).by_bucket))
            last_day = ledger.expires_on(self.program, oldest)
            self.today = max(self.today, last_day + timedelta(days=extra))

        @rule()
        def close_period(self):
            before = {h.id: ledger.hold_balance(h) for h in self.open_holds()}
            held = [ledger.balance(a).held for a in self.accounts]
            summary = ledger.close_period(self.program, self.today)
            # I7: expiry never takes held money.
            assert {h.id: ledger.hold_balance(h) for h in self.open_holds()} == before
            assert [ledger.balance(a).held for a in self.accounts] == held
            # Nothing free is left in a closed bucket, and a second run changes nothing.
            for account in self.accounts:
                for b in ledger.bucket_balances(account):
                    if not b.is_live(self.today):
                        assert b.free == 0
            count = self.entry_count()
            assert ledger.close_period(self.program, self.today).expired == []
            assert self.entry_count() == count
            for org_id, bucket, _amount in summary.expired:
                assert ledger.expires_on(self.program, bucket) < self.today, (org_id, bucket)

        @precondition(lambda self: self.replays)
        @rule(pick=st.integers(0, 999))
        def replay(self, pick):
            """I4: an external_id or idempotency key sent again returns the original result."""
            op = self.replays[pick % len(self.replays)]
            count = self.entry_count()
            balances = [ledger.balance(a) for a in self.accounts]
            kind = op[0]
            if kind == "purchase":
                _, line, _report = op
                again = ledger.record_purchases(self.program, [line], today=self.today)
                assert again.duplicates == [line["external_id"]] and not again.accepted
            elif kind == "hold":
                _, who, amount, key, hold_id = op
                again = ledger.place_hold(self.accounts[who], amount, f"campaign:{key}", key)
                assert again.id == hold_id
                try:
                    ledger.place_hold(self.accounts[who], amount + 1, "other", key)
                except Conflict:
                    pass
                else:
                    raise AssertionError("a key reused for another hold must conflict")
            else:
                _, hold_id, amount, key, original = op
                hold = session.get(Hold, hold_id)
                call = ledger.reimburse if kind == "reimburse" else ledger.settle_claim
                again = call(hold, amount, idempotency_key=key, on=self.today)
                assert again.replayed
                assert [e.id for e in again.entries] == [e.id for e in original.entries]
                assert (again.reimbursed, again.released, again.expired) == (
                    original.reimbursed,
                    original.released,
                    original.expired,
                )
            assert self.entry_count() == count
            assert [ledger.balance(a) for a in self.accounts] == balances

        @precondition(lambda self: self.seen)
        @rule(pick=st.integers(0, 999), delete=st.booleans())
        def tamper(self, pick, delete):
            """I1: the database refuses to change or remove an entry."""
            ids = sorted(self.seen)
            entry_id = ids[pick % len(ids)]
            statement = (
                sa.delete(LedgerEntry).where(LedgerEntry.id == entry_id)
                if delete
                else sa.update(LedgerEntry).where(LedgerEntry.id == entry_id).values(amount=1)
            )
            nested = session.begin_nested()
            try:
                session.execute(statement)
            except sa.exc.DatabaseError as exc:
                assert "append-only" in str(exc)
            else:
                raise AssertionError("an entry was changed")
            finally:
                nested.rollback()

        # --- invariants, after every step --------------------------------------------

        @invariant()
        def ledger_is_sound(self):
            # I2 (available ≥ 0), I3 (cache = entries), I5 (holds resolve exactly), I6.
            assert ledger.verify_ledger(self.program) == []

        @invariant()
        def balances_match_the_model(self):
            for i, account in enumerate(self.accounts):
                cached = ledger.balance(account)
                assert cached == ledger.recompute(account)
                assert cached.available >= 0 and cached.held >= 0
                # The per-bucket rows (what the pages read) are the sums of the entries too.
                assert ledger.bucket_balances(account) == ledger.recompute_buckets(account)
                assert cached.earned == self.earned[i]
                assert cached.reimbursed == self.reimbursed[i]
                held = sum(
                    (
                        ledger.hold_balance(h).remaining
                        for h in self.open_holds()
                        if h.account_id == account.id
                    ),
                    D("0.00"),
                )
                assert cached.held == held
                assert cached.earned == (
                    cached.reimbursed + cached.expired + cached.held + cached.available
                )

        @invariant()
        def entries_never_change(self):
            # I1: every entry seen before is still there, unchanged.
            rows = session.execute(
                sa.select(
                    LedgerEntry.id,
                    LedgerEntry.account_id,
                    LedgerEntry.kind,
                    LedgerEntry.amount,
                    LedgerEntry.bucket,
                    LedgerEntry.hold_id,
                ).where(LedgerEntry.account_id.in_([a.id for a in self.accounts]))
            )
            current = {row[0]: tuple(row[1:]) for row in rows}
            for entry_id, values in self.seen.items():
                assert current.get(entry_id) == values
            self.seen = current

    run_state_machine_as_test(LedgerMachine, settings=SETTINGS)
