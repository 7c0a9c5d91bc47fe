"""Counts are shown as people read them: 2,020 partners, not 2020."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template_string

from hub.web.pages import thousands


def test_thousands_separates_thousands_and_shows_none_as_zero():
    assert [thousands(v) for v in (0, 7, 999, 1000, 2020, 1234567, None)] == [
        "0", "7", "999", "1,000", "2,020", "1,234,567", "0",
    ]  # fmt: skip


@dataclass
class _Page:
    page: int
    pages: int
    total: int
    has_prev: bool = True
    has_next: bool = True


def test_the_pager_says_how_many_in_all_with_separators(app):
    template = '{% from "macros/forms.html" import pager %}{{ pager(p, "hub.organization_list") }}'
    with app.test_request_context("/"):
        many = render_template_string(template, p=_Page(page=3, pages=1_081, total=27_001))
        one_page = render_template_string(template, p=_Page(page=1, pages=1, total=1_500))
    assert "Page 3 of 1,081 · 27,001 in all" in many
    assert "1,500 in all" in one_page
