"""How long ago something happened, or how long it has waited, as people say it.

Pages show these beside the exact time (a `title` or `<time datetime>`), which the
`local_time` filter formats.
"""

from __future__ import annotations

from datetime import datetime

from hub.db import utcnow


def waited(since: datetime | None, now: datetime | None = None) -> str:
    """'3 days', '5 hours', '12 minutes', 'a moment' — the time since `since` (UTC)."""
    if since is None:
        return ""
    seconds = max(0.0, ((now or utcnow()) - since).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = int(seconds // size)
        if count:
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "a moment"


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """'3 days ago', 'just now'."""
    if when is None:
        return ""
    text = waited(when, now)
    return "just now" if text == "a moment" else f"{text} ago"
