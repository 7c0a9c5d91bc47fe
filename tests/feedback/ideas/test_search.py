"""Duplicate suggestions: one interface over SQLite FTS5 and PostgreSQL full-text search
(run the file with HUB_TEST_DATABASE_URL pointing at PostgreSQL for the second)."""

from __future__ import annotations

import pytest

from feedback.ideas import search
from tests.feedback.ideas.support import post


@pytest.fixture
def board(channel, session):
    from hub.models import ProductLine

    line = ProductLine(name="Compact tractors", slug="compact")
    other = ProductLine(name="Parts", slug="parts-x")
    session.add_all([line, other])
    session.flush()
    marketer = channel.people["dealer_marketer"]
    ideas = {
        "deck": post(marketer, line, "Quick-attach mower deck", "Swapping takes two people."),
        "mow": post(marketer, line, "Mow around trees closer", "Trim work after every cut."),
        "hydraulic": post(
            marketer, line, "Hydraulic oil level sight glass", "Climbing up to check."
        ),
        "in_text": post(
            marketer,
            other,
            "Service kit per serial number",
            "Filters for the mower deck spindles are looked up one by one.",
        ),
        "cab": post(marketer, other, "Cab filter without tools", "Dust in harvest."),
    }
    return line, other, ideas


def titles(matches):
    return [m.idea.title for m in matches]


def test_word_forms_match_mowing_finds_mower_and_mow(board, channel):
    _line, _other, ideas = board
    found = search.similar(channel.people["other_marketer"], "mowing")
    assert ideas["deck"].title in titles(found)
    assert ideas["mow"].title in titles(found)
    assert ideas["cab"].title not in titles(found)


def test_a_half_typed_last_word_matches_as_a_prefix(board, channel):
    found = search.similar(channel.people["dealer_marketer"], "hydr")
    assert titles(found)[0] == "Hydraulic oil level sight glass"


def test_a_small_typo_still_finds_the_idea(board, channel):
    found = search.similar(channel.people["dealer_marketer"], "hydrolic oil")
    assert "Hydraulic oil level sight glass" in titles(found)
    found = search.similar(channel.people["dealer_marketer"], "hydrolic")
    assert titles(found) == ["Hydraulic oil level sight glass"]
    assert found[0].typo


def test_a_title_match_ranks_above_a_match_in_the_text(board, channel):
    found = search.similar(channel.people["dealer_marketer"], "mower deck")
    assert titles(found)[:2] == ["Quick-attach mower deck", "Service kit per serial number"]


def test_results_can_be_kept_to_one_product_line(board, channel):
    line, _other, _ideas = board
    found = search.similar(channel.people["dealer_marketer"], "mower deck", product_line_id=line.id)
    assert titles(found)[0] == "Quick-attach mower deck"
    assert {m.idea.product_line_id for m in found} == {line.id}


def test_search_syntax_typed_is_only_words(board, channel):
    viewer = channel.people["dealer_marketer"]
    for text in ['"', "deck* OR NEAR(", "title:deck", "'; DROP TABLE idea; --", "a", "", "|&!:*"]:
        search.similar(viewer, text)  # no error from either database's query syntax
    found = set(titles(search.similar(viewer, 'deck" OR "cab')))
    assert {"Quick-attach mower deck", "Cab filter without tools"} <= found


def test_an_edited_title_is_found_by_its_new_words(board, channel, session):
    _line, _other, ideas = board
    ideas["cab"].title = "Cab air filter swap by hand"
    session.flush()
    viewer = channel.people["dealer_marketer"]
    assert titles(search.similar(viewer, "air filter swap"))[0] == "Cab air filter swap by hand"
    assert "Cab filter without tools" not in titles(search.similar(viewer, "tools"))
    session.delete(ideas["cab"])
    session.flush()
    assert "Cab air filter swap by hand" not in titles(search.similar(viewer, "air filter swap"))


def test_a_typo_of_a_word_an_edited_title_has_is_found(board, channel, session):
    _line, _other, ideas = board
    viewer = channel.people["dealer_marketer"]
    assert search.similar(viewer, "reqlacement") == []
    ideas["cab"].title = "Cab filter replacement without tools"
    session.flush()
    found = search.similar(viewer, "reqlacement")
    assert titles(found) == ["Cab filter replacement without tools"] and found[0].typo


def test_an_inactive_person_finds_nothing(board, channel, session):
    viewer = channel.people["dealer_marketer"]
    viewer.active = False
    session.flush()
    assert search.similar(viewer, "mower") == []


def test_ideas_with_every_word_come_before_ideas_with_some(board, channel):
    _line, _other, ideas = board
    found = search.similar(channel.people["dealer_marketer"], "filter for the cab")
    # "Cab filter without tools" has both words; the service kit only "filter" (its text).
    assert titles(found)[0] == ideas["cab"].title
    assert ideas["in_text"].title in titles(found)[1:]


def test_common_words_are_left_out_of_the_query():
    assert search.words("The mower for the cab of it") == ["mower", "cab"]
    assert search.words("the and for") == []
