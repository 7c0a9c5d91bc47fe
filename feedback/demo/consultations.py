"""The demo's program consultations: the carryover change open for comment with signals and
comments from several dealers, and an earlier change to the approval limits, closed, with
its published response (and the record of who was told).

Everything goes through feedback.consultations' rules (audit events, the record of who was
told); only the comment periods are moved into the past afterwards, as the ideas demo moves
its dates. Prairie's marketer (marketing@prairie.example) gives no signal on the open one:
the walkthrough has her do it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for

from feedback.consultations import service
from hub.db import today
from hub.models import PARTNER_ROLES
from hub.web.pages import external_url

KEEP_OUT = {"marketing@prairie.example"}

CARRYOVER = (
    "Co-op carryover: spend it in the year you earn it",
    "From the start of next year, co-op money you earn must be spent by the end of that year: "
    "it no longer carries over into the following year. Money you have already earned keeps "
    "the expiry date it was promised.\n\n"
    "Why: unspent balances have grown every year, and money spent sooner reaches customers "
    "in the season it was earned for.",
)
APPROVAL = (
    "Fast-lane approval up to USD 2,500",
    "Proposals built on an OEM template and asking for at most USD 2,500 (instead of "
    "USD 1,000) would be approved at once, without waiting for review.",
)
COMMENTS = [
    "Our fall open house is paid from spring accruals; one year is tight for us.",
    "Fine by us as long as the expiry warnings stay on the dashboard.",
    "Please give dealers a full quarter's notice before the first money expires.",
    "We plan our radio buys two seasons ahead; a shorter carryover hurts small stores.",
]


def _rule_key(preferred: str) -> str:
    keys = [rule.key for rule in service.rule_choices()]
    return preferred if preferred in keys else keys[0]


def seed_demo(context: dict) -> str:
    people = context["people"]
    admin = people["admin@fieldcrest.example"]
    partners = sorted(
        (p for p in people.values() if p.role in PARTNER_ROLES and p.email not in KEEP_OUT),
        key=lambda p: p.email,
    )
    day = today()
    with current_app.test_request_context():
        if not service.rule_choices():
            return "consultations: no program rules to consult on"
        closed = service.open_consultation(
            admin,
            {
                "title": APPROVAL[0],
                "summary": APPROVAL[1],
                "rule_key": _rule_key("coop:approval"),
                "opens_on": day,
                "closes_on": day,
                "effective_on": day + timedelta(days=1),
            },
        )
        for n, person in enumerate(partners[:5]):
            service.give_signal(person, closed, "agree" if n % 3 else "concerned")
        service.add_comment(partners[0], closed, "We'd rather talk larger plans through first.")
        closed.opens_on, closed.closes_on = day - timedelta(days=60), day - timedelta(days=30)
        closed.effective_on = day - timedelta(days=20)
        service.publish_response(
            admin,
            closed,
            "dropped",
            "Thank you for the comments. Distributors asked to keep reviewing proposals above "
            "USD 1,000 with their dealers, so the fast lane stays where it is.",
            link=external_url("feedback.consultation_page", consultation_id=closed.id),
            path=url_for("feedback.consultation_page", consultation_id=closed.id),
        )
        opened = service.open_consultation(
            admin,
            {
                "title": CARRYOVER[0],
                "summary": CARRYOVER[1],
                "rule_key": _rule_key("coop:carryover"),
                "opens_on": day,
                "closes_on": day + timedelta(days=14),
                "effective_on": day + timedelta(days=45),
            },
        )
        signals = comments = 0
        for n, person in enumerate(partners):
            service.give_signal(person, opened, "concerned" if n % 2 == 0 else "agree")
            signals += 1
            if n < len(COMMENTS):
                service.add_comment(person, opened, COMMENTS[n])
                comments += 1
        opened.opens_on = day - timedelta(days=5)
    return (
        f"consultations: 1 open ({signals} signals, {comments} comments), "
        f"1 closed with its response ({closed.notified_count} told)"
    )
