"""Dates and times as people read them: one zone, one format per kind, through Babel.

Times are stored in UTC (naive). They are shown in one zone — the person's own when they
have one, else the program's (HUB_TIMEZONE) — and in one format per kind of date:

| kind      | looks like            | in templates        | in messages          |
| --------- | --------------------- | ------------------- | -------------------- |
| date      | 6 Dec 2026            | `value|date`        | `format_date(v)`     |
| date-time | 6 Dec 2026, 14:05     | `value|datetime`    | `format_datetime(v)` |
| relative  | 3 hours ago, in 5 days| `value|relative`    | `format_relative(v)` |
| duration  | 3 days, 5 hours       | `since|duration`    | `format_duration(v)` |
| date span | 28 Nov – 5 Dec 2026   | `a|date_range(b)`   | `format_date_range`  |

Machine-readable `<time datetime="…">` keeps ISO 8601: `value|iso`.

Whose zone: pass `person=` (a mail to someone, a line about them); without it the person
signed in to this request is the reader, and outside a request (CLI, jobs) the program.
The calendar's "today" for rules (periods, deadlines, ledger dates) is the program's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel import dates as babel
from flask import current_app, has_app_context, has_request_context
from flask_login import current_user

# The product's English: day before month, 24-hour clock. Parsed once: Babel parses a
# locale given by name again on every call, half the cost of formatting a date.
LOCALE = Locale.parse("en_GB")
DATE = "d MMM y"
DATETIME = "d MMM y, HH:mm"
UTC_ZONE = ZoneInfo("UTC")


def zone_named(name: str | None) -> ZoneInfo | None:
    """The IANA zone of that name, or None when the name is empty or unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def program_zone() -> ZoneInfo:
    """The program's zone (HUB_TIMEZONE; UTC outside an app)."""
    if not has_app_context():
        return UTC_ZONE
    return zone_named(current_app.config.get("TIMEZONE")) or UTC_ZONE


def zone_for(person=None) -> ZoneInfo:
    """The zone a person reads times in: their own when set, else the program's.

    Without a person: the one signed in to this request, if any.
    """
    if person is None and has_request_context():
        person = current_user._get_current_object()
    return zone_named(getattr(person, "timezone", None)) or program_zone()


def local(value: datetime, person=None) -> datetime:
    """A stored time (naive UTC, or aware) in the reader's zone."""
    return _aware(value).astimezone(zone_for(person))


def format_date(value: date | datetime | None, person=None) -> str:
    """'6 Dec 2026'. A datetime is first put in the reader's zone (its day may change)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value, person).date()
    return babel.format_date(value, DATE, locale=LOCALE)


def format_datetime(value: datetime | None, person=None) -> str:
    """'6 Dec 2026, 14:05' in the reader's zone."""
    if value is None:
        return ""
    return babel.format_datetime(local(value, person), DATETIME, locale=LOCALE)


def format_date_range(start: date | None, end: date | None) -> str:
    """'1 – 5 Dec 2026', '28 Nov – 5 Dec 2026', '30 Dec 2026' (one day): a span of days."""
    if start is None or end is None:
        return format_date(start or end)
    return babel.format_interval(start, end, "yMMMd", locale=LOCALE)


def format_relative(
    value: date | datetime | None, person=None, now: date | datetime | None = None
) -> str:
    """'3 hours ago', 'in 5 days', 'today': a time against now, a date against today.

    A date counts in days however far it is (a deadline reads "in 45 days", not "in 2
    months"). `now` may be the day a page was computed for.
    """
    if value is None:
        return ""
    now = now or datetime.now(UTC)
    if not isinstance(value, datetime):
        on = local(now, person).date() if isinstance(now, datetime) else now
        days = (value - on).days
        if days == 0:
            return "today"
        return babel.format_timedelta(
            timedelta(days=days),
            granularity="day",
            threshold=1000,  # never rounded up to weeks or months
            add_direction=True,
            locale=LOCALE,
        )
    if not isinstance(now, datetime):
        now = datetime.combine(now, datetime.min.time(), tzinfo=zone_for(person))
    delta = _aware(value) - _aware(now)
    if abs(delta) < timedelta(minutes=1):
        return "just now"
    return babel.format_timedelta(delta, threshold=1, add_direction=True, locale=LOCALE)


def format_duration(since: datetime | None, now: datetime | None = None) -> str:
    """'3 days', '5 hours', 'a moment': how long something has waited since `since`."""
    if since is None:
        return ""
    delta = _aware(now or datetime.now(UTC)) - _aware(since)
    if delta < timedelta(minutes=1):
        return "a moment"
    return babel.format_timedelta(delta, threshold=1, locale=LOCALE)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(value: date | datetime | None) -> str:
    """ISO 8601 for machines (<time datetime>): a stored UTC time with its Z, a date as is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    return value.isoformat()


def today(now: datetime | None = None) -> date:
    """The program's calendar day now (a stored UTC `now` may be given)."""
    return _aware(now or datetime.now(UTC)).astimezone(program_zone()).date()


def init_app(app) -> None:
    """The Jinja filters date, datetime, relative, duration, date_range and iso, and
    time_zone(): the name of the zone the reader sees times in."""
    app.jinja_env.filters.update(
        date=format_date,
        datetime=format_datetime,
        relative=format_relative,
        duration=format_duration,
        date_range=format_date_range,
        iso=iso,
    )
    app.jinja_env.globals["time_zone"] = lambda: zone_for().key
