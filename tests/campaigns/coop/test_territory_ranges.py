"""The money-at-risk panels limit a channel manager's partners to their territory by
ranges of the organisation path (read from its index), not LIKE patterns: a range holds
exactly the paths a prefix match would."""

from __future__ import annotations

import sqlalchemy as sa

from campaigns.coop.partners import _subtree_range

PATHS = [
    "/1/",
    "/1/2/",
    "/1/2/5/",
    "/1/2/5/70/",
    "/1/2/50/",
    "/1/20/",
    "/1/20/2/",
    "/1/21/",
    "/1/3/",
    "/1/19/",
    "/10/",
    "/1/2_/",
    "/1/2%/",
]


def test_a_range_holds_exactly_the_subtree():
    for prefix in PATHS:
        start, end = _subtree_range(prefix)
        inside = sorted(p for p in PATHS if start <= p < end)
        assert inside == sorted(p for p in PATHS if p.startswith(prefix)), prefix


def test_the_database_compares_paths_as_the_range_needs(session):
    """SQLite's BINARY and PostgreSQL's C / C.UTF-8 collations order by code point."""
    paths = sa.union_all(*(sa.select(sa.literal(p, sa.String).label("p")) for p in PATHS))
    paths = paths.subquery("paths")
    for prefix in PATHS:
        start, end = _subtree_range(prefix)
        inside = session.scalars(sa.select(paths.c.p).where(paths.c.p >= start, paths.c.p < end))
        assert sorted(inside) == sorted(p for p in PATHS if p.startswith(prefix)), prefix
