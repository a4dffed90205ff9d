"""Times are stored in UTC and shown in the district's local time (Asia/Shanghai by default)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from services.config import timezone_name


def local_zone() -> ZoneInfo:
    return _zone(timezone_name())


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A naive UTC time from the database as naive local wall-clock time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(local_zone()).replace(tzinfo=None)


def local_day_start_utc(day: dt.date) -> dt.datetime:
    """Midnight of a local calendar day, as naive UTC for comparing with stored times."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=local_zone())
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def local_today() -> dt.date:
    return dt.datetime.now(local_zone()).date()
