"""The one reader of the two ways credentials write time: XML Schema dateTimeStamps
(``validFrom``, ``validUntil``) and JWT NumericDates (``iat``, ``nbf``, ``exp``).

Both return None for anything unreadable, so a caller decides whether that fails a check;
neither reads the clock.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime

from oretrust.errors import DataModelError
from oretrust.formats.vcdm import parse_datetime_stamp

__all__ = ["UtcDatetime", "numeric_date", "parse_datetime", "shift", "utc_representable"]

_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def parse_datetime(value: Any) -> datetime | None:
    """Parse an XML Schema dateTimeStamp (``Z`` or offset required); None when invalid.

    The data model's own parser (:func:`~oretrust.formats.vcdm.parse_datetime_stamp`), so a
    time the ``data_model`` check accepts (``24:00:00`` included) is one every check can read.
    """
    try:
        return parse_datetime_stamp(value)
    except DataModelError:
        return None


def numeric_date(value: Any) -> datetime | None:
    """A JWT NumericDate (seconds since the epoch) as an aware datetime; None when ``value`` is
    not a finite number (booleans are not) or lies outside the years a datetime can hold."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def shift(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta``, held at the first or last instant a datetime can hold instead of
    overflowing: a check made at the calendar's edge (``verify --at`` year 1 or 9999) then
    compares like any other, where ``now + leeway`` raised OverflowError."""
    try:
        return moment + delta
    except OverflowError:
        return _LATEST if delta > timedelta(0) else _EARLIEST


def utc_representable(moment: datetime) -> datetime:
    """``moment`` unchanged if its UTC instant lies within the years 1-9999; ValueError
    otherwise (``9999-12-31T23:59:59-14:00`` is in year 10000 in UTC, and every comparison
    with it, or conversion to store it, raised OverflowError: a 500 from a request body)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is outside the years 1-9999 in UTC") from None
    return moment


#: A request's date-time: with a zone, and an instant in UTC's years 1-9999 (else a 422).
UtcDatetime = Annotated[AwareDatetime, AfterValidator(utc_representable)]
