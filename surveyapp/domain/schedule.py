"""When scheduled backups are due, when the last is late, and which to keep (SURVEYAPP_BACKUP_SCHEDULE and
SURVEYAPP_BACKUP_KEEP): plain times in, plain times out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
LATE_AFTER = dt.timedelta(hours=1)  # a backup is late this long after it was due (a large one takes a while)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?: daily)?$")
_KEEP_PART = re.compile(r"^(\d+) (daily|weekly|monthly)$")
PERIODS = ("daily", "weekly", "monthly")


class ScheduleError(ValueError):
    """A backup setting cannot be used; the message names the variable and the fix."""


@dataclass(frozen=True)
class Keep:
    """How many days, ISO weeks and months keep their newest backup."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def parse_schedule(text: str | None) -> dt.time | None:
    """`HH:MM` (or `HH:MM daily`), UK time; None when unset."""
    if text is None:
        return None
    found = _TIME.match(text.strip())
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise ScheduleError(f"SURVEYAPP_BACKUP_SCHEDULE: {text!r} is not a time of day; give HH:MM (UK time), "
                            "e.g. 02:00 for a backup every night at 2 am")
    return dt.time(int(found[1]), int(found[2]))


def parse_keep(text: str) -> Keep:
    """E.g. `7 daily, 4 weekly, 12 monthly`; a period left out keeps none of its own."""
    counts: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        found = _KEEP_PART.match(part)
        if found is None or found[2] in counts:
            raise ScheduleError(f"SURVEYAPP_BACKUP_KEEP: {part!r} is not understood; give counts of daily, weekly "
                                "and monthly backups, each once, e.g. 7 daily, 4 weekly, 12 monthly")
        counts[found[2]] = int(found[1])
    if not any(counts.values()):
        raise ScheduleError("SURVEYAPP_BACKUP_KEEP: keep at least one backup, e.g. 7 daily")
    return Keep(**{period: counts.get(period, 0) for period in PERIODS})


def last_due(at: dt.time, now: dt.datetime) -> dt.datetime:
    """The latest moment at or before `now` a backup at `at` (UK time) was due, in UTC."""
    local = now.astimezone(UK)
    due = dt.datetime.combine(local.date(), at, tzinfo=UK)
    if due > local:
        due = dt.datetime.combine(local.date() - dt.timedelta(days=1), at, tzinfo=UK)
    return due.astimezone(dt.UTC)


def next_due(at: dt.time, now: dt.datetime) -> dt.datetime:
    """The next moment after `now` a backup at `at` (UK time) is due, in UTC."""
    local = now.astimezone(UK)
    due = dt.datetime.combine(local.date(), at, tzinfo=UK)
    if due <= local:
        due = dt.datetime.combine(local.date() + dt.timedelta(days=1), at, tzinfo=UK)
    return due.astimezone(dt.UTC)


def lateness(at: dt.time, last: dt.datetime | None, now: dt.datetime) -> str | None:
    """Why the backups are late, or None: the last one must be no older than the latest time one was due, once
    that is LATE_AFTER past."""
    due = last_due(at, now)
    if now - due < LATE_AFTER:
        due -= dt.timedelta(days=1)  # today's may still be under way
    if last is not None and last >= due - LATE_AFTER:
        return None
    when = "there is no backup yet" if last is None else f"the last backup was made {last:%Y-%m-%d %H:%M} UTC"
    return f"late: {when}, and one was due by {due:%Y-%m-%d %H:%M} UTC (SURVEYAPP_BACKUP_SCHEDULE={at:%H:%M})"


def to_delete(made: Iterable[dt.datetime], keep: Keep) -> set[dt.datetime]:
    """Which backups (by the time each was made) retention drops: a backup is kept when it is the newest of one
    of the last `keep.daily` days, `keep.weekly` ISO weeks or `keep.monthly` months that have a backup (UK
    time); the newest backup is always kept."""
    ordered = sorted(set(made), reverse=True)
    kept: set[dt.datetime] = set(ordered[:1])
    for period, count in (("daily", keep.daily), ("weekly", keep.weekly), ("monthly", keep.monthly)):
        seen: set[tuple[int, ...]] = set()
        for moment in ordered:
            local = moment.astimezone(UK)
            bucket = {"daily": (local.year, local.month, local.day), "weekly": tuple(local.isocalendar())[:2],
                      "monthly": (local.year, local.month)}[period]
            if bucket not in seen and len(seen) < count:
                seen.add(bucket)
                kept.add(moment)
    return set(ordered) - kept
