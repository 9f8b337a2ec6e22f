"""The one reader of the two ways credentials write time: XML Schema dateTimeStamps
(``validFrom``, ``validUntil``) and JWT NumericDates (``iat``, ``nbf``, ``exp``).

Both return None for anything unreadable, so a caller decides whether that fails a check;
neither reads the clock.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from oretrust.errors import DataModelError
from oretrust.formats.vcdm import parse_datetime_stamp

__all__ = ["numeric_date", "parse_datetime"]


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
