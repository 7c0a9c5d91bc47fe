"""One zone and one format per kind of date (hub/dates.py): the helper, its filters, and the
messages and pages that showed UTC before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_login import login_user

from campaigns.coop import ledger
from hub import create_app, dates
from hub import db as hub_db
from hub.accounts import passwords
from hub.config import ConfigError
from tests.campaigns import buy, make_program

CHICAGO = SimpleNamespace(timezone="America/Chicago")
IN_UTC = SimpleNamespace(timezone="UTC")
NO_ZONE = SimpleNamespace(timezone=None)


@pytest.fixture
def app_overrides() -> dict:
    return {"TIMEZONE": "America/Chicago"}  # the program's zone, as the demo program's


# --- The helper -----------------------------------------------------------------------------


def test_a_time_just_after_midnight_utc_is_the_evening_before_in_chicago(app):
    stored = datetime(2026, 12, 6, 3, 30)  # naive UTC, as the database keeps it

    assert dates.format_datetime(stored, CHICAGO) == "5 Dec 2026, 21:30"
    assert dates.format_date(stored, CHICAGO) == "5 Dec 2026"
    assert dates.format_datetime(stored, IN_UTC) == "6 Dec 2026, 03:30"
    assert dates.format_date(stored, IN_UTC) == "6 Dec 2026"
    assert dates.format_date(date(2026, 12, 6), CHICAGO) == "6 Dec 2026"  # a day has no zone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (datetime(2026, 3, 8, 7, 59), "8 Mar 2026, 01:59"),  # CST, UTC−6
        (datetime(2026, 3, 8, 8, 0), "8 Mar 2026, 03:00"),  # clocks go forward: CDT, UTC−5
        (datetime(2026, 11, 1, 6, 30), "1 Nov 2026, 01:30"),  # CDT
        (datetime(2026, 11, 1, 7, 30), "1 Nov 2026, 01:30"),  # clocks went back: CST
        (datetime(2026, 7, 1, 4, 59), "30 Jun 2026, 23:59"),  # summer: midnight UTC−5
    ],
)
def test_daylight_saving_time_is_followed(app, stored, shown):
    assert dates.format_datetime(stored, CHICAGO) == shown


def test_someone_without_a_usable_zone_reads_the_programs(app):
    stored = datetime(2026, 12, 6, 3, 30)
    assert dates.format_datetime(stored, NO_ZONE) == "5 Dec 2026, 21:30"
    assert dates.format_datetime(stored, SimpleNamespace(timezone="Mars/Olympus")) == (
        "5 Dec 2026, 21:30"
    )
    assert dates.zone_for(None).key == "America/Chicago"  # no request: the program's


def test_the_programs_today_turns_at_its_own_midnight(app):
    assert dates.today(datetime(2026, 12, 6, 5, 59)) == date(2026, 12, 5)
    assert dates.today(datetime(2026, 12, 6, 6, 0)) == date(2026, 12, 6)


def test_the_apps_calendar_day_is_the_programs(app, monkeypatch):
    monkeypatch.setattr(hub_db, "utcnow", lambda: datetime(2026, 12, 6, 3, 0))
    assert hub_db.today() == date(2026, 12, 5)


def test_relative_dates_and_times(app):
    now = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    assert dates.format_relative(datetime(2026, 12, 6, 15, 0), CHICAGO, now=now) == "3 hours ago"
    assert dates.format_relative(datetime(2026, 12, 6, 17, 59, 40), CHICAGO, now=now) == (
        "just now"
    )
    assert dates.format_relative(date(2026, 12, 11), CHICAGO, now=now) == "in 5 days"
    assert dates.format_relative(date(2026, 12, 6), CHICAGO, now=now) == "today"
    assert dates.format_relative(date(2026, 12, 5), CHICAGO, now=now) == "1 day ago"
    # 02:00 UTC on the 7th is still the 6th in Chicago: the 7th is tomorrow there.
    late = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert dates.format_relative(date(2026, 12, 7), CHICAGO, now=late) == "in 1 day"


def test_how_long_something_has_waited(app):
    now = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    assert dates.format_duration(datetime(2026, 12, 3, 17, 0), now) == "3 days"
    assert dates.format_duration(datetime(2026, 12, 6, 13, 0), now) == "5 hours"
    assert dates.format_duration(datetime(2026, 12, 6, 17, 59, 30), now) == "a moment"
    assert dates.format_duration(None, now) == ""
    # A minute and a bit is "1 minute", not "62 seconds".
    assert dates.format_relative(datetime(2026, 12, 6, 17, 58, 58), now=now) == "1 minute ago"


def test_machines_get_iso_8601(app):
    assert dates.iso(datetime(2026, 12, 6, 3, 30, 12, 999)) == "2026-12-06T03:30:12Z"
    assert dates.iso(datetime(2026, 12, 5, 21, 30, tzinfo=dates.zone_named("America/Chicago"))) == (
        "2026-12-06T03:30:00Z"
    )
    assert dates.iso(date(2026, 12, 6)) == "2026-12-06"
    assert dates.iso(None) == dates.format_date(None) == dates.format_datetime(None) == ""


def test_an_unknown_program_zone_stops_start_up_with_a_sentence(tmp_path):
    with pytest.raises(ConfigError, match="HUB_TIMEZONE is 'Chicago'; set it to an IANA"):
        create_app({"SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path), "TIMEZONE": "Chicago"})


# --- Templates: the reader's zone ---------------------------------------------------------------


def test_the_filters_use_the_signed_in_persons_zone(app, channel):
    person = channel.people["dealer_marketer"]
    person.timezone = "Europe/Berlin"
    template = "{{ v|datetime }} · {{ v|date }} · {{ d|date }} · {{ v|iso }} · {{ time_zone() }}"
    with app.test_request_context("/"):
        login_user(person)
        shown = render_template_string(
            template, v=datetime(2026, 12, 6, 23, 30), d=date(2026, 1, 2)
        )
    assert shown == (
        "7 Dec 2026, 00:30 · 7 Dec 2026 · 2 Jan 2026 · 2026-12-06T23:30:00Z · Europe/Berlin"
    )


# --- Messages and pages that showed UTC -----------------------------------------------------


def test_a_ledger_line_booked_on_a_chicago_evening_is_dated_that_evening(
    app, session, channel, monkeypatch
):
    """Before: the ledger dated it by the UTC day — the next day for the dealer."""
    admin = channel.people["program_admin"]
    program = make_program(admin)
    account = buy(program, channel.dealer, "10000", date(2026, 6, 1), today=date(2026, 6, 2))
    monkeypatch.setattr(hub_db, "utcnow", lambda: datetime(2026, 12, 6, 3, 0))  # 9 pm, 5 Dec

    entry = ledger.adjust(account, "10", "2026", "goodwill", admin)

    assert entry.effective_on == date(2026, 12, 5)
    assert dates.format_date(entry.effective_on) == "5 Dec 2026"


def test_someone_invited_reads_times_in_the_programs_zone_until_they_choose(app, session, channel):
    """Before: every invited person read times in UTC (the column's default)."""
    admin = channel.people["partner_admin"]
    person = passwords.invite(
        admin,
        admin.organization,
        email="new.hire@dealer.example",
        name="New Hire",
        role="partner_staff",
        link_for=lambda token: None,
    )
    assert person.timezone == "America/Chicago"
    assert dates.format_datetime(datetime(2026, 12, 6, 3, 30), person) == "5 Dec 2026, 21:30"


def test_a_span_of_days_says_each_month_and_year_once(app):
    # Babel puts thin spaces (U+2009) around the dash; written here as plain spaces.
    def span(a, b):
        return dates.format_date_range(a, b).replace("\u2009", " ")

    assert span(date(2026, 12, 1), date(2026, 12, 5)) == "1 – 5 Dec 2026"
    assert span(date(2026, 11, 28), date(2026, 12, 5)) == "28 Nov – 5 Dec 2026"
    assert span(date(2026, 12, 28), date(2027, 1, 5)) == ("28 Dec 2026 – 5 Jan 2027")
    assert span(date(2026, 12, 30), date(2026, 12, 30)) == "30 Dec 2026"
