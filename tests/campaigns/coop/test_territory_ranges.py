"""The money-at-risk panels limit a channel manager's partners to their territory by
ranges of the organisation path (read from its index), not LIKE patterns: a range holds
exactly the paths a prefix match would."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaigns.coop.partners import _subtree_range
from hub import db

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


def _inside(session, paths, prefix: str) -> list[str]:
    start, end = _subtree_range(prefix)
    column = db.code_point_order(paths.c.p)
    return sorted(session.scalars(sa.select(paths.c.p).where(column >= start, column < end)))


def test_the_database_compares_paths_as_the_range_needs(session):
    """db.code_point_order: SQLite's BINARY, PostgreSQL's COLLATE "C"."""
    paths = sa.union_all(*(sa.select(sa.literal(p, sa.String).label("p")) for p in PATHS))
    paths = paths.subquery("paths")
    for prefix in PATHS:
        assert _inside(session, paths, prefix) == sorted(
            p for p in PATHS if p.startswith(prefix)
        ), prefix


def test_a_language_collation_does_not_change_the_ranges(session):
    """A PostgreSQL database created with a language collation (ICU English here) sorts
    "/1/20/" between "/1/2/" and "/1/3/" the way a person would — which would put it
    inside the range of "/1/2/" — unless the paths are compared in code-point order."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no language collations; BINARY is code-point order")
    paths = sa.union_all(
        *(sa.select(sa.literal(p, sa.String).collate("en-x-icu").label("p")) for p in PATHS)
    ).subquery("paths")
    start, end = _subtree_range("/1/2/")
    naive = sorted(session.scalars(sa.select(paths.c.p).where(paths.c.p >= start, paths.c.p < end)))
    assert naive != sorted(p for p in PATHS if p.startswith("/1/2/")), (
        "the collation is not a language one"
    )
    for prefix in PATHS:
        assert _inside(session, paths, prefix) == sorted(
            p for p in PATHS if p.startswith(prefix)
        ), prefix
