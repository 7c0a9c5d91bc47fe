"""The learner dashboard and the organisation standing page send the same number of SQL
statements however much learning data there is (the benchmark, `python -m
bench.learning`, measures them with 200,000 certifications; this keeps them flat in
every test run).

Each page is requested with a small program, then the program grows — more paths (the
dashboard lists every one, and more of them assigned to the learner), more certified people at the organisation and at dealers
beneath the distributor (the coverage table), expired and revoked certifications, more
certifications for the learner — and the page is requested again: the counts must be
equal. Counts only, no timings.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub import db
from hub.db import utcnow
from hub.standing import service as tier_rules
from learning.assignments import service as assignments
from learning.certifications import service as certifications
from learning.standing import specialisations
from learning.standing.measures import TRACK_KEY
from tests.conftest import sign_in
from tests.hub.test_query_counts import _count
from tests.learning.factories import assign, certify, make_learning

PAGES = [
    # viewer, the page (organisation from the channel)
    ("dealer_marketer", lambda c: "/learning/"),
    ("partner_admin", lambda c: f"/learning/standing/{c.dealer.id}"),
    ("distributor_admin", lambda c: f"/learning/standing/{c.distributor.id}"),
    ("program_admin", lambda c: f"/learning/standing/{c.dealer.id}"),
]


def _program(channel):
    """A path, a tier requirement on certified Technical staff and a specialisation."""
    admin = channel.people["program_admin"]
    learning = make_learning("Line 0")
    tier_rules.set_requirement(admin, channel.dealer.tier, TRACK_KEY.format(track="technical"), 2)
    specialisations.create(
        admin, "Technical — Line 0", learning.path.product_line_id, "technical", 1, 2
    )
    certify(channel.people["dealer_marketer"], learning.foundation)
    certify(channel.people["partner_staff"], learning.foundation)
    return learning


def _grow(channel, make_org, make_person, lines: range) -> None:
    admin = channel.people["program_admin"]
    long_ago = utcnow() - timedelta(days=900)
    for n in lines:
        learning = make_learning(f"Line {n}")
        levels = [learning.foundation, learning.professional]
        certify(channel.people["dealer_marketer"], learning.foundation)
        certify(channel.people["partner_staff"], learning.foundation, now=long_ago)  # expired
        for org in (channel.dealer, make_org("dealer", parent=channel.distributor)):
            for role in ("partner_staff", "partner_staff", "dealer_marketer"):
                person = make_person(role, org)
                for level in levels:
                    certify(person, level)
            certifications.revoke(admin, certify(person, learning.foundation), "Bench revoke.")
        certify(make_person("partner_staff", channel.other_dealer), learning.foundation)
        # The dashboard's viewer is assigned the path and a level of each line.
        assignments.assign(
            channel.people["partner_admin"],
            channel.people["dealer_marketer"].id,
            path_id=learning.path.id,
            due_on=utcnow().date() + timedelta(days=n),
        )
        assign(
            channel.people["partner_admin"],
            channel.people["dealer_marketer"],
            learning.professional,
        )
    db.session.flush()


@pytest.mark.parametrize(("viewer_key", "page"), PAGES, ids=[p[0] for p in PAGES])
def test_learning_pages_send_as_many_statements_for_a_large_program(
    viewer_key, page, client, session, channel, make_org, make_person, statements
):
    _program(channel)
    _grow(channel, make_org, make_person, range(1, 2))
    sign_in(client, channel.people[viewer_key])
    path = page(channel)
    small, small_sql = _count(client, statements, path, {})

    _grow(channel, make_org, make_person, range(2, 6))
    large, large_sql = _count(client, statements, path, {})

    assert large == small, (
        f"GET {path} as {viewer_key}: {small} statements with the small program, {large} "
        "with the large one:\n" + "\n".join(s for s in large_sql if s not in small_sql)
    )


@pytest.mark.parametrize(
    ("viewer_key", "most"),
    [("partner_admin", 1), ("distributor_admin", 2)],
    ids=["dealer", "distributor"],
)
def test_the_standing_page_reads_the_certifications_held_once_per_set_of_organisations(
    viewer_key, most, client, session, channel, statements
):
    """Each tier's requirement asks for the certifications held (a measure per tier and
    specialisation): one statement per request for the same organisations — the dealer's
    page reads them once, the distributor's twice (with its dealers for the coverage
    table, and alone for its own tier)."""
    _program(channel)
    viewer = channel.people[viewer_key]
    sign_in(client, viewer)
    _, sql = _count(client, statements, f"/learning/standing/{viewer.organization_id}", {})
    reads = [s for s in sql if "FROM learning_certification JOIN person" in s]
    assert 1 <= len(reads) <= most, "\n".join(reads)
