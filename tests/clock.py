"""Named instants for tests of time rules, so no test depends on the real date and time.

Every simulator fixture holds its clock at :data:`SIM_START` unless a test chooses
another instant. The other names are the boundaries E*TRADE's token rules turn on:
midnight in New York, the two daylight-saving changes, a weekend and the 2-hour idle
limit. ``scripts/test.sh`` also runs the time-sensitive tests with the whole process
wall clock moved (time-machine) to 23:30 and 00:30 New York time and onto a DST change day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DST_FALL_BACK",
    "DST_SPRING_FORWARD",
    "IDLE_LIMIT",
    "NEW_YORK",
    "SIM_START",
    "at_ny",
    "next_ny_midnight",
]

NEW_YORK = ZoneInfo("America/New_York")

#: E*TRADE's idle limit: a token unused this long turns inactive.
IDLE_LIMIT = timedelta(hours=2)


def at_ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware instant given as New York wall time."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def next_ny_midnight(instant: datetime) -> datetime:
    """The first midnight in New York after ``instant`` (23, 24 or 25 hours a day)."""
    local = instant.astimezone(NEW_YORK)
    day = local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=NEW_YORK)


#: Default for simulator clocks: a Tuesday 13:00 in New York, far from midnight and DST.
SIM_START = at_ny(2026, 3, 10, 13, 0)

#: 2026-03-08: New York skips 02:00-03:00 (a 23-hour day).
DST_SPRING_FORWARD = at_ny(2026, 3, 8)

#: 2026-11-01: New York repeats 01:00-02:00 (a 25-hour day).
DST_FALL_BACK = at_ny(2026, 11, 1)
