"""What every benchmark returns: figures as data, each beside the baseline measured in its run.

A script's ``figures(...)`` function returns a list of :class:`Figure`; its ``main`` prints
its own report, and ``bench/run_all.py`` collects every script's figures into one table (or
JSON) without parsing any text. A figure's ``ratio`` is ``value / baseline`` (both from the
same run, so a noisy machine moves both alike); ``target`` is issue 13's bound on the ratio,
read as "at least" unless ``lower_is_better``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

__all__ = ["Figure", "postgres_schema", "postgres_url", "print_table", "to_json"]


@dataclass(frozen=True)
class Figure:
    """One measured figure: what, its value and unit, the baseline and what it is, a target."""

    benchmark: str
    figure: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_is: str = ""
    target: float | None = None
    lower_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        """``value / baseline``, or None without a baseline."""
        return self.value / self.baseline if self.baseline else None

    @property
    def met(self) -> bool | None:
        """Whether the ratio meets the target (None without one)."""
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target if self.lower_is_better else self.ratio >= self.target

    def to_dict(self) -> dict[str, Any]:
        """JSON form, with ``ratio`` and ``met``."""
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or 0.01 <= abs(value) < 1e6:
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:.3g}"


def print_table(figures: Sequence[Figure]) -> None:
    """One table: benchmark, figure, value, baseline, ratio, target, met?"""
    header = ("benchmark", "figure", "value", "baseline", "ratio", "target", "met?")
    rows = [header]
    for f in figures:
        target = (
            None
            if f.target is None
            else ("<= " if f.lower_is_better else ">= ") + _number(f.target)
        )
        met = {True: "yes", False: "NO", None: "-"}[f.met]
        rows.append((
            f.benchmark, f.figure, f"{_number(f.value)} {f.unit}".strip(),
            f"{_number(f.baseline)} {f.baseline_is}".strip() if f.baseline else "-",
            _number(f.ratio), target or "-", met,
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for number, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def to_json(figures: Sequence[Figure]) -> list[dict[str, Any]]:
    """The figures as JSON-ready dicts."""
    return [figure.to_dict() for figure in figures]


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A throwaway schema on the PostgreSQL ``url``; yields a URL whose connections use it."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def postgres_url(given: str | None) -> str | None:
    """``--postgres URL`` if given, else ``ORETRUST_TEST_POSTGRES_URL`` if set, else None."""
    return given or os.environ.get("ORETRUST_TEST_POSTGRES_URL") or None
